import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { backtestResultSchema } from "../../contract/backtest";
import type { Candle, Signal, SignalAction } from "../../model/types";
import { BaseStrategy, NO_SIGNALS, getStrategyDefinition, registerStrategyKind, type StrategyContext, type StrategyDefinition, type StrategyInstanceConfig } from "../../strategy";
import { summaryText, tradesCsv } from "../report";
import { runBacktest, type BacktestResult } from "../runner";
import { RELAXED_LIMITS, T0, candlesFrom } from "./helpers";

/**
 * Futures backtests (issue 15): funding booked at 00:00, 08:00 and 16:00 UTC on the close of the
 * candle that closes then, and the venue's liquidation when a candle's adverse extreme reaches the
 * liquidation price. Every expected figure below is recomputed here from the candles and the trades
 * with plain arithmetic, not with the engine's functions.
 */

const H = 3_600_000;
const SYMBOL = "BTC/USDT";
const TAKER = 0.0005;

// ---------------------------------------------------------------- a scripted long/short strategy

const scriptParams = z.strictObject({
  /** [open time of the candle at whose close to act, action]. */
  script: z.array(z.tuple([z.number(), z.enum(["enter_long", "enter_short", "exit_long", "exit_short"])])).default([]),
  /** Stop and target distance from the entry close, fractions. */
  stopPct: z.number().positive().default(0.3),
  targetPct: z.number().positive().default(0.6),
});
type ScriptParams = z.output<typeof scriptParams>;

class FuturesScript extends BaseStrategy<ScriptParams, null> {
  constructor(config: StrategyInstanceConfig, params: ScriptParams) {
    super("test_futures_script", config, params, [{ timeframe: config.timeframe ?? "1h", warmupCandles: 0 }]);
  }
  protected createState(): null {
    return null;
  }
  protected ingest(): void {}
  protected isReady(): boolean {
    return true;
  }
  protected decide(_s: null, candle: Candle, ctx: StrategyContext<ScriptParams>): readonly Signal[] {
    const step = ctx.params.script.find(([at]) => at === candle.openTime);
    if (!step) return NO_SIGNALS;
    const action: SignalAction = step[1];
    const { stopPct, targetPct } = ctx.params;
    if (action === "enter_long" && ctx.position === "none")
      return [this.signal(candle, action, "scripted long", {}, { stopLoss: candle.close * (1 - stopPct), takeProfit: candle.close * (1 + targetPct) })];
    if (action === "enter_short" && ctx.position === "none")
      return [this.signal(candle, action, "scripted short", {}, { stopLoss: candle.close * (1 + stopPct), takeProfit: candle.close * (1 - targetPct) })];
    if ((action === "exit_long" && ctx.position === "long") || (action === "exit_short" && ctx.position === "short")) return [this.signal(candle, action, "scripted exit", {})];
    return NO_SIGNALS;
  }
}

beforeAll(() => {
  try {
    getStrategyDefinition("test_futures_script");
  } catch {
    registerStrategyKind({
      kind: "test_futures_script",
      title: "Futures script (test)",
      description: "Goes long or short at given candles.",
      paramsSchema: scriptParams,
      defaultTimeframe: "1h",
      presets: [],
      create: (config: StrategyInstanceConfig, params: unknown) => new FuturesScript(config, params as ScriptParams),
    } as unknown as StrategyDefinition);
  }
});

const LIMITS = { ...RELAXED_LIMITS, maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, maxTradeLossPct: 100, stablecoinReservePct: 0, minAccountBalance: 0, minRewardToRisk: 0, maxMarginUtilisationPct: 100 };

function futuresConfig(script: ScriptParams["script"], futures: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    strategies: [{ kind: "test_futures_script", params: { script, ...((extra.params as object) ?? {}) }, symbols: [SYMBOL], timeframe: "1h" as const }],
    source: { type: "inline" as const },
    market: "futures" as "spot" | "futures",
    futures,
    fees: { maker: 0.0002, taker: TAKER },
    slippageBps: 0,
    riskLimits: LIMITS,
    exitRules: { trailingActivationPct: null, trailingDistancePct: null },
  };
}

const run = (config: ReturnType<typeof futuresConfig>, candles: Candle[]) => runBacktest(config, { data: { series: [{ symbol: SYMBOL, timeframe: "1h", candles }] } });

// ---------------------------------------------------------------- independent recomputation

