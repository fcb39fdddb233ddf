import { describe, expect, it } from "vitest";
import type { ClosedTrade } from "../model/types";
import {
  DAY_MS,
  computeMetrics,
  curveStats,
  drawdownSeries,
  equityPnlBuckets,
  periodicReturns,
  sharpeRatio,
  sortinoRatio,
  tradePnlBuckets,
  tradeStats,
} from "./metrics";
import { startOfZonedDay, zonedBucket } from "./zoned-time";

const HOUR = 3_600_000;
const D0 = Date.UTC(2024, 0, 1);

function trade(id: string, pnl: number, pnlPct: number, openedAt: number, closedAt: number, symbol: string, strategyInstanceId?: string): ClosedTrade {
  const t: ClosedTrade = {
    id,
    positionId: `p-${id}`,
    mode: "backtest",
    symbol,
    side: "long",
    quantity: 1,
    entryPrice: 100,
    exitPrice: 100 + pnl,
    pnl,
    pnlPct,
    fees: 2,
    openedAt,
    closedAt,
    exitReason: "signal",
    entryReason: "test entry",
    exitReasonText: "test exit",
  };
  if (strategyInstanceId) t.strategyInstanceId = strategyInstanceId;
  return t;
}

// Four trades, given out of order: +100, +30, −50, −20 by closing time.
const FOUR_TRADES = [
  trade("t3", -50, -5, D0 + 5 * HOUR, D0 + 8 * HOUR, "BTC/USDT", "rsi"),
  trade("t1", 100, 10, D0, D0 + 2 * HOUR, "BTC/USDT", "ema"),
  trade("t4", -20, -2, D0 + 9 * HOUR, D0 + 11 * HOUR, "BTC/USDT"),
  trade("t2", 30, 3, D0 + 3 * HOUR, D0 + 4 * HOUR, "ETH/USDT", "ema"),
];

// Five daily points: peak 1,100 on day 1, trough 990 on day 2 (−10%), recovered on day 4.
const FIVE_POINTS = [1_000, 1_100, 990, 1_045, 1_200].map((equity, i) => ({ timestamp: D0 + i * DAY_MS, equity }));

