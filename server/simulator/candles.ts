/**
 * 1-minute candle storage for one symbol and aggregation into Binance's larger intervals.
 * Minutes are contiguous (the simulator never skips one), so a minute's index is its time offset.
 */

export const MINUTE_MS = 60_000;

/** Kline intervals the simulator serves (Binance spot names), all aligned to UTC epoch multiples. */
export const INTERVAL_MS: Readonly<Record<string, number>> = {
  "1m": 60_000,
  "3m": 180_000,
  "5m": 300_000,
  "15m": 900_000,
  "30m": 1_800_000,
  "1h": 3_600_000,
  "2h": 7_200_000,
  "4h": 14_400_000,
  "6h": 21_600_000,
  "8h": 28_800_000,
  "12h": 43_200_000,
  "1d": 86_400_000,
  "3d": 259_200_000,
  "1w": 604_800_000,
  /** Calendar months: the length here is only a nominal 30 days (buckets use the calendar, see bucketStart). */
  "1M": 2_592_000_000,
};

/** 1970-01-05 was a Monday: Binance's weekly candles open on Mondays 00:00 UTC. */
const FIRST_MONDAY = 4 * 86_400_000;

/** Open time of the interval's bucket holding `t`: epoch multiples, weeks from Monday, calendar months. */
export function bucketStart(t: number, interval: string): number {
  if (interval === "1M") {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = INTERVAL_MS[interval];
  if (interval === "1w") return Math.floor((t - FIRST_MONDAY) / ms) * ms + FIRST_MONDAY;
  return Math.floor(t / ms) * ms;
}

/** Open time of the bucket after (n = 1) or before (n = -1) the bucket opening at `start`. */
export function bucketShift(start: number, interval: string, n: number): number {
  if (interval === "1M") {
    const d = new Date(start);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  }
  return start + n * INTERVAL_MS[interval];
}

export interface MinuteBar {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  takerBuyBase: number;
  takerBuyQuote: number;
  trades: number;
  /** -1 when the minute had no trade. */
  firstTradeId: number;
  lastTradeId: number;
}

export interface KlineBar extends MinuteBar {
  interval: string;
  closeTime: number;
  closed: boolean;
}

const FIELDS = ["open", "high", "low", "close", "volume", "quoteVolume", "takerBuyBase", "takerBuyQuote", "trades", "firstTradeId", "lastTradeId"] as const;
type Field = (typeof FIELDS)[number];

export class MinuteSeries {
  private readonly columns: Record<Field, Float64Array>;
  private capacity = 0;
  private length = 0;
  /** Open time of the first retained minute. */
  private firstOpenTime: number;

  constructor(firstOpenTime: number, initialCapacity = 4096) {
    if (firstOpenTime % MINUTE_MS !== 0) throw new RangeError("series must start on a minute boundary");
    this.firstOpenTime = firstOpenTime;
    this.columns = {} as Record<Field, Float64Array>;
    this.grow(initialCapacity);
  }

  private grow(capacity: number): void {
    for (const field of FIELDS) {
      const next = new Float64Array(capacity);
      if (this.columns[field]) next.set(this.columns[field].subarray(0, this.length));
      this.columns[field] = next;
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.length;
  }

  get startTime(): number {
    return this.firstOpenTime;
  }

  /** Open time the next appended minute must have. */
  get nextOpenTime(): number {
    return this.firstOpenTime + this.length * MINUTE_MS;
  }

  append(bar: MinuteBar): void {
    if (bar.openTime !== this.nextOpenTime) {
      throw new RangeError(`minute ${bar.openTime} appended out of order (expected ${this.nextOpenTime})`);
    }
    if (this.length === this.capacity) this.grow(this.capacity * 2);
    for (const field of FIELDS) this.columns[field][this.length] = bar[field];
    this.length += 1;
  }

  /** The minute at `openTime`, or undefined when it is not stored. */
  at(openTime: number): MinuteBar | undefined {
    const index = (openTime - this.firstOpenTime) / MINUTE_MS;
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    return this.read(index);
  }

  private read(index: number): MinuteBar {
    const c = this.columns;
    return {
      openTime: this.firstOpenTime + index * MINUTE_MS,
      open: c.open[index],
      high: c.high[index],
      low: c.low[index],
      close: c.close[index],
      volume: c.volume[index],
      quoteVolume: c.quoteVolume[index],
      takerBuyBase: c.takerBuyBase[index],
      takerBuyQuote: c.takerBuyQuote[index],
      trades: c.trades[index],
      firstTradeId: c.firstTradeId[index],
      lastTradeId: c.lastTradeId[index],
    };
  }

  /** Fold the stored minutes in [from, to) into `acc`; returns false if none was stored. */
  foldRange(from: number, to: number, acc: MinuteBar | null): MinuteBar | null {
    const start = Math.max(0, Math.ceil((from - this.firstOpenTime) / MINUTE_MS));
    const end = Math.min(this.length, Math.ceil((to - this.firstOpenTime) / MINUTE_MS));
    const c = this.columns;
    for (let i = start; i < end; i++) {
      if (acc === null) {
        acc = this.read(i);
        continue;
      }
      if (c.high[i] > acc.high) acc.high = c.high[i];
      if (c.low[i] < acc.low) acc.low = c.low[i];
      acc.close = c.close[i];
      acc.volume += c.volume[i];
      acc.quoteVolume += c.quoteVolume[i];
      acc.takerBuyBase += c.takerBuyBase[i];
      acc.takerBuyQuote += c.takerBuyQuote[i];
      acc.trades += c.trades[i];
      if (c.firstTradeId[i] >= 0) {
        if (acc.firstTradeId < 0) acc.firstTradeId = c.firstTradeId[i];
        acc.lastTradeId = c.lastTradeId[i];
      }
    }
    return acc;
  }

  /** Drop the oldest minutes so that at most `keepMinutes` remain (done in chunks to stay cheap). */
  trim(keepMinutes: number): void {
    const excess = this.length - keepMinutes;
    if (excess < 1440) return;
    for (const field of FIELDS) this.columns[field].copyWithin(0, excess, this.length);
    this.length -= excess;
    this.firstOpenTime += excess * MINUTE_MS;
  }
}

export function mergeMinute(acc: MinuteBar | null, bar: MinuteBar): MinuteBar {
  if (acc === null) return { ...bar };
  acc.high = Math.max(acc.high, bar.high);
  acc.low = Math.min(acc.low, bar.low);
  acc.close = bar.close;
  acc.volume += bar.volume;
  acc.quoteVolume += bar.quoteVolume;
  acc.takerBuyBase += bar.takerBuyBase;
  acc.takerBuyQuote += bar.takerBuyQuote;
  acc.trades += bar.trades;
  if (bar.firstTradeId >= 0) {
    if (acc.firstTradeId < 0) acc.firstTradeId = bar.firstTradeId;
    acc.lastTradeId = bar.lastTradeId;
  }
  return acc;
}

export interface KlineQuery {
  interval: string;
  startTime?: number;
  endTime?: number;
  limit: number;
  /** Simulated time of the query (1s klines: the second holding it is the forming one); default: the last processed event. */
  now?: number;
}

/** Spot's intervals: the minute-based ones plus 1s (served from the per-second series, spot only). */
export function isSpotInterval(interval: string): boolean {
  return interval === "1s" || INTERVAL_MS[interval] !== undefined;
}

/**
 * Klines as Binance serves them: with startTime, the first `limit` candles opening at or after it;
 * otherwise the last `limit` candles opening at or before endTime (default: now, so the forming
 * candle comes last). Buckets are aligned to epoch multiples of the interval.
 */
export function queryKlines(series: MinuteSeries, forming: MinuteBar | null, query: KlineQuery): KlineBar[] {
  const intervalMs = INTERVAL_MS[query.interval];
  if (!intervalMs) throw new RangeError(`unsupported interval ${query.interval}`);
  const lastMinute = forming ? forming.openTime : series.nextOpenTime - MINUTE_MS;
  if (lastMinute < series.startTime) return [];
  const interval = query.interval;
  const firstBucket = bucketStart(series.startTime, interval);
  const lastBucket = bucketStart(lastMinute, interval);
  const back = (b: number, n: number) => {
    let x = b;
    for (let i = 0; i < n && x > firstBucket; i++) x = bucketShift(x, interval, -1);
    return Math.max(firstBucket, x);
  };
  const forward = (b: number, n: number) => {
    let x = b;
    for (let i = 0; i < n && x < lastBucket; i++) x = bucketShift(x, interval, 1);
    return Math.min(lastBucket, x);
  };
  let from: number;
  let to: number;
  if (query.startTime !== undefined) {
    const start = bucketStart(query.startTime, interval);
    from = Math.max(firstBucket, start < query.startTime ? bucketShift(start, interval, 1) : start);
    to = forward(from, query.limit - 1);
    if (query.endTime !== undefined) to = Math.min(to, bucketStart(query.endTime, interval));
  } else {
    to = lastBucket;
    if (query.endTime !== undefined) to = Math.min(to, bucketStart(query.endTime, interval));
    from = back(to, query.limit - 1);
  }
  const bars: KlineBar[] = [];
  for (let bucket = from; bucket <= to; bucket = bucketShift(bucket, interval, 1)) {
    const end = bucketShift(bucket, interval, 1);
    let acc = series.foldRange(bucket, end, null);
    const formingInBucket = forming !== null && forming.openTime >= bucket && forming.openTime < end;
    if (formingInBucket) acc = mergeMinute(acc, forming);
    if (acc === null) continue;
    bars.push({
      ...acc,
      openTime: bucket,
      interval,
      closeTime: end - 1,
      closed: !formingInBucket && end <= lastMinute + MINUTE_MS,
    });
  }
  return bars;
}
