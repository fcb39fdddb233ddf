import { describe, expect, it } from "vitest";
import { parseBacktestConfig } from "../config";
import { buildTimeline, packData, planData, prepareSeries, sliceData, unpackData } from "../data";
import { chartCandles, decimateCurve } from "../series";
import { T0, randomWalk } from "./helpers";

const M = 60_000;

describe("the timeline a run walks through", () => {
  const config = parseBacktestConfig({ strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT", "ETH/USDT"], timeframe: "5m" }], source: { type: "inline" }, fillMode: "1m" });
  const plan = planData(config, [{ symbols: ["BTC/USDT", "ETH/USDT"], timeframe: "5m", warmupCandles: 10 }]);
  const data = {
    series: [
      { symbol: "ETH/USDT", timeframe: "1m" as const, candles: randomWalk(30, { symbol: "ETH/USDT", seed: 1 }) },
      { symbol: "BTC/USDT", timeframe: "1m" as const, candles: randomWalk(30, { seed: 2 }) },
    ],
  };

  it("plans 1-minute fills, a 5m curve and the strategies' warm-up", () => {
    expect(plan.baseTimeframe).toBe("1m");
    expect(plan.curveTimeframe).toBe("5m");
    expect(plan.warmupMs).toBe(10 * 5 * M);
    expect([...plan.needs.get("BTC/USDT")!]).toEqual(["1m", "5m"]);
  });

  it("builds the 5m candles from the minutes and orders by close time, finest timeframe first, then symbol order", () => {
    const timeline = buildTimeline(prepareSeries(data, plan), plan, T0 + 10 * M, T0 + 30 * M);
    expect(timeline.warm).toHaveLength(2 * (10 + 2));
    expect(timeline.run).toHaveLength(2 * (20 + 4));
    const at = (i: number) => `${timeline.run[i].symbol} ${timeline.run[i].timeframe} ${(timeline.closeTimes[i] - T0) / M}`;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(at)).toEqual([
      "BTC/USDT 1m 11",
      "ETH/USDT 1m 11",
      "BTC/USDT 1m 12",
      "ETH/USDT 1m 12",
      "BTC/USDT 1m 13",
      "ETH/USDT 1m 13",
      "BTC/USDT 1m 14",
      "ETH/USDT 1m 14",
      "BTC/USDT 1m 15",
      "ETH/USDT 1m 15",
      "BTC/USDT 5m 15",
      "ETH/USDT 5m 15",
    ]);
    // The equity curve gets a point once per 5 minutes, after the last candle of that close time.
    const sampled = [...timeline.sampleAfter.keys()].filter((i) => timeline.sampleAfter[i] === 1).map(at);
    expect(sampled).toEqual(["ETH/USDT 5m 15", "ETH/USDT 5m 20", "ETH/USDT 5m 25", "ETH/USDT 5m 30"]);
    const five = timeline.run[10];
    const minutes = data.series[1].candles.slice(10, 15);
    expect(five).toMatchObject({ open: minutes[0].open, close: minutes[4].close, high: Math.max(...minutes.map((m) => m.high)), low: Math.min(...minutes.map((m) => m.low)) });
  });

  it("says what is missing when the data cannot serve the plan", () => {
    const fiveOnly = { series: [{ symbol: "BTC/USDT", timeframe: "5m" as const, candles: randomWalk(10, { timeframe: "5m" }) }] };
    expect(() => prepareSeries(fiveOnly, plan)).toThrow(/no 1m candles for BTC\/USDT \(fill mode "1m" needs 1-minute candles/);
  });

  it("packs candles for worker threads and back without loss, and slices a fold's range", () => {
    const round = unpackData(packData(data));
    expect(round).toEqual(data);
    const slice = sliceData(data, T0 + 5 * M, T0 + 10 * M, 2 * M);
    expect(slice.series[0].candles.map((c) => (c.openTime - T0) / M)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("downsampling for storage", () => {
  it("keeps the first, last, lowest and highest points, so the deepest drawdown survives", () => {
    const n = 10_000;
    const times = Float64Array.from({ length: n }, (_, i) => i);
    const values = Float64Array.from({ length: n }, (_, i) => 1000 + Math.sin(i / 50) * 10);
    values[4321] = 500; // a crash
    values[7000] = 2000; // a spike
    const curve = decimateCurve(times, values, n, 200);
    expect(curve.length).toBeLessThanOrEqual(200);
    expect(curve[0]).toEqual({ timestamp: 0, equity: values[0] });
    expect(curve.at(-1)).toEqual({ timestamp: n - 1, equity: values[n - 1] });
    expect(curve).toContainEqual({ timestamp: 4321, equity: 500 });
    expect(curve).toContainEqual({ timestamp: 7000, equity: 2000 });
    for (let i = 1; i < curve.length; i++) expect(curve[i].timestamp).toBeGreaterThan(curve[i - 1].timestamp);
  });

  it("coarsens chart candles to a timeframe that fits", () => {
    const candles = randomWalk(3_000, { timeframe: "5m" });
    expect(chartCandles(candles, "5m", 5_000)).toMatchObject({ timeframe: "5m", rows: { length: 3_000 } });
    const chart = chartCandles(candles, "5m", 500);
    expect(chart.timeframe).toBe("1h");
    expect(chart.rows).toHaveLength(250);
    const hour = candles.slice(0, 12);
    expect(chart.rows[0]).toEqual([hour[0].openTime, hour[0].open, Math.max(...hour.map((c) => c.high)), Math.min(...hour.map((c) => c.low)), hour[11].close, expect.any(Number)]);
  });
});
