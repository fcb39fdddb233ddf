import { describe, expect, it } from "vitest";
import type { Candle } from "../../model/types";
import { randomWalkBars } from "../../indicators/__tests__/series";
import { createStrategy } from "../index";
import { runLive } from "./harness";

// 3,000 realistic 5-minute BTC candles from the indicators' seeded random walk.
const candles: Candle[] = randomWalkBars({ count: 3000, seed: 11, intervalMs: 300_000, volatility: 0.003 }).map((b) => ({
  ...b,
  symbol: "BTC/USDT",
  timeframe: "5m",
  closed: true,
}));

const kinds: [string, Record<string, unknown>][] = [
  ["ma_crossover", {}],
  ["ma_crossover", { fastPeriod: 20, slowPeriod: 50, maType: "sma", allowShort: true }],
  ["rsi_reversion", { allowShort: true }],
  ["bollinger_bounce", { allowShort: true }],
];

describe.each(kinds)("%s %j on a random walk", (kind, params) => {
  const instance = { id: `${kind}-w`, symbols: ["BTC/USDT"], timeframe: "5m" as const };

  it("trades, and never signals before its warm-up is complete", () => {
    const strategy = createStrategy(kind, params, instance);
    const emitted = runLive(strategy, candles);
    expect(emitted.length).toBeGreaterThan(5);
    expect(Math.min(...emitted.map((e) => e.index))).toBeGreaterThanOrEqual(strategy.warmupCandles);
    for (const { signal } of emitted) expect(signal.reason).toMatch(/\d/);
  });

  it("re-warming from history after a restart gives the same decisions as running all along", () => {
    const restartAt = 1500;
    const allAlong = runLive(createStrategy(kind, params, instance), candles);
    // The position the long-running instance holds when the other one restarts.
    const lastBefore = allAlong.filter((e) => e.index < restartAt).at(-1)?.signal;
    const position = lastBefore?.action === "enter_long" ? "long" : lastBefore?.action === "enter_short" ? "short" : "none";
    const restarted = createStrategy(kind, params, instance);
    for (const c of candles.slice(restartAt - restarted.warmupCandles, restartAt)) restarted.warm(c);
    const resumed = runLive(restarted, candles.slice(restartAt), { position, entryPrice: lastBefore?.price });
    const describe = (e: { index: number; signal: { action: string; reason: string } }, offset = 0) => [e.index + offset, e.signal.action, e.signal.reason];
    expect(resumed.length).toBeGreaterThan(2);
    expect(resumed.map((e) => describe(e, restartAt))).toEqual(allAlong.filter((e) => e.index >= restartAt).map((e) => describe(e)));
  });
});
