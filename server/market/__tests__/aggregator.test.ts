import { describe, expect, it } from "vitest";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../../model/types";
import { AGGREGATED_TIMEFRAMES, CandleAggregator } from "../aggregator";
import { seededRandom } from "./fake-exchange";

const MINUTE = 60_000;
const DAY = 86_400_000;
const START = Date.UTC(2024, 2, 1); // a UTC midnight

/** A seeded random-walk 1m series over `days`, with minutes removed around bucket boundaries. */
function generateSeries(days: number, seed: number): { minutes: Candle[]; removed: number } {
  const random = seededRandom(seed);
  const minutes: Candle[] = [];
  let price = 20_000;
  let removed = 0;
  for (let t = START; t < START + days * DAY; t += MINUTE) {
    const open = price;
    const close = open * (1 + (random() - 0.5) * 0.01);
    const high = Math.max(open, close) * (1 + random() * 0.003);
    const low = Math.min(open, close) * (1 - random() * 0.003);
    price = close;
    // Gaps where they hurt: first and last minutes of 5m/1h/4h buckets, plus some anywhere.
    const atBoundary = t % (5 * MINUTE) === 0 || (t + MINUTE) % (5 * MINUTE) === 0;
    const atBigBoundary = t % (4 * 3_600_000) === 0 || (t + MINUTE) % 3_600_000 === 0;
    if ((atBoundary && random() < 0.08) || (atBigBoundary && random() < 0.5) || random() < 0.01) {
      removed++;
      continue;
    }
    minutes.push({ symbol: "BTC/USDT", timeframe: "1m", openTime: t, open, high, low, close, volume: random() * 10, closed: true });
  }
  return { minutes, removed };
}

/** The reference: group minutes by floor(openTime / period), straightforwardly. */
function resample(minutes: Candle[], tf: Timeframe): Candle[] {
  const period = TIMEFRAME_MS[tf];
  const groups = new Map<number, Candle[]>();
  for (const m of minutes) {
    const key = Math.floor(m.openTime / period) * period;
    const group = groups.get(key) ?? [];
    group.push(m);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([openTime, group]) => ({
      symbol: "BTC/USDT",
      timeframe: tf,
      openTime,
      open: group[0].open,
      high: Math.max(...group.map((m) => m.high)),
      low: Math.min(...group.map((m) => m.low)),
      close: group[group.length - 1].close,
      volume: group.reduce((sum, m) => sum + m.volume, 0),
      closed: true,
    }));
}

function expectCandlesEqual(actual: Candle[], expected: Candle[]) {
  expect(actual.map((c) => c.openTime)).toEqual(expected.map((c) => c.openTime));
  actual.forEach((c, i) => {
    const e = expected[i];
    expect({ o: c.open, h: c.high, l: c.low, c: c.close, closed: c.closed, tf: c.timeframe }).toEqual({
      o: e.open,
      h: e.high,
      l: e.low,
      c: e.close,
      closed: true,
      tf: e.timeframe,
    });
    expect(c.volume).toBeCloseTo(e.volume, 8);
  });
}