/** Three days of hourly candles, a gentle wave around 100 (no stop or target is ever reached). */
function waveCandles(hours: number): Candle[] {
  const rows: Array<[number, number, number, number]> = [];
  let prev = 100;
  for (let i = 0; i < hours; i++) {
    const close = Math.round((100 + 3 * Math.sin(i / 4) + 0.05 * i) * 100) / 100;
    rows.push([prev, Math.max(prev, close) + 0.5, Math.min(prev, close) - 0.5, close]);
    prev = close;
  }
  return candlesFrom(rows, { symbol: SYMBOL, timeframe: "1h" });
}

/** The close of the hourly candle that closes at t (the mark of a funding at t). */
const closeAt = (candles: readonly Candle[], t: number) => candles.find((c) => c.openTime + H === t)!.close;

interface Recomputed {
  fundingTimes: number[];
  funding: number;
  fees: number;
  pnl: number;
}

/**
 * A closed trade worked out by hand: funding at every 8 h boundary in (openedAt, closedAt] — the
 * position is open then — paid as side × size × mark × rate (long +1, short −1: longs pay a
 * positive rate, shorts receive it), taker fees on both fills, P&L = side × size × (exit − entry) −
 * fees − funding.
 */
function recompute(t: { side: "long" | "short"; quantity: number; entryPrice: number; exitPrice: number; openedAt: number; closedAt: number }, candles: readonly Candle[], rateAt: (time: number) => number): Recomputed {
  const sign = t.side === "long" ? 1 : -1;
  const fundingTimes: number[] = [];
  let funding = 0;
  for (let time = Math.ceil((t.openedAt + 1) / (8 * H)) * 8 * H; time <= t.closedAt; time += 8 * H) {
    fundingTimes.push(time);
    funding += sign * t.quantity * closeAt(candles, time) * rateAt(time);
  }
  const fees = t.quantity * t.entryPrice * TAKER + t.quantity * t.exitPrice * TAKER;
  return { fundingTimes, funding, fees, pnl: sign * t.quantity * (t.exitPrice - t.entryPrice) - fees - funding };
}

function expectEquityNeverNegative(result: BacktestResult) {
  for (const p of result.equity) expect(p.equity).toBeGreaterThan(0);
}

// ---------------------------------------------------------------- the tests

