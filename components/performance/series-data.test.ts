import { describe, expect, it } from "vitest";
import { drawdownSeries, fillHours, realizedEquitySeries, toSecondSeries } from "./series-data";

describe("chart series", () => {
  it("sorts, drops broken points and keeps the latest point of each second", () => {
    expect(
      toSecondSeries([
        { time: 3_500, value: 3 },
        { time: 1_000, value: 1 },
        { time: 1_900, value: 1.5 },
        { time: 2_000, value: Number.NaN },
      ]),
    ).toEqual([
      { time: 1, value: 1.5 },
      { time: 3, value: 3 },
    ]);
  });
  it("drawdown is plotted below zero", () => {
    expect(drawdownSeries([{ timestamp: 0, drawdownPct: 4 }, { timestamp: 1, drawdownPct: -2 }]).map((p) => p.value)).toEqual([-4, -2]);
  });
  it("realized equity removes open P&L", () => {
    expect(realizedEquitySeries([{ timestamp: 0, equity: 1010, unrealizedPnl: 10 }])[0]!.value).toBe(1000);
  });
  it("hourly P&L shows all 24 hours and ignores out-of-range hours", () => {
    const hours = fillHours([{ hour: 3, pnl: 5 }, { hour: 25, pnl: 9 }]);
    expect(hours).toHaveLength(24);
    expect(hours[3]).toEqual({ hour: 3, pnl: 5 });
    expect(hours[4]).toEqual({ hour: 4, pnl: null });
  });
});
