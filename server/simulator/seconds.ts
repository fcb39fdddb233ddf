import type { KlineBar } from "./candles";

/**
 * Binance's 1s klines for one symbol, built from the same events as the 1-minute candle: every
 * sub-step price of the price model (at its second: 0, 5, … 55 of each minute) sets the second's
 * open/high/low/close, and every print on the tape (synthetic flow and the user's fills) adds to
 * its second's volume, quote volume, taker-buy volume and trade count. A second without a price
 * point is flat at the previous close (volume 0 unless a user fill printed in it), as Binance's 1s
 * klines are for seconds without a trade. So the 60 seconds of a minute aggregate exactly to its
 * 1m bar: open first, close last, high and low touched, volumes summed.
 *
 * Kept: the last `retainMs` of seconds (default 6 h) and, at start-up, the last 90 minutes of the
 * generated history (what the simulator also keeps of the trade tape).
 */

interface Bucket {
  openTime: number;
  /** NaN until a price point lands in the second. */
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  takerBuyBase: number;
  takerBuyQuote: number;
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
}

export const SECOND_MS = 1_000;
export const DEFAULT_SECOND_RETAIN_MS = 6 * 3_600_000;

export class SecondSeries {
  /** Buckets in time order (only seconds with a price point or a trade). */
  private readonly buckets: Bucket[] = [];
  private head = 0;

  constructor(private readonly retainMs = DEFAULT_SECOND_RETAIN_MS) {}

  private bucket(t: number): Bucket {
    const openTime = Math.floor(t / SECOND_MS) * SECOND_MS;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.openTime === openTime) return last;
    if (last && last.openTime > openTime) {
      // Events arrive in time order; an older one (never expected) joins the latest bucket at or before it.
      for (let i = this.buckets.length - 1; i >= this.head; i--) if (this.buckets[i].openTime <= openTime) return this.buckets[i];
    }
    const b: Bucket = { openTime, open: NaN, high: NaN, low: NaN, close: NaN, volume: 0, quoteVolume: 0, takerBuyBase: 0, takerBuyQuote: 0, trades: 0, firstTradeId: -1, lastTradeId: -1 };
    this.buckets.push(b);
    return b;
  }

  /** A price of the model's path at time t (a sub-step). */
  pricePoint(t: number, price: number): void {
    const b = this.bucket(t);
    if (Number.isNaN(b.open)) {
      b.open = b.high = b.low = b.close = price;
      return;
    }
    if (price > b.high) b.high = price;
    if (price < b.low) b.low = price;
    b.close = price;
  }

  /** A print on the tape at time t. */
  trade(t: number, id: number, price: number, qty: number, quoteQty: number, isBuyerMaker: boolean): void {
    const b = this.bucket(t);
    b.volume += qty;
    b.quoteVolume += quoteQty;
    if (!isBuyerMaker) {
      b.takerBuyBase += qty;
      b.takerBuyQuote += quoteQty;
    }
    b.trades += 1;
    if (b.firstTradeId < 0) b.firstTradeId = id;
    b.lastTradeId = id;
    void price;
  }

  /** Drop seconds older than the retention (cheap: done in chunks). */
  trim(now: number): void {
    const from = now - this.retainMs;
    while (this.head < this.buckets.length && this.buckets[this.head].openTime < from) this.head += 1;
    if (this.head > 4096) {
      this.buckets.splice(0, this.head);
      this.head = 0;
    }
  }

  /** First second served: the first retained second with a price (its close carries forward). */
  private firstIndex(): number {
    for (let i = this.head; i < this.buckets.length; i++) if (!Number.isNaN(this.buckets[i].open)) return i;
    return -1;
  }

  /**
   * Klines as Binance serves them (startTime: the first `limit` seconds from it; else the last
   * `limit` up to endTime or `now`). `now` is the simulated time: the second holding it is forming.
   */
  query(query: { startTime?: number; endTime?: number; limit: number }, now: number): KlineBar[] {
    const first = this.firstIndex();
    if (first < 0) return [];
    const firstSecond = this.buckets[first].openTime;
    const lastSecond = Math.max(Math.floor(now / SECOND_MS) * SECOND_MS, this.buckets[this.buckets.length - 1].openTime);
    let from: number;
    let to: number;
    if (query.startTime !== undefined) {
      from = Math.max(firstSecond, Math.ceil(query.startTime / SECOND_MS) * SECOND_MS);
      to = Math.min(lastSecond, from + (query.limit - 1) * SECOND_MS);
      if (query.endTime !== undefined) to = Math.min(to, Math.floor(query.endTime / SECOND_MS) * SECOND_MS);
    } else {
      to = lastSecond;
      if (query.endTime !== undefined) to = Math.min(to, Math.floor(query.endTime / SECOND_MS) * SECOND_MS);
      from = Math.max(firstSecond, to - (query.limit - 1) * SECOND_MS);
    }
    if (to < from) return [];
    // Close carried into `from`: the last price at or before the second before it.
    let i = first;
    let close = this.buckets[first].open;
    while (i < this.buckets.length && this.buckets[i].openTime < from) {
      if (!Number.isNaN(this.buckets[i].close)) close = this.buckets[i].close;
      i += 1;
    }
    const bars: KlineBar[] = [];
    for (let t = from; t <= to; t += SECOND_MS) {
      const b = i < this.buckets.length && this.buckets[i].openTime === t ? this.buckets[i++] : null;
      const priced = b !== null && !Number.isNaN(b.open);
      const open = priced ? b.open : close;
      const bar: KlineBar = {
        openTime: t,
        open,
        high: priced ? b.high : close,
        low: priced ? b.low : close,
        close: priced ? b.close : close,
        volume: b?.volume ?? 0,
        quoteVolume: b?.quoteVolume ?? 0,
        takerBuyBase: b?.takerBuyBase ?? 0,
        takerBuyQuote: b?.takerBuyQuote ?? 0,
        trades: b?.trades ?? 0,
        firstTradeId: b?.firstTradeId ?? -1,
        lastTradeId: b?.lastTradeId ?? -1,
        interval: "1s",
        closeTime: t + SECOND_MS - 1,
        closed: t + SECOND_MS <= now,
      };
      close = bar.close;
      bars.push(bar);
    }
    return bars;
  }
}
