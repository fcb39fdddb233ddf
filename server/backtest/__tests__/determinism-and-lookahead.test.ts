import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TIMEFRAME_MS } from "../../model/types";
import { runBacktest, type BacktestResult } from "../runner";
import { RELAXED_LIMITS, probeLog, randomWalk, registerTestStrategies } from "./helpers";

beforeAll(() => registerTestStrategies());
beforeEach(() => {
  probeLog.length = 0;
});

const withoutTiming = (r: BacktestResult) => JSON.stringify({ ...r, timing: null });

describe("determinism", () => {
  it("the same config and candles give the same result, byte for byte (two symbols, 1m fills, MA crossover)", async () => {
    const data = {
      series: [
        { symbol: "BTC/USDT", timeframe: "1m" as const, candles: randomWalk(3_000, { seed: 3 }) },
        { symbol: "ETH/USDT", timeframe: "1m" as const, candles: randomWalk(3_000, { seed: 4, symbol: "ETH/USDT", price: 1_500 }) },
      ],
    };
    const config = {
      strategies: [
        { kind: "ma-cross", params: { fastPeriod: 5, slowPeriod: 13 }, symbols: ["BTC/USDT", "ETH/USDT"], timeframe: "5m" as const, capital: 5_000 },
        { kind: "rsi_reversion", symbols: ["ETH/USDT"], timeframe: "15m" as const, capital: 5_000 },
      ],
      source: { type: "inline" as const },
      fillMode: "1m" as const,
      riskLimits: RELAXED_LIMITS,
    };
    const first = await runBacktest(config, { data });
    const second = await runBacktest(config, { data });
    expect(first.trades.length).toBeGreaterThanOrEqual(3);
    expect(withoutTiming(second)).toBe(withoutTiming(first));
    // Ids come from counters, not from the wall clock or randomness.
    expect(first.orders[0].clientOrderId).toBe("bt-o-00000001");
    expect(first.trades[0].id).toBe("bt-trd-00000001");
  });
});

describe("no look-ahead", () => {
  it("a strategy gets each candle at its close time, and no candle closing later has been processed yet", async () => {
    const minutes = randomWalk(600, { seed: 11 });
    await runBacktest(
      { strategies: [{ kind: "test_probe", params: { minutes: true }, symbols: ["BTC/USDT"], timeframe: "5m" }], source: { type: "inline" }, fillMode: "1m", riskLimits: RELAXED_LIMITS },
      { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles: minutes }] } },
    );
    const log = probeLog.flat().filter((r) => r.phase === "candle");
    expect(log.length).toBe(600 + 120);
    let latestClose = Number.NEGATIVE_INFINITY;
    for (const record of log) {
      // The clock says the candle has closed, and not a moment later.
      expect(record.now).toBe(record.closeTime);
      // Candles arrive in close-time order: nothing from the future came before.
      expect(record.closeTime).toBeGreaterThanOrEqual(latestClose);
      latestClose = record.closeTime;
    }
    // A 5m candle comes right after its last minute and before the next period's first minute.
    for (let i = 0; i < log.length; i++) {
      if (log[i].timeframe !== "5m") continue;
      expect(log[i - 1]).toMatchObject({ timeframe: "1m", closeTime: log[i].closeTime });
      if (i + 1 < log.length) expect(log[i + 1]).toMatchObject({ timeframe: "1m", openTime: log[i].closeTime });
    }
  });

  it("an order decided at a candle's close fills at that close (plus slippage), never at a later price", async () => {
    const candles = randomWalk(400, { seed: 5, timeframe: "5m" });
    const result = await runBacktest(
      { strategies: [{ kind: "test_probe", symbols: ["BTC/USDT"], timeframe: "5m" }], source: { type: "inline" }, slippageBps: 7, riskLimits: RELAXED_LIMITS },
      { data: { series: [{ symbol: "BTC/USDT", timeframe: "5m", candles }] } },
    );
    const closeAt = new Map(candles.map((c) => [c.openTime + TIMEFRAME_MS["5m"], c.close]));
    const filled = result.orders.filter((o) => o.status === "filled");
    expect(filled.length).toBeGreaterThan(50);
    for (const order of filled) {
      const close = closeAt.get(order.createdAt)!;
      const expected = order.side === "buy" ? close * 1.0007 : close * 0.9993;
      expect(order.avgFillPrice).toBeCloseTo(expected, 6);
      expect(order.updatedAt).toBe(order.createdAt);
    }
  });

  it("a rule that would only profit by filling at the next candle's open makes nothing: it fills at the close it decided on", async () => {
    // Every candle opens 1 % above the previous close and closes back at 100: a fill at the next open
    // (look-ahead by one candle) would book +1 % per round trip; filling at the decision candle's close books 0 before fees.
    const rows: Array<[number, number, number, number]> = [];
    for (let i = 0; i < 60; i++) rows.push([101, 101, 100, 100]);
    const candles = rows.map(([open, high, low, close], i) => ({ symbol: "BTC/USDT", timeframe: "5m" as const, openTime: Date.UTC(2024, 0, 1) + i * 300_000, open, high, low, close, volume: 1, closed: true }));
    const result = await runBacktest(
      { strategies: [{ kind: "test_probe", symbols: ["BTC/USDT"], timeframe: "5m" }], source: { type: "inline" }, slippageBps: 0, fees: { maker: 0, taker: 0 }, riskLimits: RELAXED_LIMITS },
      { data: { series: [{ symbol: "BTC/USDT", timeframe: "5m", candles }] } },
    );
    expect(result.trades.length).toBeGreaterThan(10);
    for (const trade of result.trades) {
      expect(trade.entryPrice).toBe(100);
      expect(trade.pnl).toBe(0);
    }
  });
});
