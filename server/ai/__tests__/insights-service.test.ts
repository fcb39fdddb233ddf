import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import { openDatabase, type Database } from "../../db/database";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../../model/types";
import { InsightsService, marketCandleSource, type InsightsServiceOptions } from "../insights-service";
import { MarketSummarizer } from "../llm";
import { ModelRegistry } from "../model-registry";
import { momentumSeries, silentLogger } from "./helpers";

function setup(overrides: Partial<InsightsServiceOptions> = {}, count = 2000) {
  const history = momentumSeries(2600, 77, 0.8);
  const live: Candle[] = history.slice(0, count);
  const calls: { symbol: string; timeframe: Timeframe; limit: number }[] = [];
  const clock = new ManualClock(live[live.length - 1].openTime + TIMEFRAME_MS["5m"]);
  const registry = new ModelRegistry();
  const service = new InsightsService({
    candles: (symbol, timeframe, limit) => {
      calls.push({ symbol, timeframe, limit });
      return symbol === "BTC/USDT" && timeframe === "5m" ? live.slice(-limit) : [];
    },
    clock,
    logger: silentLogger(),
    registry,
    symbols: () => ["BTC/USDT", "ETH/USDT"],
    summarizer: new MarketSummarizer({ config: null, disabledReason: "no LLM is configured", clock }),
    trainingCandles: 2000,
    horizon: 1,
    ...overrides,
  });
  return { service, live, history, calls, clock, registry };
}

