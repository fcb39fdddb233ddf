import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApplication, type Application } from "@/server/app";
import { connectVenue } from "@/server/composition/venue";
import { configSchema } from "@/server/config";
import { createLogger } from "@/server/core/logger";
import type { EngineRuntime } from "@/server/engine/runtime";
import type { Candle, Timeframe } from "@/server/model/types";
import { registerStrategyKind } from "@/server/strategy";
import type { Strategy, StrategyInstanceConfig } from "@/server/strategy/types";

/**
 * Issue 20 (footprint): the history warm-up runs in the background. The application is healthy once it
 * has reconciled and started its streams, before the warm-up is complete, and a strategy instance gets
 * no closed candle before the history of every symbol it trades is complete. ETH's warm-up is held
 * (its REST history waits on a gate) while BTC's completes and BTC candles go live: the two-symbol
 * instance must stay silent until ETH's history is in, and then have seen all of it before its first
 * candle. Every step waits for a condition; no timing is asserted (the start-up figure is in the bench).
 */

const BTC = "BTC/USDT";
const ETH = "ETH/USDT";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-warmup-"));
let app: Application;
let engine: EngineRuntime;
let releaseEth: () => void = () => {};
const ethGate = new Promise<void>((resolve) => (releaseEth = resolve));

/** What the probe strategy saw, in order. */
const seen: Array<{ kind: "warm" | "candle"; symbol: string; timeframe: Timeframe; openTime: number; ethWarmed: boolean; btcWarmed: boolean }> = [];
/** ETH 1m warm-up candles the market data published. */
let ethWarmupPublished = 0;

registerStrategyKind({
  kind: "test_warmup_probe",
  title: "warm-up probe",
  description: "records what it is fed",
  paramsSchema: z.object({}),
  defaultTimeframe: "1m",
  presets: [],
  create(config: StrategyInstanceConfig): Strategy<Record<string, never>> {
    const subscriptions = config.symbols.map((symbol: string) => ({ symbol, timeframe: "1m" as Timeframe, warmupCandles: 10 }));
    const record = (kind: "warm" | "candle", candle: Candle) =>
      seen.push({ kind, symbol: candle.symbol, timeframe: candle.timeframe, openTime: candle.openTime, ethWarmed: engine.market.isWarmedUp(ETH), btcWarmed: engine.market.isWarmedUp(BTC) });
    return {
      kind: "test_warmup_probe",
      instanceId: config.id,
      params: {},
      subscriptions,
      warmupCandles: 10,
      warm: (candle) => void record("warm", candle),
      onCandle: (candle) => {
        record("candle", candle);
        return [];
      },
      snapshot: () => undefined,
      restore() {},
    };
  },
} as never);

beforeAll(async () => {
  const config = configSchema.parse({
    server: { dataDir, logLevel: "silent" },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 60, seed: 20, historyDays: 0.5, symbols: [BTC, ETH] },
    trading: { mode: "paper", symbols: [BTC, ETH], autoStart: false },
    risk: {},
    auth: {},
  });
  app = await createApplication(config, createLogger("silent"), {
    // ETH's history (every REST candle request for it) waits until the test opens the gate.
    connectVenue: async (options) => {
      const connection = await connectVenue(options);
      const exchange = connection.exchange as unknown as { fetchOHLCV: (symbol: string, ...rest: unknown[]) => Promise<unknown> };
      const fetchOHLCV = exchange.fetchOHLCV.bind(exchange);
      exchange.fetchOHLCV = async (symbol, ...rest) => {
        if (symbol === ETH) await ethGate;
        return fetchOHLCV(symbol, ...rest);
      };
      connection.market.events.on("candle", ({ candle, warmup }) => {
        if (warmup && candle.symbol === ETH && candle.timeframe === "1m") ethWarmupPublished += 1;
      });
      return connection;
    },
  });
  engine = app.services.engine as EngineRuntime;
  await app.start();
}, 180_000);

afterAll(async () => {
  releaseEth();
  await app?.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("start-up with the history warm-up in the background", () => {
  it("is healthy, and says it is warming up, while a symbol's history is still arriving", async () => {
    const health = await app.services.health();
    expect(health.status, health.reasons.join("; ")).toBe("ok");
    expect(health.engine.state).toBe("running");
    const status = (await app.services.status()) as { warmup: { done: boolean; progress: number; symbols: Array<{ symbol: string; done: boolean; progress: number }> } };
    expect(status.warmup.done).toBe(false);
    expect(status.warmup.progress).toBeLessThan(1);
    expect(status.warmup.symbols.find((s) => s.symbol === ETH)).toMatchObject({ done: false, progress: 0 });
    expect(engine.market.isWarmedUp(ETH)).toBe(false);
  });

  it("a strategy instance gets no closed candle before its own warm-up is complete, then all of its history before the first", async () => {
    engine.startStrategy({ id: "probe", name: "probe", kind: "test_warmup_probe", params: {}, symbols: [BTC, ETH], timeframe: "1m", capital: 1000, paused: false });
    expect(engine.kernel.strategyWarming("probe")).toBe(true);

    // BTC's history completes and its candles go live (the simulator at 60x closes a minute per second).
    let liveBtc = 0;
    const off = engine.bus.on("candle", (candle) => {
      if (candle.symbol === BTC && candle.timeframe === "1m") liveBtc += 1;
    });
    await expect.poll(() => liveBtc, { timeout: 90_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    off();
    expect(engine.market.isWarmedUp(BTC)).toBe(true);
    expect(engine.market.isWarmedUp(ETH)).toBe(false);
    // Live BTC candles, and the instance trades BTC: it still got none, its ETH history is not in.
    expect(seen.filter((s) => s.kind === "candle")).toEqual([]);
    expect(engine.kernel.strategyWarming("probe")).toBe(true);
    expect(((await app.services.status()) as { warmup: { done: boolean } }).warmup.done).toBe(false);

    releaseEth();
    await expect.poll(() => seen.filter((s) => s.kind === "candle").length, { timeout: 90_000, interval: 200 }).toBeGreaterThan(0);
    expect(engine.kernel.strategyWarming("probe")).toBe(false);
    const firstLive = seen.findIndex((s) => s.kind === "candle");
    // Every closed candle it got came after both symbols' histories were complete...
    for (const s of seen.slice(firstLive)) if (s.kind === "candle") expect(s).toMatchObject({ ethWarmed: true, btcWarmed: true });
    // ...and before the first one it had been warmed with every ETH warm-up minute the market published.
    const ethWarmed = seen.slice(0, firstLive).filter((s) => s.kind === "warm" && s.symbol === ETH && s.timeframe === "1m").length;
    expect(ethWarmupPublished).toBeGreaterThan(100);
    expect(ethWarmed).toBe(ethWarmupPublished);
    await expect.poll(async () => ((await app.services.status()) as { warmup: { done: boolean; progress: number } }).warmup, { timeout: 30_000 }).toMatchObject({ done: true, progress: 1 });
  }, 200_000);
});
