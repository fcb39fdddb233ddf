import type { Candle, Timeframe } from "../model/types";

/**
 * Where closed candles are kept. One store serves one venue (the Prisma implementation binds the
 * `venue` column when it is constructed). Only closed candles are stored.
 */
export interface CandleStore {
  /** Inserts or replaces candles keyed by (symbol, timeframe, openTime). */
  saveClosed(candles: readonly Candle[]): Promise<void>;
  /**
   * Closed candles with `from <= openTime < to`, ascending by openTime; at most `limit` of them, the
   * earliest ones first (page forward by calling again from the last openTime + timeframe).
   */
  loadRange(symbol: string, timeframe: Timeframe, from: number, to: number, limit?: number): Promise<Candle[]>;
  /** Open time of the newest stored candle, undefined when there is none. */
  latestOpenTime(symbol: string, timeframe: Timeframe): Promise<number | undefined>;
}

/** CandleStore in memory: backtests, tests, and a venue without a database. */
export class InMemoryCandleStore implements CandleStore {
  /** key "symbol|timeframe" → candles sorted by openTime */
  private readonly series = new Map<string, Candle[]>();

  async saveClosed(candles: readonly Candle[]): Promise<void> {
    for (const candle of candles) {
      if (!candle.closed) throw new RangeError(`refusing to store a forming candle (${candle.symbol} ${candle.openTime})`);
      const key = `${candle.symbol}|${candle.timeframe}`;
      let list = this.series.get(key);
      if (!list) {
        list = [];
        this.series.set(key, list);
      }
      const stored = { ...candle };
      const last = list[list.length - 1];
      if (last === undefined || last.openTime < candle.openTime) {
        list.push(stored);
        continue;
      }
      const index = lowerBound(list, candle.openTime);
      if (list[index]?.openTime === candle.openTime) list[index] = stored;
      else list.splice(index, 0, stored);
    }
  }

  async loadRange(symbol: string, timeframe: Timeframe, from: number, to: number, limit?: number): Promise<Candle[]> {
    const list = this.series.get(`${symbol}|${timeframe}`);
    if (!list) return [];
    const start = lowerBound(list, from);
    const end = lowerBound(list, to);
    const stop = limit === undefined ? end : Math.min(end, start + Math.max(0, limit));
    return list.slice(start, stop).map((c) => ({ ...c }));
  }

  async latestOpenTime(symbol: string, timeframe: Timeframe): Promise<number | undefined> {
    const list = this.series.get(`${symbol}|${timeframe}`);
    return list?.[list.length - 1]?.openTime;
  }

  /** Number of stored candles of one series (for tests and status pages). */
  count(symbol: string, timeframe: Timeframe): number {
    return this.series.get(`${symbol}|${timeframe}`)?.length ?? 0;
  }
}

/** First index whose openTime >= time. */
function lowerBound(list: readonly Candle[], time: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].openTime < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
