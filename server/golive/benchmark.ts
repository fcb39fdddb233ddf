/**
 * Buy-and-hold benchmark: the same symbols over the same period, equal parts of the starting capital
 * bought at the first close and held to the last, after one taker fee on the way in and one on the
 * way out. Shown beside every backtest and on the performance page: a strategy that loses to holding
 * the coins should be seen to do so.
 */
export interface BenchmarkSeries {
  symbol: string;
  /** Closes in time order. */
  closes: readonly { time: number; close: number }[];
}

export interface BuyAndHold {
  startingCapital: number;
  finalEquity: number;
  returnPct: number;
  perSymbol: { symbol: string; first: number; last: number; returnPct: number }[];
  /** Equity of the held basket at each time of the longest series. */
  equity: { time: number; equity: number }[];
}

export function buyAndHold(series: readonly BenchmarkSeries[], startingCapital: number, takerFee = 0): BuyAndHold | null {
  const usable = series.filter((s) => s.closes.length >= 2 && s.closes[0].close > 0);
  if (!usable.length || !(startingCapital > 0)) return null;
  const slice = startingCapital / usable.length;
  const holdings = usable.map((s) => ({ s, qty: (slice * (1 - takerFee)) / s.closes[0].close }));
  const times = [...new Set(usable.flatMap((s) => s.closes.map((c) => c.time)))].sort((a, b) => a - b);
  const cursor = holdings.map(() => 0);
  const equity = times.map((time) => {
    let e = 0;
    holdings.forEach((h, k) => {
      while (cursor[k] + 1 < h.s.closes.length && h.s.closes[cursor[k] + 1].time <= time) cursor[k]++;
      e += h.qty * h.s.closes[cursor[k]].close;
    });
    return { time, equity: e };
  });
  const finalEquity = holdings.reduce((sum, h) => sum + h.qty * h.s.closes[h.s.closes.length - 1].close * (1 - takerFee), 0);
  return {
    startingCapital,
    finalEquity,
    returnPct: ((finalEquity - startingCapital) / startingCapital) * 100,
    perSymbol: usable.map((s) => {
      const first = s.closes[0].close;
      const last = s.closes[s.closes.length - 1].close;
      return { symbol: s.symbol, first, last, returnPct: ((last - first) / first) * 100 };
    }),
    equity,
  };
}

/** The closes of one timeframe per symbol, in time order (candles of a backtest run). */
export function benchmarkSeries(candles: readonly { symbol: string; timeframe: string; openTime: number; close: number }[], timeframe: string): BenchmarkSeries[] {
  const by = new Map<string, { time: number; close: number }[]>();
  for (const c of candles) {
    if (c.timeframe !== timeframe) continue;
    const list = by.get(c.symbol) ?? [];
    list.push({ time: c.openTime, close: c.close });
    by.set(c.symbol, list);
  }
  return [...by.entries()].map(([symbol, closes]) => ({ symbol, closes: closes.sort((a, b) => a.time - b.time) }));
}

export type BuyAndHoldSummary = Omit<BuyAndHold, "equity">;

/**
 * buyAndHold(benchmarkSeries(candles, timeframe), …) without its equity curve (the backtest runner
 * keeps only the summary): one pass over the candles for each symbol's first and last close, no
 * per-candle objects. The same numbers, computed the same way.
 */
export function buyAndHoldSummary(
  candles: readonly { symbol: string; timeframe: string; openTime: number; close: number }[],
  timeframe: string,
  startingCapital: number,
  takerFee = 0,
): BuyAndHoldSummary | null {
  // Per symbol, in first-seen order: the earliest close (first of equal times) and the latest (last of equal times).
  const by = new Map<string, { count: number; firstTime: number; first: number; lastTime: number; last: number }>();
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    if (c.timeframe !== timeframe) continue;
    const s = by.get(c.symbol);
    if (s === undefined) {
      by.set(c.symbol, { count: 1, firstTime: c.openTime, first: c.close, lastTime: c.openTime, last: c.close });
      continue;
    }
    s.count += 1;
    if (c.openTime < s.firstTime) {
      s.firstTime = c.openTime;
      s.first = c.close;
    }
    if (c.openTime >= s.lastTime) {
      s.lastTime = c.openTime;
      s.last = c.close;
    }
  }
  const usable = [...by.entries()].filter(([, s]) => s.count >= 2 && s.first > 0);
  if (!usable.length || !(startingCapital > 0)) return null;
  const slice = startingCapital / usable.length;
  const finalEquity = usable.reduce((sum, [, s]) => sum + ((slice * (1 - takerFee)) / s.first) * s.last * (1 - takerFee), 0);
  return {
    startingCapital,
    finalEquity,
    returnPct: ((finalEquity - startingCapital) / startingCapital) * 100,
    perSymbol: usable.map(([symbol, s]) => ({ symbol, first: s.first, last: s.last, returnPct: ((s.last - s.first) / s.first) * 100 })),
  };
}
