import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { benchmarkSeries, buyAndHold } from "../benchmark";

/** The strategy fixtures' BTC/USDT 5m candles (2024-01-01 … 2024-01-09): 20,000 → 22,043.69. */
function fixtureCloses() {
  const text = readFileSync(path.join(__dirname, "../../strategy/__tests__/fixtures/BTCUSDT-5m.csv"), "utf8");
  return text
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split(","))
    .map(([t, , , , c]) => ({ symbol: "BTC/USDT", timeframe: "5m", openTime: Number(t), close: Number(c) }));
}

describe("buy and hold beside every backtest", () => {
  it("holding BTC over the fixture period made what its first and last closes say, after a fee each way", () => {
    const candles = fixtureCloses();
    const first = candles[0].close;
    const last = candles[candles.length - 1].close;
    const held = buyAndHold(benchmarkSeries(candles, "5m"), 10_000, 0.001)!;
    expect(held.perSymbol).toEqual([{ symbol: "BTC/USDT", first, last, returnPct: ((last - first) / first) * 100 }]);
    expect(held.finalEquity).toBeCloseTo(10_000 * 0.999 * (last / first) * 0.999, 6);
    expect(held.returnPct).toBeCloseTo(((10_000 * 0.999 * (last / first) * 0.999 - 10_000) / 10_000) * 100, 8);
    expect(held.equity).toHaveLength(candles.length);
  });

  it("two symbols get equal halves of the capital", () => {
    const a = { symbol: "A/USDT", closes: [{ time: 0, close: 10 }, { time: 1, close: 12 }] };
    const b = { symbol: "B/USDT", closes: [{ time: 0, close: 100 }, { time: 1, close: 90 }] };
    const held = buyAndHold([a, b], 1_000)!;
    expect(held.finalEquity).toBeCloseTo(500 * 1.2 + 500 * 0.9, 9);
    expect(held.returnPct).toBeCloseTo(5, 9);
  });

  it("no prices, no benchmark", () => {
    expect(buyAndHold([], 1_000)).toBeNull();
    expect(buyAndHold([{ symbol: "A/USDT", closes: [{ time: 0, close: 1 }] }], 1_000)).toBeNull();
  });
});