describe("1m → 5m/15m/1h/4h/1d aggregation", () => {
  it("matches an independent group-by over 3 days of seeded minutes with gaps at bucket boundaries", () => {
    const { minutes, removed } = generateSeries(3, 42);
    expect(removed).toBeGreaterThan(100);
    const closed: Candle[] = [];
    const aggregator = new CandleAggregator({ onClosed: (c) => closed.push(c) });
    aggregator.seed("BTC/USDT", START);
    for (const m of minutes) aggregator.addClosed(m);
    aggregator.closeThrough("BTC/USDT", START + 3 * DAY);

    for (const tf of AGGREGATED_TIMEFRAMES) {
      const ours = closed.filter((c) => c.timeframe === tf);
      const reference = resample(minutes, tf);
      expectCandlesEqual(ours, reference);
    }
    expect(closed.filter((c) => c.timeframe === "1d")).toHaveLength(3);
  });

  it("emits a bucket the moment its last minute closes, shorter timeframes first", () => {
    const order: string[] = [];
    const aggregator = new CandleAggregator({ onClosed: (c) => order.push(`${c.timeframe}@${(c.openTime - START) / MINUTE}`) });
    aggregator.seed("BTC/USDT", START);
    for (let i = 0; i < 60; i++) {
      aggregator.addClosed({ symbol: "BTC/USDT", timeframe: "1m", openTime: START + i * MINUTE, open: 1, high: 2, low: 0.5, close: 1.5, volume: 1, closed: true });
      if (i === 3) expect(order).toEqual([]);
      if (i === 4) expect(order).toEqual(["5m@0"]);
    }
    expect(order.slice(-3)).toEqual(["5m@55", "15m@45", "1h@0"]);
  });

  it("a bucket missing its last minutes closes when a later bucket's minute arrives", () => {
    const closed: Candle[] = [];
    const aggregator = new CandleAggregator({ timeframes: ["5m"], onClosed: (c) => closed.push(c) });
    const minute = (i: number, close: number): Candle => ({ symbol: "ETH/USDT", timeframe: "1m", openTime: START + i * MINUTE, open: close, high: close, low: close, close, volume: 2, closed: true });
    aggregator.seed("ETH/USDT", START);
    aggregator.addClosed(minute(0, 10));
    aggregator.addClosed(minute(1, 11));
    expect(closed).toHaveLength(0);
    aggregator.addClosed(minute(7, 12)); // 00:02-00:04 never came
    expect(closed).toEqual([{ symbol: "ETH/USDT", timeframe: "5m", openTime: START, open: 10, high: 11, low: 10, close: 11, volume: 4, closed: true }]);
  });

  it("never emits a bucket that began before the series: its open and volume would be wrong", () => {
    const closed: Candle[] = [];
    const aggregator = new CandleAggregator({ timeframes: ["15m", "1h"], onClosed: (c) => closed.push(c) });
    const seriesStart = START + 10 * MINUTE;
    aggregator.seed("BTC/USDT", seriesStart);
    for (let i = 10; i < 120; i++) {
      aggregator.addClosed({ symbol: "BTC/USDT", timeframe: "1m", openTime: START + i * MINUTE, open: 5, high: 6, low: 4, close: 5, volume: 1, closed: true });
    }
    expect(closed.map((c) => `${c.timeframe}@${(c.openTime - START) / MINUTE}`)).toEqual([
      "15m@15",
      "15m@30",
      "15m@45",
      "15m@60",
      "15m@75",
      "15m@90",
      "15m@105",
      "1h@60",
    ]);
  });

  it("streams the forming higher-timeframe candle: closed minutes so far merged with the forming minute", () => {
    const updates: Candle[] = [];
    const aggregator = new CandleAggregator({ timeframes: ["5m"], onClosed: () => undefined, onUpdate: (c) => updates.push(c) });
    aggregator.seed("BTC/USDT", START);
    aggregator.addClosed({ symbol: "BTC/USDT", timeframe: "1m", openTime: START, open: 100, high: 105, low: 99, close: 104, volume: 3, closed: true });
    aggregator.updateForming({ symbol: "BTC/USDT", timeframe: "1m", openTime: START + MINUTE, open: 104, high: 108, low: 98, close: 107, volume: 2, closed: false });
    expect(updates).toEqual([{ symbol: "BTC/USDT", timeframe: "5m", openTime: START, open: 100, high: 108, low: 98, close: 107, volume: 5, closed: false }]);
    expect(aggregator.pending("BTC/USDT", "5m")).toEqual({ symbol: "BTC/USDT", timeframe: "5m", openTime: START, open: 100, high: 105, low: 99, close: 104, volume: 3, closed: false });
  });

  it("ignores a minute that is not after the last one (the caller's ordering bug cannot corrupt buckets)", () => {
    const closed: Candle[] = [];
    const aggregator = new CandleAggregator({ timeframes: ["5m"], onClosed: (c) => closed.push(c) });
    const m = { symbol: "BTC/USDT", timeframe: "1m" as const, openTime: START, open: 1, high: 1, low: 1, close: 1, volume: 1, closed: true };
    expect(aggregator.addClosed(m)).toBe(true);
    expect(aggregator.addClosed(m)).toBe(false);
    expect(aggregator.pending("BTC/USDT", "5m")?.volume).toBe(1);
  });
});
