import { TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";
import { MINUTE_MS, periodStart } from "./timeframes";

/** Timeframes built from the 1m series. */
export const AGGREGATED_TIMEFRAMES: readonly Timeframe[] = ["5m", "15m", "1h", "4h", "1d"];

interface Bucket {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** The bucket began before the 1m series did: its open/high/low/volume would be wrong, so it is never emitted. */
  partial: boolean;
}

interface SymbolState {
  seriesStart?: number;
  lastMinute?: number;
  buckets: (Bucket | undefined)[];
}

export interface CandleAggregatorOptions {
  timeframes?: readonly Timeframe[];
  /** A higher-timeframe candle closed (its last minute closed, or a later minute arrived after a gap). */
  onClosed: (candle: Candle) => void;
  /** The in-progress higher-timeframe candle changed. */
  onUpdate?: (candle: Candle) => void;
}

/**
 * Incremental 1m → higher timeframe resampling on UTC boundaries: open of the first minute, max high,
 * min low, close of the last minute, summed volume. Feed it closed 1m candles in order with
 * `addClosed` and forming ones with `updateForming`.
 *
 * A bucket closes when its last minute closes, or, when minutes are missing at its end, as soon as a
 * minute of a later bucket closes (or `closeThrough` says the series has moved past it). A bucket whose
 * start precedes the series start (see `seed`) is incomplete and is never emitted.
 */
export class CandleAggregator {
  private readonly timeframes: readonly Timeframe[];
  private readonly symbols = new Map<string, SymbolState>();

  constructor(private readonly options: CandleAggregatorOptions) {
    this.timeframes = options.timeframes ?? AGGREGATED_TIMEFRAMES;
    for (const tf of this.timeframes) {
      if (tf === "1m") throw new RangeError("the aggregator builds timeframes above 1m");
    }
  }

  /** Declares that the 1m series of `symbol` is complete from `seriesStart` on (missing minutes after it are real gaps). */
  seed(symbol: string, seriesStart: number): void {
    const state = this.state(symbol);
    state.seriesStart = seriesStart;
  }

  /**
   * Folds a closed 1m candle in. Returns false (and changes nothing) when the candle is not after the
   * last one folded for its symbol: the caller guarantees order, this is only a guard.
   */
  addClosed(candle: Candle): boolean {
    const state = this.state(candle.symbol);
    if (state.lastMinute !== undefined && candle.openTime <= state.lastMinute) return false;
    state.lastMinute = candle.openTime;
    if (state.seriesStart === undefined) state.seriesStart = candle.openTime;
    for (let i = 0; i < this.timeframes.length; i++) {
      const tf = this.timeframes[i];
      const start = periodStart(candle.openTime, tf);
      let bucket = state.buckets[i];
      if (bucket !== undefined && bucket.openTime !== start) {
        this.emitClosed(candle.symbol, tf, bucket);
        bucket = undefined;
      }
      if (bucket === undefined) {
        bucket = {
          openTime: start,
          open: candle.open,
          high: candle.high,
          low: candle.low,
          close: candle.close,
          volume: candle.volume,
          partial: start < state.seriesStart,
        };
      } else {
        if (candle.high > bucket.high) bucket.high = candle.high;
        if (candle.low < bucket.low) bucket.low = candle.low;
        bucket.close = candle.close;
        bucket.volume += candle.volume;
      }
      if (candle.openTime + MINUTE_MS === start + TIMEFRAME_MS[tf]) {
        this.emitClosed(candle.symbol, tf, bucket);
        state.buckets[i] = undefined;
      } else {
        state.buckets[i] = bucket;
      }
    }
    return true;
  }

  /** Streams the in-progress higher-timeframe candles that include this forming 1m candle. */
  updateForming(candle: Candle): void {
    const onUpdate = this.options.onUpdate;
    if (!onUpdate) return;
    const state = this.symbols.get(candle.symbol);
    if (state?.lastMinute !== undefined && candle.openTime <= state.lastMinute) return;
    const seriesStart = state?.seriesStart ?? candle.openTime;
    for (let i = 0; i < this.timeframes.length; i++) {
      const tf = this.timeframes[i];
      const start = periodStart(candle.openTime, tf);
      if (start < seriesStart) continue;
      const bucket = state?.buckets[i];
      if (bucket !== undefined && bucket.openTime === start) {
        if (bucket.partial) continue;
        onUpdate({
          symbol: candle.symbol,
          timeframe: tf,
          openTime: start,
          open: bucket.open,
          high: candle.high > bucket.high ? candle.high : bucket.high,
          low: candle.low < bucket.low ? candle.low : bucket.low,
          close: candle.close,
          volume: bucket.volume + candle.volume,
          closed: false,
        });
      } else {
        onUpdate({ ...candle, timeframe: tf, openTime: start, closed: false });
      }
    }
  }

  /**
   * The 1m series of `symbol` is known to be final before `time` (for example a gap was confirmed
   * empty): closes every bucket that ends at or before it.
   */
  closeThrough(symbol: string, time: number): void {
    const state = this.symbols.get(symbol);
    if (!state) return;
    for (let i = 0; i < this.timeframes.length; i++) {
      const bucket = state.buckets[i];
      if (bucket !== undefined && bucket.openTime + TIMEFRAME_MS[this.timeframes[i]] <= time) {
        this.emitClosed(symbol, this.timeframes[i], bucket);
        state.buckets[i] = undefined;
      }
    }
  }

  /** The in-progress bucket of a timeframe built from closed minutes only (undefined if none or incomplete). */
  pending(symbol: string, timeframe: Timeframe): Candle | undefined {
    const i = this.timeframes.indexOf(timeframe);
    const bucket = i < 0 ? undefined : this.symbols.get(symbol)?.buckets[i];
    if (!bucket || bucket.partial) return undefined;
    return toCandle(symbol, timeframe, bucket, false);
  }

  private emitClosed(symbol: string, timeframe: Timeframe, bucket: Bucket): void {
    if (bucket.partial) return;
    this.options.onClosed(toCandle(symbol, timeframe, bucket, true));
  }

  private state(symbol: string): SymbolState {
    let state = this.symbols.get(symbol);
    if (!state) {
      state = { buckets: new Array(this.timeframes.length).fill(undefined) };
      this.symbols.set(symbol, state);
    }
    return state;
  }
}

function toCandle(symbol: string, timeframe: Timeframe, b: Bucket, closed: boolean): Candle {
  return {
    symbol,
    timeframe,
    openTime: b.openTime,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    closed,
  };
}
