import { describe, expect, it } from "vitest";
import { better, chartBars, compareLines, drawdownPoints, equityReturnPoints, metricLines, runLabel, tradeMarkersOf, type BacktestResult } from "./backtest-view";

/** A result with just what the view helpers read. */
function result(overrides: { netProfit?: number; sharpe?: number | null; ddPct?: number; trades?: BacktestResult["trades"]; startingBalance?: number } = {}): BacktestResult {
  const metrics = {
    trades: 2,
    winRatePct: 50,
    profitFactor: 1.5,
    profitFactorInfinite: false,
    expectancy: 10,
    avgWin: 30,
    avgLoss: -20,
    payoffRatio: 1.5,
    sharpe: overrides.sharpe === undefined ? 1.2 : overrides.sharpe,
    sortino: 1.8,
    calmar: 2,
    totalReturnPct: 0.2,
    cagrPct: 5,
    maxDrawdown: { pct: overrides.ddPct ?? 3, amount: 300 },
    longestDrawdownMs: 3_600_000,
    exposurePct: 40,
    tradesPerDay: 1,
  };
  return {
    metrics,
    summary: { netProfit: overrides.netProfit ?? 20, feesPaid: 4, startingBalance: overrides.startingBalance ?? 10_000 },
    trades: overrides.trades ?? [],
    equity: [
      { timestamp: 0, equity: 10_000 },
      { timestamp: 60_000, equity: 10_500 },
    ],
    drawdown: [{ timestamp: 0, equity: 10_000, peak: 10_000, drawdown: 0, drawdownPct: 2.5 }],
    chart: { "BTC/USDT": { timeframe: "5m", candles: [[0, 1, 2, 0.5, 1.5, 10]] } },
  } as unknown as BacktestResult;
}

describe("backtest view helpers", () => {
  it("lists the headline metrics with their direction, ∞ for a profit factor without losses", () => {
    const lines = metricLines(result());
    expect(lines.map((l) => l.key)).toEqual(expect.arrayContaining(["net", "return", "winRate", "pf", "sharpe", "sortino", "calmar", "maxDd", "exposure", "fees"]));
    expect(lines.find((l) => l.key === "maxDd")).toMatchObject({ text: "3.00% (300.00)", higherIsBetter: false });
    const noLoss = result();
    (noLoss.metrics as { profitFactorInfinite: boolean }).profitFactorInfinite = true;
    expect(metricLines(noLoss).find((l) => l.key === "pf")?.text).toBe("∞");
  });

  it("picks the better run per metric: higher Sharpe wins, smaller drawdown wins, unknown values pick nobody", () => {
    const rows = new Map(compareLines(result({ sharpe: 2, ddPct: 5 }), result({ sharpe: 1, ddPct: 2 })).map((r) => [r.key, r.winner]));
    expect(rows.get("sharpe")).toBe("a");
    expect(rows.get("maxDd")).toBe("b");
    expect(rows.get("trades")).toBeNull();
    expect(better({ higherIsBetter: true }, null, 3)).toBeNull();
  });

  it("draws entries as arrows and exits as dots coloured by result, only for the chart's symbol", () => {
    const trades = [
      { id: "t1", symbol: "BTC/USDT", side: "long", openedAt: 1_000, closedAt: 5_000, pnl: 12.5 },
      { id: "t2", symbol: "ETH/USDT", side: "long", openedAt: 2_000, closedAt: 3_000, pnl: -1 },
    ] as unknown as BacktestResult["trades"];
    const markers = tradeMarkersOf(result({ trades }), "BTC/USDT");
    expect(markers.map((m) => [m.time, m.shape, m.text])).toEqual([
      [1_000, "arrowUp", "L"],
      [5_000, "circle", "+12.50"],
    ]);
  });

  it("turns stored rows into chart bars, drawdown below zero and equity into % returns", () => {
    expect(chartBars(result(), "BTC/USDT")).toEqual([{ time: 0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, closed: true }]);
    expect(chartBars(result(), "XRP/USDT")).toEqual([]);
    expect(drawdownPoints(result())[0].value).toBe(-2.5);
    const returns = equityReturnPoints(result()).map((p) => p.value);
    expect(returns[0]).toBe(0);
    expect(returns[1]).toBeCloseTo(5, 10);
    expect(runLabel({ strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe: "5m", params: {} }] })).toBe("ma_crossover BTC/USDT 5m");
  });
});

describe("backtest figures that the data cannot support are flagged (issue 21)", () => {
  const threeDays = (longestDrawdownMs: number) => {
    const r = result();
    (r as { range: unknown }).range = { from: 0, to: 3 * 86_400_000, baseTimeframe: "1m", curveTimeframe: "5m", candles: 1, warmupCandles: 0 };
    (r.metrics as { longestDrawdownMs: number }).longestDrawdownMs = longestDrawdownMs;
    return r;
  };
  it("no CAGR from 3 days of data", () => {
    const cagr = metricLines(threeDays(3_600_000)).find((l) => l.key === "cagr")!;
    expect(cagr.text).toBe("—");
    expect(cagr.note).toMatch(/3\.0 days/);
  });
  it("a longest drawdown of 5 d 17 h on 3 days of data is capped at the 3 days", () => {
    const dd = metricLines(threeDays((5 * 24 + 17) * 3_600_000)).find((l) => l.key === "ddDuration")!;
    expect(dd.value).toBe(3 * 86_400_000);
    expect(dd.note).toBeTruthy();
  });
  it("Sharpe on 2 trades carries a sample-size warning", () => {
    expect(metricLines(result()).find((l) => l.key === "sharpe")!.note).toMatch(/only 2 trades/);
  });
});
