import { describe, expect, it } from "vitest";
import { generatedCandles } from "./data";
import { compareTrades, engineRun, plainLoop } from "./order-heavy";

/**
 * Issue 20: the order-heavy backtest (SMA 9/21 long only on 1m, market at the close ± 5 bps, 0.1 %
 * fee, 1,000 USDT per entry) through the full engine gives the trades and P&L of the plain loop with
 * the same rules, on a seeded series (no shared data needed). Speed-ups of the engine must keep this.
 */
describe("order-heavy backtest: the full engine equals the plain single-pass loop", () => {
  it("same trades (times, quantities, prices) and P&L to 1e-8 on 6,000 seeded minutes", async () => {
    const { candles } = generatedCandles(6_000, 7);
    const plain = plainLoop(candles);
    const engine = await engineRun(candles);
    // The run is order-heavy: far more than a handful of round trips, every one a crossover exit.
    expect(plain.trades.length).toBeGreaterThan(100);
    expect(engine.trades.every((t) => t.exitReason === "signal")).toBe(true);
    expect(engine.orders).toBe(2 * engine.trades.length + (engine.orders % 2));
    const comparison = compareTrades(engine, plain);
    expect(comparison.firstDifference).toBeUndefined();
    expect(comparison.engineTrades).toBe(comparison.plainTrades);
    expect(Math.abs(engine.pnl - plain.pnl)).toBeLessThanOrEqual(1e-8);
    expect(comparison.same).toBe(true);
  });

  it("the comparison catches a difference (one trade's P&L off by 2e-8, one trade missing)", async () => {
    const { candles } = generatedCandles(3_000, 3);
    const plain = plainLoop(candles);
    const engine = await engineRun(candles);
    const shifted = { ...plain, trades: plain.trades.map((t, i) => (i === 3 ? { ...t, pnl: t.pnl + 2e-8 } : t)) };
    expect(compareTrades(engine, shifted).same).toBe(false);
    const missing = { ...plain, trades: plain.trades.slice(1) };
    expect(compareTrades(engine, missing).same).toBe(false);
  });
});