describe("a futures backtest books funding at every 8 h boundary and reports it", () => {
  // A stored series for two funding times (a negative one at 16:00 on day 1: the short pays then);
  // every other funding time gets the documented constant, 0.01 % per 8 h.
  const series = [
    { time: T0 + 16 * H + 4, rate: -0.0003 }, // Binance stamps fundingTime a few ms after the hour
    { time: T0 + 64 * H, rate: 0.0005 },
  ];
  const rateAt = (time: number) => series.find((s) => Math.abs(s.time - time) <= 60_000)?.rate ?? 0.0001;
  const candles = waveCandles(72);
  // Short at the close of 02:00 on day 1, cover at 03:00 on day 3; long at 08:00 on day 3, out at 23:00.
  const script: ScriptParams["script"] = [
    [T0 + 1 * H, "enter_short"],
    [T0 + 50 * H, "exit_short"],
    [T0 + 55 * H, "enter_long"],
    [T0 + 70 * H, "exit_long"],
  ];

  it("2× cross: a short receives and a long pays size × mark × rate at 00:00, 08:00 and 16:00 UTC; net P&L, fees, funding, equity and trade count match a recomputation", async () => {
    const result = await run(futuresConfig(script, { leverage: 2, fundingRates: { [SYMBOL]: series } }), candles);

    expect(Object.keys(result.summary.denials)).toEqual([]);
    expect(result.trades).toHaveLength(2);
    expect(result.metrics.trades).toBe(2);
    const [short, long] = result.trades;
    expect(short).toMatchObject({ side: "short", openedAt: T0 + 2 * H, closedAt: T0 + 51 * H, exitReason: "signal" });
    expect(long).toMatchObject({ side: "long", openedAt: T0 + 56 * H, closedAt: T0 + 71 * H, exitReason: "signal" });
    // No slippage: each fill at the close of its candle.
    expect(short.entryPrice).toBeCloseTo(closeAt(candles, T0 + 2 * H), 8);
    expect(short.exitPrice).toBeCloseTo(closeAt(candles, T0 + 51 * H), 8);
    expect(long.entryPrice).toBeCloseTo(closeAt(candles, T0 + 56 * H), 8);
    expect(long.exitPrice).toBeCloseTo(closeAt(candles, T0 + 71 * H), 8);

    const s = recompute(short, candles, rateAt);
    const l = recompute(long, candles, rateAt);
    // The short held through 08:00, 16:00, 00:00, 08:00, 16:00 and 00:00; the long through 16:00 on day 3.
    expect(s.fundingTimes).toEqual([8, 16, 24, 32, 40, 48].map((h) => T0 + h * H));
    expect(l.fundingTimes).toEqual([T0 + 64 * H]);
    expect(short.fundingPaid).toBeCloseTo(s.funding, 6);
    expect(long.fundingPaid).toBeCloseTo(l.funding, 6);
    // The sign: at 0.01 % the short receives (negative paid), at −0.03 % it pays; the long pays 0.05 %.
    const shortAt = (h: number) => -short.quantity * closeAt(candles, T0 + h * H) * rateAt(T0 + h * H);
    expect(shortAt(8)).toBeLessThan(0);
    expect(shortAt(16)).toBeGreaterThan(0);
    expect(long.fundingPaid!).toBeGreaterThan(0);
    expect(long.fundingPaid).toBeCloseTo(long.quantity * closeAt(candles, T0 + 64 * H) * 0.0005, 6);

    expect(short.fees).toBeCloseTo(s.fees, 6);
    expect(long.fees).toBeCloseTo(l.fees, 6);
    expect(short.pnl).toBeCloseTo(s.pnl, 6);
    expect(long.pnl).toBeCloseTo(l.pnl, 6);

    const funding = s.funding + l.funding;
    const fees = s.fees + l.fees;
    const net = s.pnl + l.pnl;
    expect(result.summary.fundingPaid).toBeCloseTo(funding, 6);
    expect(result.summary.feesPaid).toBeCloseTo(fees, 6);
    expect(result.metrics.feesPaid).toBeCloseTo(fees, 6);
    expect(result.summary.netProfit).toBeCloseTo(net, 6);
    expect(result.metrics.netProfit).toBeCloseTo(net, 6);
    expect(result.summary.endingEquity).toBeCloseTo(10_000 + net, 6);
    expect(result.equity[result.equity.length - 1].equity).toBeCloseTo(10_000 + net, 6);
    expect(result.summary).toMatchObject({ liquidations: 0, liquidationFees: 0, openPositionsAtEnd: 0 });

    // The stored result keeps the figures; the exports show them.
    const stored = backtestResultSchema.parse(JSON.parse(JSON.stringify(result)));
    expect(stored.summary.fundingPaid).toBe(result.summary.fundingPaid);
    expect(stored.trades[0].fundingPaid).toBe(short.fundingPaid);
    expect(tradesCsv(result.trades).split("\n")[0]).toContain(",fees,fundingPaid,");
    expect(summaryText(result)).toMatch(/Funding paid \(− = received\)\s+-?[\d,.]+ USDT/);
  });

  it("without a series every funding time books the constant rate (0.01 % per 8 h by default), and a spot run books none", async () => {
    const futures = await run(futuresConfig(script, {}), candles);
    const expected = futures.trades.reduce((sum, t) => sum + recompute(t, candles, () => 0.0001).funding, 0);
    expect(futures.summary.fundingPaid).toBeCloseTo(expected, 6);
    expect(futures.summary.fundingPaid).toBeLessThan(0); // six receipts of the short outweigh one payment of the long

    // A stated constant: 0.02 % at every funding time (the long is sized on the equity after the short's funding: recomputed from its own trades).
    const custom = await run(futuresConfig(script, { fundingRate: 0.0002 }), candles);
    expect(custom.summary.fundingPaid).toBeCloseTo(custom.trades.reduce((sum, t) => sum + recompute(t, candles, () => 0.0002).funding, 0), 6);
    expect(custom.summary.fundingPaid!).toBeLessThan(futures.summary.fundingPaid!);

    const spot = await run({ ...futuresConfig([[T0 + 55 * H, "enter_long"], [T0 + 70 * H, "exit_long"]], {}), market: "spot" }, candles);
    expect(spot.trades).toHaveLength(1);
    expect(spot.summary.fundingPaid).toBeUndefined();
    expect(spot.trades[0].fundingPaid).toBeUndefined();
    expect(spot.summary.netProfit).toBeCloseTo(spot.trades[0].pnl, 6);
  });
});

