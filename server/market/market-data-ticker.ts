import type { Candle } from "../model/types";
import { MINUTE_MS } from "./timeframes";
import type { MarketTicker } from "./types";

/**
 * Derived tickers, for venues without a ticker stream: 24h statistics of the closed 1m candles
 * (recomputed once per closed minute) combined with the forming minute on every update.
 */

/** 24h statistics of closed 1m candles. */
export interface DayStats {
  open: number;
  high: number;
  low: number;
  baseVolume: number;
  quoteVolume: number;
}

const MIN_DAY_STATS_CANDLES = 2;

/** The rolling 24h window's statistics (the forming minute plus the 1439 closed ones before it); undefined with fewer than 2 closed minutes. */
export function dayStatsOf(minutes: readonly Candle[] | undefined): DayStats | undefined {
  if (!minutes || minutes.length < MIN_DAY_STATS_CANDLES) return undefined;
  const newest = minutes[minutes.length - 1];
  // The rolling 24h window is the forming minute plus the 1439 closed ones before it.
  const from = newest.openTime + MINUTE_MS - 1439 * MINUTE_MS;
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  let baseVolume = 0;
  let quoteVolume = 0;
  let open = newest.open;
  for (let i = minutes.length - 1; i >= 0 && minutes[i].openTime >= from; i--) {
    const c = minutes[i];
    if (c.high > high) high = c.high;
    if (c.low < low) low = c.low;
    baseVolume += c.volume;
    quoteVolume += c.volume * c.close;
    open = c.open;
  }
  return { open, high, low, baseVolume, quoteVolume };
}

/** The ticker of a symbol from its 24h statistics and its forming minute, stamped with the venue time when known. */
export function derivedTicker(symbol: string, forming: Candle, stats: DayStats | undefined, venueTime: number | undefined): MarketTicker {
  const last = forming.close;
  const open24h = stats?.open ?? forming.open;
  return {
    symbol,
    timestamp: venueTime ?? forming.openTime,
    last,
    open24h,
    high24h: Math.max(stats?.high ?? forming.high, forming.high),
    low24h: Math.min(stats?.low ?? forming.low, forming.low),
    change24h: last - open24h,
    changePct24h: ((last - open24h) / open24h) * 100,
    baseVolume24h: (stats?.baseVolume ?? 0) + forming.volume,
    quoteVolume24h: (stats?.quoteVolume ?? 0) + forming.volume * forming.close,
    source: "derived",
  };
}
