import { describe, expect, it } from "vitest";
import { cellsFor, gridColumns, parseChartPrefs, parseGridLayout } from "./chart-prefs";
import { DEFAULT_INDICATORS } from "./chart-types";

describe("remembered chart layout", () => {
  it("a corrupt or foreign stored value falls back to defaults field by field", () => {
    expect(parseChartPrefs("x")).toBeNull();
    expect(parseChartPrefs({ symbol: 5, timeframe: "2m", indicators: { rsi: false, sma: "yes" } })).toEqual({
      symbol: null,
      timeframe: "1m",
      indicators: { ...DEFAULT_INDICATORS, rsi: false },
    });
  });
  it("grids of 1, 2, 4, 9 and 16 charts use 1, 2, 2, 3 and 4 columns", () => {
    expect([1, 2, 4, 9, 16].map((n) => gridColumns(n as 1))).toEqual([1, 2, 2, 3, 4]);
  });
  it("an unknown grid size becomes 4; at most 16 cells are kept", () => {
    const layout = parseGridLayout({ size: 7, cells: new Array(20).fill({ symbol: "BTC/USDT", timeframe: "5m" }) })!;
    expect(layout.size).toBe(4);
    expect(layout.cells).toHaveLength(16);
  });
  it("growing from 1 to 4 charts keeps the first chart and fills the rest with other symbols", () => {
    const cells = cellsFor({ size: 4, cells: [{ symbol: "ETH/USDT", timeframe: "15m" }] }, ["BTC/USDT", "ETH/USDT", "SOL/USDT"]);
    expect(cells).toEqual([
      { symbol: "ETH/USDT", timeframe: "15m" },
      { symbol: "BTC/USDT", timeframe: "1m" },
      { symbol: "SOL/USDT", timeframe: "1m" },
      { symbol: "ETH/USDT", timeframe: "1m" },
    ]);
  });
  it("16 charts over 10 symbols never show the same symbol and timeframe twice", () => {
    const symbols = Array.from({ length: 10 }, (_, i) => `S${i}/USDT`);
    const cells = cellsFor({ size: 16, cells: [] }, symbols);
    expect(new Set(cells.map((c) => `${c.symbol}|${c.timeframe}`)).size).toBe(16);
    expect(new Set(cells.slice(0, 10).map((c) => c.symbol)).size).toBe(10);
  });
  it("a stored symbol the venue no longer lists is replaced", () => {
    expect(cellsFor({ size: 1, cells: [{ symbol: "LUNA/USDT", timeframe: "1h" }] }, ["BTC/USDT"])).toEqual([{ symbol: "BTC/USDT", timeframe: "1h" }]);
  });
});