describe("a futures backtest liquidates a position whose candle reaches the liquidation price", () => {
  // Flat at 100; long at the close of 01:00; at 03:00 the market gaps down to 60 and trades to 50.
  const crash = candlesFrom(
    [
      [100, 100, 100, 100],
      [100, 100, 100, 100],
      [100, 100.5, 99.5, 100],
      [60, 61, 50, 55],
      [55, 56, 54, 55],
      [55, 56, 54, 55],
    ],
    { symbol: SYMBOL, timeframe: "1h" },
  );
  const script: ScriptParams["script"] = [[T0 + 1 * H, "enter_long"]];
  // Isolated 3×, bracket 1 of Binance's BTCUSDT table (MMR 0.4 %, no maintenance amount): the margin
  // balance Q × EP / 3 + Q × (P − EP) meets the maintenance margin Q × P × 0.004 at
  // P = EP × (1 − 1/3) / (1 − 0.004).
  const liquidationPrice = (100 * (1 - 1 / 3)) / (1 - 0.004);

  it("3× isolated long into a crash: closed at the liquidation price as a liquidation trade, the maintenance margin lost, the loss is the margin and equity stays positive", async () => {
    const result = await run(futuresConfig(script, { leverage: 3, marginMode: "isolated" }, { params: { stopPct: 0.25 } }), crash);

    expect(Object.keys(result.summary.denials)).toEqual([]);
    expect(result.trades).toHaveLength(1);
    const [t] = result.trades;
    expect(t).toMatchObject({ side: "long", entryPrice: 100, exitReason: "liquidation", openedAt: T0 + 2 * H, closedAt: T0 + 4 * H });
    expect(t.exitPrice).toBeCloseTo(liquidationPrice, 6);
    // The stop at 75 would have filled at the open, 60: below the liquidation price, so the venue got there first.
    expect(t.exitPrice).toBeGreaterThan(60);

    const margin = (t.quantity * 100) / 3;
    const maintenance = t.quantity * liquidationPrice * 0.004;
    const entryFee = t.quantity * 100 * TAKER;
    expect(t.fees).toBeCloseTo(entryFee + maintenance, 6);
    // Binance: at the liquidation price the margin balance is the maintenance margin, which is lost too:
    // the position loses its whole margin (no funding time was crossed), plus the entry fee.
    expect(t.fundingPaid ?? 0).toBe(0);
    expect(t.pnl).toBeCloseTo(-margin - entryFee, 6);
    expect(t.pnl).toBeCloseTo(t.quantity * (liquidationPrice - 100) - entryFee - maintenance, 6);
    // Held to the low of 50, the isolated margin would have gone below zero.
    expect(margin + t.quantity * (50 - 100)).toBeLessThan(0);

    expect(result.summary).toMatchObject({ liquidations: 1, openPositionsAtEnd: 0, fundingPaid: 0 });
    expect(result.summary.liquidationFees).toBeCloseTo(maintenance, 6);
    expect(result.summary.feesPaid).toBeCloseTo(entryFee + maintenance, 6);
    expect(result.summary.endingEquity).toBeCloseTo(10_000 - margin - entryFee, 6);
    expect(result.summary.netProfit).toBeCloseTo(t.pnl, 6);
    expectEquityNeverNegative(result);
    expect(result.notes.some((n) => n.code === "VENUE_LIQUIDATION")).toBe(true);
  });

  it("a stop above the liquidation price that the market reaches first closes the long at the stop instead", async () => {
    // The crash candle opens at 100 and trades down to 50: the stop at 75 is on the way.
    const noGap = crash.map((c, i) => (i === 3 ? { ...c, open: 100, high: 100 } : c));
    const result = await run(futuresConfig(script, { leverage: 3, marginMode: "isolated" }, { params: { stopPct: 0.25 } }), noGap);
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]).toMatchObject({ exitReason: "stop_loss", exitPrice: 75 });
    expect(result.summary.liquidations).toBe(0);
  });

  it("at 1× cross the same long is backed by its whole notional and is never liquidated", async () => {
    const result = await run(futuresConfig(script, { leverage: 1 }, { params: { stopPct: 0.6, targetPct: 2 } }), crash);
    expect(result.summary.liquidations).toBe(0);
    expect(result.trades.map((t) => t.exitReason)).not.toContain("liquidation");
  });
});