describe("trade statistics", () => {
  it("a 4-trade list: win rate 50%, profit factor 130/70, expectancy 15, payoff 65/35", () => {
    const s = tradeStats(FOUR_TRADES);
    expect(s).toMatchObject({
      trades: 4,
      wins: 2,
      losses: 2,
      breakeven: 0,
      winRatePct: 50,
      netProfit: 60,
      grossProfit: 130,
      grossLoss: -70,
      profitFactorInfinite: false,
      expectancy: 15,
      expectancyPct: 1.5,
      avgWin: 65,
      avgLoss: -35,
      feesPaid: 8,
      longestWinStreak: 2,
      longestLossStreak: 2,
      avgTradeDurationMs: 2 * HOUR,
    });
    expect(s.profitFactor).toBeCloseTo(130 / 70, 12);
    expect(s.payoffRatio).toBeCloseTo(65 / 35, 12);
    expect(s.bestTrade).toMatchObject({ id: "t1", pnl: 100, strategyInstanceId: "ema" });
    expect(s.worstTrade).toMatchObject({ id: "t3", pnl: -50 });
  });

  it("no trades: rates and ratios are null, nothing is NaN", () => {
    const s = tradeStats([]);
    expect(s).toMatchObject({ trades: 0, winRatePct: null, profitFactor: null, profitFactorInfinite: false, expectancy: null, payoffRatio: null });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it("no losses: profit factor null with the infinite flag, and it survives JSON", () => {
    const s = tradeStats([trade("a", 10, 1, D0, D0 + HOUR, "BTC/USDT"), trade("b", 5, 0.5, D0 + HOUR, D0 + 2 * HOUR, "BTC/USDT")]);
    expect(s.profitFactor).toBeNull();
    expect(s.profitFactorInfinite).toBe(true);
    expect(s.payoffRatio).toBeNull();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it("a breakeven trade breaks a streak and counts in neither wins nor losses", () => {
    const s = tradeStats([
      trade("a", 1, 0.1, D0, D0 + 1, "X/USDT"),
      trade("b", 0, 0, D0, D0 + 2, "X/USDT"),
      trade("c", 1, 0.1, D0, D0 + 3, "X/USDT"),
    ]);
    expect(s).toMatchObject({ wins: 2, losses: 0, breakeven: 1, longestWinStreak: 1, winRatePct: (2 / 3) * 100 });
  });

  it("rejects a trade with a NaN pnl", () => {
    expect(() => tradeStats([trade("bad", Number.NaN, 0, D0, D0 + 1, "X/USDT")])).toThrow(/trade 0 \(bad\) needs finite pnl/);
  });
});

describe("equity curve statistics", () => {
  it("a 5-point curve: max drawdown 110 (10%) from day 1 to day 2, recovered on day 4", () => {
    const c = curveStats(FIVE_POINTS);
    expect(c.maxDrawdown).toEqual({
      amount: 110,
      pct: 10,
      peakAt: D0 + DAY_MS,
      peakEquity: 1_100,
      troughAt: D0 + 2 * DAY_MS,
      troughEquity: 990,
      recoveredAt: D0 + 4 * DAY_MS,
      durationMs: 3 * DAY_MS,
    });
    expect(c.maxDrawdownAmount).toBe(110);
    expect(c.longestDrawdownMs).toBe(3 * DAY_MS);
    expect(c.totalReturnPct).toBeCloseTo(20, 10);
    expect(c.returnPeriods).toBe(4);
  });

  it("an unrecovered drawdown lasts to the end of the curve", () => {
    const c = curveStats([1_000, 900, 950].map((equity, i) => ({ timestamp: D0 + i * DAY_MS, equity })));
    expect(c.maxDrawdown).toMatchObject({ pct: 10, recoveredAt: null, durationMs: 2 * DAY_MS });
  });

  it("the deepest drawdown in % is reported even when a later one is larger in quote", () => {
    const points = [100, 80, 100, 1_000, 900].map((equity, i) => ({ timestamp: D0 + i * DAY_MS, equity }));
    const c = curveStats(points);
    expect(c.maxDrawdown).toMatchObject({ amount: 20, pct: 20, peakAt: D0 });
    expect(c.maxDrawdownAmount).toBe(100);
  });

  it("CAGR: 1,000 → 1,210 over two 365-day years is 10% a year; Calmar = CAGR / max drawdown", () => {
    const points = [
      { timestamp: D0, equity: 1_000 },
      { timestamp: D0 + 365 * DAY_MS, equity: 880 },
      { timestamp: D0 + 730 * DAY_MS, equity: 1_210 },
    ];
    const c = curveStats(points);
    expect(c.cagrPct).toBeCloseTo(10, 10);
    expect(c.maxDrawdown!.pct).toBeCloseTo(12, 10);
    expect(c.calmar).toBeCloseTo(10 / 12, 10);
  });

  it("Sharpe and Sortino on a constant-return series: no dispersion, no downside → null", () => {
    const points = Array.from({ length: 30 }, (_, i) => ({ timestamp: D0 + i * DAY_MS, equity: 1_000 * 1.01 ** i }));
    const c = curveStats(points);
    expect(c.returnPeriods).toBe(29);
    expect(c.sharpe).toBeNull();
    expect(c.sortino).toBeNull();
    expect(c.totalReturnPct).toBeCloseTo((1.01 ** 29 - 1) * 100, 8);
  });

  it("a flat equity curve has no Sharpe, Sortino, drawdown or Calmar", () => {
    const c = curveStats([0, 1, 2, 3].map((i) => ({ timestamp: D0 + i * DAY_MS, equity: 500 })));
    expect(c).toMatchObject({ sharpe: null, sortino: null, maxDrawdown: null, calmar: null, totalReturnPct: 0, cagrPct: 0 });
  });

  it("Sharpe and Sortino of alternating +2% / −1% daily returns, annualised with √365", () => {
    const returns = [0.02, -0.01, 0.02, -0.01];
    // mean 0.005; sample variance 4 × 0.015² / 3 = 0.0003; downside deviation √(2 × 0.01² / 4) = √0.00005.
    expect(sharpeRatio(returns, 365)).toBeCloseTo((0.005 / Math.sqrt(0.0003)) * Math.sqrt(365), 10);
    expect(sortinoRatio(returns, 365)).toBeCloseTo((0.005 / Math.sqrt(0.00005)) * Math.sqrt(365), 10);
    let equity = 100;
    const points = [{ timestamp: D0, equity }];
    returns.forEach((r, i) => points.push({ timestamp: D0 + (i + 1) * DAY_MS, equity: (equity *= 1 + r) }));
    expect(curveStats(points).sharpe).toBeCloseTo(5.515, 3);
  });

  it("per-bar annualisation: hourly periods use 8,760 periods a year", () => {
    const points = [100, 101, 100, 102, 101].map((equity, i) => ({ timestamp: D0 + i * HOUR, equity }));
    const c = curveStats(points, { periodMs: HOUR });
    expect(c.periodsPerYear).toBe(8_760);
    expect(c.returnPeriods).toBe(4);
    expect(c.sharpe).toBeCloseTo(sharpeRatio(periodicReturns(points, HOUR), 8_760)!, 12);
  });

  it("daily resampling of an hourly curve samples the last equity at or before each midnight", () => {
    const points = Array.from({ length: 49 }, (_, h) => ({ timestamp: D0 + h * HOUR, equity: 1_000 + h }));
    const r = periodicReturns(points, DAY_MS);
    expect(r).toHaveLength(2);
    expect(r[0]).toBeCloseTo(1_024 / 1_000 - 1, 12);
    expect(r[1]).toBeCloseTo(1_048 / 1_024 - 1, 12);
    // A curve starting at noon: the first period runs from its start to the next midnight.
    const fromNoon = points.slice(12);
    const r2 = periodicReturns(fromNoon, DAY_MS);
    expect(r2[0]).toBeCloseTo(1_024 / 1_012 - 1, 12);
  });

  it("rejects an equity curve out of time order or with a NaN", () => {
    expect(() => curveStats([FIVE_POINTS[1], FIVE_POINTS[0]])).toThrow(/not in time order at point 1/);
    expect(() => curveStats([{ timestamp: D0, equity: Number.NaN }])).toThrow(/finite timestamp and equity/);
    expect(() => curveStats(FIVE_POINTS, { periodMs: 0 })).toThrow(/periodMs/);
  });

  it("drawdown series for the chart", () => {
    expect(drawdownSeries(FIVE_POINTS).map((p) => [p.peak, p.drawdown, p.drawdownPct])).toEqual([
      [1_000, 0, 0],
      [1_100, 0, 0],
      [1_100, 110, 10],
      [1_100, 55, 5],
      [1_200, 0, 0],
    ]);
  });
});

describe("computeMetrics", () => {
  it("combines trades and curve: exposure, trades per day, per-symbol and per-strategy groups", () => {
    const m = computeMetrics({ trades: FOUR_TRADES, equity: FIVE_POINTS });
    expect(m.trades).toBe(4);
    expect(m.totalReturnPct).toBeCloseTo(20, 10);
    // Open 2 h + 1 h + 3 h + 2 h = 8 h of a 96 h curve.
    expect(m.exposurePct).toBeCloseTo((8 / 96) * 100, 10);
    expect(m.tradesPerDay).toBe(1);
    expect(m.bySymbol["BTC/USDT"]).toMatchObject({ trades: 3, wins: 1, losses: 2, netProfit: 30 });
    expect(m.bySymbol["ETH/USDT"]).toMatchObject({ trades: 1, profitFactor: null, profitFactorInfinite: true });
    expect(Object.keys(m.byStrategy).sort()).toEqual(["ema", "rsi", "unattributed"]);
    expect(m.byStrategy.ema).toMatchObject({ trades: 2, netProfit: 130 });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it("overlapping trades count once in exposure, an open position counts to the end", () => {
    const trades = [trade("a", 1, 1, D0 + HOUR, D0 + 3 * HOUR, "BTC/USDT"), trade("b", 1, 1, D0 + 2 * HOUR, D0 + 5 * HOUR, "ETH/USDT")];
    const equity = [
      { timestamp: D0, equity: 100 },
      { timestamp: D0 + 10 * HOUR, equity: 102 },
    ];
    expect(computeMetrics({ trades, equity }).exposurePct).toBeCloseTo(40, 10); // 1 h → 5 h of 10 h
    expect(computeMetrics({ trades, equity, openPositions: [{ openedAt: D0 + 8 * HOUR }] }).exposurePct).toBeCloseTo(60, 10);
  });

  it("nothing at all: every metric null or zero, JSON-safe", () => {
    const m = computeMetrics({ trades: [], equity: [] });
    expect(m).toMatchObject({ trades: 0, totalReturnPct: null, sharpe: null, exposurePct: null, tradesPerDay: null, maxDrawdown: null });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});

describe("P&L buckets in a time zone", () => {
  const late = trade("late", 10, 1, Date.UTC(2023, 2, 1, 22), Date.UTC(2023, 2, 1, 23, 30), "BTC/USDT");
  const early = trade("early", -4, -0.4, Date.UTC(2023, 2, 2, 0), Date.UTC(2023, 2, 2, 0, 30), "BTC/USDT");

  it("daily buckets in UTC split two trades around midnight", () => {
    expect(tradePnlBuckets([early, late], "day", "UTC")).toEqual([
      { start: Date.UTC(2023, 2, 1), label: "2023-03-01", pnl: 10, trades: 1, wins: 1, losses: 0, fees: 2 },
      { start: Date.UTC(2023, 2, 2), label: "2023-03-02", pnl: -4, trades: 1, wins: 0, losses: 1, fees: 2 },
    ]);
  });

  it("daily buckets in Berlin (UTC+1) put both trades on March 2nd", () => {
    expect(tradePnlBuckets([late, early], "day", "Europe/Berlin")).toEqual([
      { start: Date.UTC(2023, 2, 1, 23), label: "2023-03-02", pnl: 6, trades: 2, wins: 1, losses: 1, fees: 4 },
    ]);
  });

  it("hourly buckets follow half-hour offsets (Kolkata, UTC+5:30)", () => {
    const t = trade("k", 3, 0.3, Date.UTC(2023, 2, 1, 9), Date.UTC(2023, 2, 1, 10, 15), "ETH/USDT");
    expect(tradePnlBuckets([t], "hour", "Asia/Kolkata")).toEqual([
      { start: Date.UTC(2023, 2, 1, 9, 30), label: "2023-03-01 15:00", pnl: 3, trades: 1, wins: 1, losses: 0, fees: 2 },
    ]);
  });

  it("a DST day in New York is 23 hours long", () => {
    const b = zonedBucket(Date.UTC(2023, 2, 12, 12), "day", "America/New_York");
    expect(b).toEqual({ start: Date.UTC(2023, 2, 12, 5), end: Date.UTC(2023, 2, 13, 4), label: "2023-03-12" });
    expect(startOfZonedDay(Date.UTC(2023, 2, 13, 3, 59), "America/New_York")).toBe(Date.UTC(2023, 2, 12, 5));
  });

  it("mark-to-market daily P&L from the equity curve", () => {
    expect(equityPnlBuckets(FIVE_POINTS, "day", "UTC").map((b) => [b.label, b.pnl])).toEqual([
      ["2024-01-01", 0],
      ["2024-01-02", 100],
      ["2024-01-03", -110],
      ["2024-01-04", 55],
      ["2024-01-05", 155],
    ]);
  });

  it("an unknown time zone is a clear error", () => {
    expect(() => tradePnlBuckets([late], "day", "Mars/Olympus")).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});