describe("InsightsService", () => {
  it("before any training: regime, consensus and reasons from the candles, and an honest 'no model'", async () => {
    const { service } = setup();
    const insights = await service.getInsights("BTC/USDT");
    expect(insights.timeframe).toBe("5m");
    expect(["trending_up", "trending_down", "ranging", "volatile"]).toContain(insights.regime.label);
    expect(insights.consensus.items).toHaveLength(8);
    expect(insights.model).toBeNull();
    expect(insights.modelStatus).toMatch(/no model trained for BTC\/USDT 5m yet/);
    expect(insights.reasons.at(-1)).toMatch(/^No model probability: no model trained/);
    expect(insights.summary).toMatchObject({ status: "disabled", message: "no LLM is configured" });
  });

  it("a perpetual (TRADING_MARKET=futures trades BTC/USDT:USDT) gets insights from its own candles, not a symbol error", async () => {
    const perp = momentumSeries(2000, 77, 0.8, { symbol: "BTC/USDT:USDT" });
    const { service } = setup({
      candles: (symbol, timeframe, limit) => (symbol === "BTC/USDT:USDT" && timeframe === "5m" ? perp.slice(-limit) : []),
      symbols: () => ["BTC/USDT:USDT"],
    });
    const insights = await service.getInsights("BTC/USDT:USDT");
    expect(insights.timeframe).toBe("5m");
    expect(insights.consensus.items).toHaveLength(8);
    await expect(service.getInsights("BTC/USDT:")).rejects.toThrow(/symbol: must look like BASE\/QUOTE/);
  });

  it("serves from a short cache, then recomputes", async () => {
    const { service, calls, clock } = setup();
    await service.getInsights("BTC/USDT", "5m");
    await service.getInsights("BTC/USDT", "5m");
    expect(calls).toHaveLength(1);
    clock.advance(6_000);
    await service.getInsights("BTC/USDT", "5m");
    expect(calls).toHaveLength(2);
  });

  it("trains a versioned model that finds the planted pattern, and the insights then show its probability and out-of-sample record", async () => {
    const { service, registry } = setup();
    const first = await service.train("BTC/USDT", "5m");
    expect(first.stored).toBe(false);
    expect(first.model).toMatchObject({ id: "BTC/USDT:5m:v1", version: 1, horizon: 1, latest: true, significant: true });
    expect(first.model.outOfSample.accuracy).toBeGreaterThan(0.7);
    expect(first.model.outOfSample.baseRate).toBeGreaterThan(0.4);
    expect(first.model.outOfSample.baseRate).toBeLessThan(0.6);
    const second = await service.train("BTC/USDT", "5m");
    expect(second.model.version).toBe(2);
    expect(service.listModels().map((m) => [m.id, m.latest])).toEqual([
      ["BTC/USDT:5m:v2", true],
      ["BTC/USDT:5m:v1", false],
    ]);
    const insights = await service.getInsights("BTC/USDT", "5m");
    expect(insights.model).toMatchObject({ id: "BTC/USDT:5m:v2", version: 2, horizon: 1 });
    const m = insights.model!;
    expect(m.probability).toBeGreaterThan(0);
    expect(m.probability).toBeLessThan(1);
    expect(m.contributions).toHaveLength(16);
    expect(m.intercept + m.contributions.reduce((s, c) => s + c.contribution, 0)).toBeCloseTo(m.logit, 10);
    expect(m.outOfSample.calibration.reduce((s, b) => s + b.count, 0)).toBe(m.outOfSample.samples);
    expect(registry.latest("BTC/USDT", "5m")!.id).toBe("BTC/USDT:5m:v2");
  });

  it("keeps a tracked market current from the live feed, so signals can be explained synchronously", async () => {
    const { service, live, history } = setup();
    expect(service.snapshotFor("BTC/USDT", "5m")).toBeUndefined();
    await service.getInsights("BTC/USDT", "5m");
    const before = service.snapshotFor("BTC/USDT", "5m")!;
    expect(before.candleTime).toBe(live[live.length - 1].openTime);
    const next = history[live.length];
    live.push(next);
    service.observe(next);
    expect(service.snapshotFor("BTC/USDT", "5m")!.candleTime).toBe(next.openTime);
    // after missed candles: no update on the spot, a catch-up from the source follows
    live.push(...history.slice(live.length, live.length + 4));
    service.observe(live[live.length - 1]);
    expect(service.snapshotFor("BTC/USDT", "5m")!.candleTime).toBe(next.openTime);
    await vi.waitFor(() => expect(service.snapshotFor("BTC/USDT", "5m")!.candleTime).toBe(live[live.length - 1].openTime));
  });

  it("starts tracking a market from its first live candle, without making the caller wait", async () => {
    const { service, live } = setup();
    service.observe(live[live.length - 1]);
    expect(service.snapshotFor("BTC/USDT", "5m")).toBeUndefined();
    await vi.waitFor(() => expect(service.snapshotFor("BTC/USDT", "5m")?.candleTime).toBe(live[live.length - 1].openTime));
  });

  it("refuses unknown symbols, bad timeframes and too little history with clear errors", async () => {
    const { service } = setup();
    await expect(service.getInsights("DOGE/USDT")).rejects.toMatchObject({ code: "UNKNOWN_SYMBOL", status: 404 });
    await expect(service.getInsights("BTC/USDT", "2m" as Timeframe)).rejects.toMatchObject({ code: "INVALID_TIMEFRAME", status: 400 });
    await expect(service.getInsights("ETH/USDT")).rejects.toMatchObject({ code: "INSUFFICIENT_HISTORY", status: 422 });
    await expect(service.train("ETH/USDT")).rejects.toBeInstanceOf(AppError);
    const short = setup({}, 250).service;
    await expect(short.train("BTC/USDT")).rejects.toMatchObject({ code: "INSUFFICIENT_HISTORY" });
  });

  it("reports the risk level from the limit closest to being reached", async () => {
    const { service } = setup({
      risk: () => ({
        tradingState: "ACTIVE",
        usage: [
          { key: "openPositions", label: "Open positions", used: 1, limit: 5, unit: null, ratio: 0.2 },
          { key: "dailyLoss", label: "Daily loss", used: 9.3, limit: 10, unit: "USDT", ratio: 0.93 },
          { key: "heat", label: "Heat", used: null, limit: null, unit: "%", ratio: null },
        ],
      }),
    });
    const insights = await service.getInsights("BTC/USDT");
    expect(insights.risk).toMatchObject({ level: "danger", tradingState: "ACTIVE", worst: { key: "dailyLoss", ratio: 0.93 } });
    expect(insights.reasons.at(-1)).toBe("Risk danger: the closest limit is Daily loss at 93.0% of its limit.");
  });

  it("retrainAll covers the targets and the markets that have models, and reports failures instead of throwing", async () => {
    const { service } = setup({ targets: () => [{ symbol: "BTC/USDT", timeframe: "5m" }, { symbol: "ETH/USDT", timeframe: "5m" }] });
    const result = await service.retrainAll();
    expect(result.trained.map((t) => t.model.id)).toEqual(["BTC/USDT:5m:v1"]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ symbol: "ETH/USDT", timeframe: "5m" });
    expect(result.failed[0].error).toMatch(/no labelled sample|not enough history/);
  });

  it("retrains on a schedule until stopped", async () => {
    // The schedule runs on the injected clock: advancing the ManualClock is what makes it fire.
    const { service, clock } = setup();
    expect(() => service.scheduleRetraining(1_000)).toThrow(/at least 60000 ms/);
    await service.train("BTC/USDT", "5m");
    const stop = service.scheduleRetraining(60_000);
    clock.advance(60_000);
    await vi.waitFor(() => expect(service.listModels()).toHaveLength(2), { timeout: 10_000 });
    stop();
    // Nothing may fire after stop(): the timer is gone and retraining is not started again (checked
    // synchronously, instead of waiting a fixed 50 ms for a retraining that should not happen).
    expect(clock.pendingTimers).toBe(0);
    const retrain = vi.spyOn(service, "retrainAll");
    clock.advance(120_000);
    expect(retrain).not.toHaveBeenCalled();
    expect(service.listModels()).toHaveLength(2);
  });
});

