import { beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../runner";
import { RELAXED_LIMITS, T0, candlesFrom, registerTestStrategies } from "./helpers";

const H = 3_600_000;
const M = 60_000;

beforeAll(() => registerTestStrategies());

/**
 * Flat at 100, a rise to 110, back to 100, then a gap down through the stop. Fees 0.1 %, no slippage,
 * no trailing stop. Every number below can be worked out on paper:
 * - entry 1 at the close of candle 2 (100): size capped by the 1 % per-trade loss limit with a 10 % stop:
 *   10 000 × 1 % / 10 % = 1 000 notional, less the 0.1 % rounding room → 9.99 BTC;
 * - exit 1 at the close of candle 4 (110): pnl = 9.99 × 10 − 0.999 − 1.0989 = 97.8021;
 * - entry 2 at the close of candle 6 (100): equity 10 097.8021 → 1 009.78021 × 0.999 / 100 = 10.0877 BTC;
 * - candle 7 opens at 95 and trades down to 85: the stop at 90 fills at 90 (the level, not the low):
 *   pnl = −10.0877 × 10 − 1.00877 − 0.907893 = −102.793663.
 */
const ROWS: ReadonlyArray<readonly [number, number, number, number]> = [
  [100, 100, 100, 100],
  [100, 100, 100, 100],
  [100, 100, 100, 100],
  [100, 105, 99, 104],
  [104, 111, 103, 110],
  [110, 110, 100, 100],
  [100, 100, 100, 100],
  [95, 96, 85, 88],
  [88, 88, 88, 88],
  [88, 88, 88, 88],
];

const scripted = (extra: Record<string, unknown> = {}) => ({
  strategies: [
    {
      kind: "test_scripted",
      params: { enterAt: [T0 + 2 * H, T0 + 6 * H], exitAt: [T0 + 4 * H], stopRatio: 0.9, targetRatio: 1.2 },
      symbols: ["BTC/USDT"],
      timeframe: "1h" as const,
    },
  ],
  source: { type: "inline" as const },
  slippageBps: 0,
  riskLimits: RELAXED_LIMITS,
  exitRules: { trailingActivationPct: null, trailingDistancePct: null },
  ...extra,
});

describe("a scripted strategy on hand-made candles", () => {
  it("long 9.99 BTC at 100 out at 110, then long again and stopped out at 90 through a gap: P&L to the cent", async () => {
    const candles = candlesFrom(ROWS);
    const result = await runBacktest(scripted(), { data: { series: [{ symbol: "BTC/USDT", timeframe: "1h", candles }] } });

    expect(result.trades).toHaveLength(2);
    const [first, second] = result.trades;
    expect(first).toMatchObject({ side: "long", quantity: 9.99, entryPrice: 100, exitPrice: 110, exitReason: "signal", openedAt: T0 + 3 * H, closedAt: T0 + 5 * H });
    expect(first.pnl).toBeCloseTo(97.8021, 8);
    expect(first.fees).toBeCloseTo(0.999 + 1.0989, 8);
    expect(second).toMatchObject({ side: "long", quantity: 10.0877, entryPrice: 100, exitPrice: 90, exitReason: "stop_loss", openedAt: T0 + 7 * H, closedAt: T0 + 8 * H });
    expect(second.pnl).toBeCloseTo(-102.793663, 8);

    expect(result.summary.endingEquity).toBeCloseTo(10_000 + 97.8021 - 102.793663, 6);
    expect(result.summary.orders).toBe(4);
    expect(result.summary.denials).toEqual({});
    expect(result.metrics.trades).toBe(2);
    expect(result.metrics.wins).toBe(1);
    expect(result.metrics.losses).toBe(1);
    expect(result.metrics.netProfit).toBeCloseTo(97.8021 - 102.793663, 6);
    expect(result.metrics.profitFactor).toBeCloseTo(97.8021 / 102.793663, 8);
    // The equity curve starts at the balance and ends at the final equity.
    expect(result.equity[0]).toEqual({ timestamp: T0, equity: 10_000 });
    expect(result.equity.at(-1)?.equity).toBeCloseTo(result.summary.endingEquity, 8);
  });

  it("with 10 bps slippage the entry pays 100.1 and the signal exit gets 109.89", async () => {
    const candles = candlesFrom(ROWS);
    const result = await runBacktest(scripted({ slippageBps: 10 }), { data: { series: [{ symbol: "BTC/USDT", timeframe: "1h", candles }] } });
    expect(result.trades[0].entryPrice).toBeCloseTo(100.1, 8);
    expect(result.trades[0].exitPrice).toBeCloseTo(109.89, 8);
    expect(result.trades[1].exitPrice).toBeCloseTo(89.91, 8); // the stop level, then slippage
  });

  it("a position still open at the end is closed at the last close (session_end), or kept open when asked", async () => {
    const candles = candlesFrom(ROWS.slice(0, 5).concat([[110, 112, 109, 111]]));
    const params = { enterAt: [T0 + 2 * H], exitAt: [], stopRatio: 0.5, targetRatio: 2 };
    const closing = await runBacktest({ ...scripted(), strategies: [{ ...scripted().strategies[0], params }] }, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1h", candles }] } });
    expect(closing.trades).toHaveLength(1);
    expect(closing.trades[0]).toMatchObject({ exitReason: "session_end", exitPrice: 111, closedAt: T0 + 6 * H });
    expect(closing.summary.openPositionsAtEnd).toBe(0);

    const keeping = await runBacktest({ ...scripted(), closeAtEnd: false, strategies: [{ ...scripted().strategies[0], params }] }, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1h", candles }] } });
    expect(keeping.trades).toHaveLength(0);
    expect(keeping.summary.openPositionsAtEnd).toBe(1);
    expect(keeping.metrics.exposurePct).toBeGreaterThan(0);
  });

  it("fill mode 1m: the stop fills on the first minute that reaches it, not at the end of the strategy's candle", async () => {
    // 5m strategy candles built from minutes; the entry is at the close of the second 5m candle (10:00 + 10 min).
    const minutes: Array<[number, number, number, number]> = [];
    for (let i = 0; i < 10; i++) minutes.push([100, 100, 100, 100]);
    minutes.push([100, 100, 80, 85]); // minute 10: through the 90 stop
    for (let i = 11; i < 20; i++) minutes.push([85, 130, 85, 120]); // later minutes would have hit the 120 target
    const candles = candlesFrom(minutes, { timeframe: "1m" });
    const config = {
      ...scripted({ fillMode: "1m" }),
      strategies: [{ kind: "test_scripted", params: { enterAt: [T0 + 5 * M], exitAt: [], stopRatio: 0.9, targetRatio: 1.2 }, symbols: ["BTC/USDT"], timeframe: "5m" as const }],
    };
    const fine = await runBacktest(config, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles }] } });
    expect(fine.range.baseTimeframe).toBe("1m");
    expect(fine.trades[0]).toMatchObject({ exitReason: "stop_loss", exitPrice: 90, openedAt: T0 + 10 * M, closedAt: T0 + 11 * M });

    // On 5m candles the third candle holds both the stop (low 80) and the target (high 130): the stop is assumed first.
    const coarse = await runBacktest({ ...config, fillMode: "candle" }, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles }] } });
    expect(coarse.range.baseTimeframe).toBe("5m");
    expect(coarse.trades[0]).toMatchObject({ exitReason: "stop_loss", exitPrice: 90, closedAt: T0 + 15 * M });
  });

  it("with default risk limits three losses in a row stop new entries for the rest of the run, and the summary says so", async () => {
    // Issue 16: the default losing streak became 3 (Phase 2 plan; was 4 trades and 2 denials).
    const rows: Array<[number, number, number, number]> = [];
    const enterAt: number[] = [];
    const exitAt: number[] = [];
    for (let k = 0; k < 6; k++) {
      rows.push([100, 100, 100, 100], [100, 100, 99, 99]);
      enterAt.push(T0 + 2 * k * H);
      exitAt.push(T0 + (2 * k + 1) * H);
    }
    const candles = candlesFrom(rows);
    const result = await runBacktest(
      { ...scripted(), riskLimits: {}, strategies: [{ ...scripted().strategies[0], params: { enterAt, exitAt, stopRatio: 0.9, targetRatio: 1.2 } }] },
      { data: { series: [{ symbol: "BTC/USDT", timeframe: "1h", candles }] } },
    );
    expect(result.trades.length).toBe(3);
    expect(result.summary.tradingState).toBe("REDUCING");
    expect(result.summary.denials.TRADING_REDUCING).toBe(3);
    expect(result.notes.some((n) => n.code === "CONSECUTIVE_LOSSES")).toBe(true);
  });

  it("refuses a range without candles and a config with an unknown strategy kind", async () => {
    const candles = candlesFrom(ROWS);
    await expect(runBacktest({ ...scripted(), from: T0 + 100 * H, to: T0 + 200 * H }, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1h", candles }] } })).rejects.toMatchObject({ code: "BACKTEST_EMPTY" });
    await expect(runBacktest({ ...scripted(), strategies: [{ kind: "no_such_kind", symbols: ["BTC/USDT"] }] })).rejects.toThrow(/Unknown strategy kind/);
  });
});