describe("marketCandleSource", () => {
  it("completes the market's recent candles with older stored ones, without duplicates or forming candles", async () => {
    const all = momentumSeries(50, 1, 0.5);
    const market = { recentCandles: (_s: string, _tf: Timeframe, limit: number) => [...all.slice(40), { ...all[49], openTime: all[49].openTime + 300_000, closed: false }].slice(-limit) };
    const store = { loadLatest: async (_s: string, _tf: Timeframe, limit: number) => all.slice(-limit) };
    const source = marketCandleSource(market, store);
    const out = await source("BTC/USDT", "5m", 20);
    expect(out.map((c) => c.openTime)).toEqual(all.slice(30).map((c) => c.openTime));
    expect((await source("BTC/USDT", "5m", 5)).map((c) => c.openTime)).toEqual(all.slice(45).map((c) => c.openTime));
  });
});

describe("models stored in ml_models", () => {
  let db: Database;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tk-ai-"));
    db = await openDatabase({ dataDir: dir });
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("training stores a new version; a fresh registry loads it back; an unreadable row is skipped and named", async () => {
    const { service, registry } = setup({ prisma: db.prisma });
    const first = await service.train("BTC/USDT", "5m");
    const second = await service.train("BTC/USDT", "5m");
    expect(first.stored).toBe(true);
    expect([first.model.version, second.model.version]).toEqual([1, 2]);
    await db.prisma.mlModel.create({ data: { id: "broken", symbol: "BTC/USDT", timeframe: "5m", version: 99, params: { kind: "something-else" }, metrics: {} } });

    const reloaded = new ModelRegistry();
    const { loaded, skipped } = await reloaded.loadFrom(db.prisma);
    expect(loaded).toBe(2);
    expect(skipped).toEqual([{ id: "broken", reason: expect.stringMatching(/^params do not parse: kind/) }]);
    expect(reloaded.latest("BTC/USDT", "5m")).toEqual(registry.latest("BTC/USDT", "5m"));
    const row = await db.prisma.mlModel.findUnique({ where: { id: "BTC/USDT:5m:v2" } });
    expect(row).toMatchObject({ symbol: "BTC/USDT", timeframe: "5m", version: 2 });
    expect((row!.metrics as { accuracy: number }).accuracy).toBe(second.model.outOfSample.accuracy);

    // after the broken row the next version continues above it
    await db.prisma.mlModel.delete({ where: { id: "broken" } });
    const started = setup({ prisma: db.prisma });
    await started.service.start();
    expect(started.service.listModels()).toHaveLength(2);
    expect((await started.service.train("BTC/USDT", "5m")).model.version).toBe(3);
  });
});
