import { Adx, Atr, BollingerBands, Ema, Macd, Rsi } from "../indicators";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";

/**
 * The feature set of the ML signal and the readings behind regime and consensus, computed
 * incrementally (O(1) per closed candle, apart from the on-demand volatility percentile) from the
 * shared indicators. Training, the live insights and the ml_signal strategy all run this one class,
 * so a model sees exactly the numbers it was trained on.
 */

/** Bumped whenever a feature's definition changes: a stored model only applies to its own version. */
export const FEATURE_SET_VERSION = 1;

export const FEATURE_NAMES = [
  "ret_1_pct",
  "ret_5_pct",
  "ret_20_pct",
  "volatility_20_pct",
  "atr_pct",
  "rsi_14",
  "macd_hist_pct",
  "bb_percent_b",
  "bb_width",
  "adx_14",
  "di_spread",
  "volume_z_20",
  "ema_spread_pct",
  "dist_ema21_pct",
  "dist_ema50_pct",
  "htf_trend_pct",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** What each feature is, for the UI and for the reference tests. */
export const FEATURE_DESCRIPTIONS: Record<FeatureName, string> = {
  ret_1_pct: "log return of the last candle, 100·ln(close / previous close)",
  ret_5_pct: "log return over 5 candles, 100·ln(close / close 5 candles ago)",
  ret_20_pct: "log return over 20 candles, 100·ln(close / close 20 candles ago)",
  volatility_20_pct: "population standard deviation of the last 20 one-candle log returns (in %)",
  atr_pct: "ATR(14) as a percentage of the close",
  rsi_14: "RSI(14), Wilder; 50 when the window had no price movement at all",
  macd_hist_pct: "MACD(12,26,9) histogram as a percentage of the close",
  bb_percent_b: "Bollinger(20,2) %B: (close - lower) / (upper - lower)",
  bb_width: "Bollinger(20,2) bandwidth: (upper - lower) / middle",
  adx_14: "ADX(14)",
  di_spread: "+DI(14) minus -DI(14)",
  volume_z_20: "(volume - mean) / population std of the last 20 volumes (current included); 0 when volume did not vary",
  ema_spread_pct: "100·(EMA9 / EMA21 - 1)",
  dist_ema21_pct: "100·(close / EMA21 - 1)",
  dist_ema50_pct: "100·(close / EMA50 - 1)",
  htf_trend_pct: "100·(EMA9 / EMA21 - 1) of the closes of completed higher-timeframe candles (see HIGHER_TIMEFRAME)",
};

/**
 * The higher timeframe of each timeframe, as a multiple of it. Its candles are aggregated from the
 * base candles by open time (bucket = floor(openTime / (factor · period))); a bucket counts once its
 * last base candle closed (or a later bucket started, when that candle is missing), so the trend only
 * uses completed higher-timeframe candles. Small factors keep the warm-up short.
 */
export const HIGHER_TIMEFRAME: Record<Timeframe, { label: string; factor: number }> = {
  "1m": { label: "5m", factor: 5 },
  "5m": { label: "15m", factor: 3 },
  "15m": { label: "1h", factor: 4 },
  "1h": { label: "4h", factor: 4 },
  "4h": { label: "1d", factor: 6 },
  "1d": { label: "1w", factor: 7 },
};

const RETURN_HORIZONS = [1, 5, 20] as const;
const LONGEST_RETURN = 20;
const EMA_SLOPE_LOOKBACK = 10;
/** Candles of volatility history the regime's percentile is ranked against. */
export const VOLATILITY_RANK_WINDOW = 200;
/** Fewer than this many volatility readings: no percentile (a rank of a handful of values says little). */
const MIN_VOLATILITY_HISTORY = 50;
/**
 * Recursive indicators depend a little on where they started. The features are standardised before
 * the model sees them, so a seed error below 0.1 % is invisible; this is the tolerance used to size
 * the ml_signal strategy's warm-up.
 */
export const FEATURE_SETTLING_TOLERANCE = 1e-3;

/** Closed candles before the first feature vector (everything, including the higher-timeframe trend, has a value). */
export function featureReadyCandles(timeframe: Timeframe): number {
  const { factor } = HIGHER_TIMEFRAME[timeframe];
  // 21 completed higher-timeframe candles, plus up to one partial bucket at the start.
  return Math.max(50, 34, 28, LONGEST_RETURN + 1, 21 * factor + factor);
}

/** Closed candles after which the features no longer depend on where the history started (to FEATURE_SETTLING_TOLERANCE). */
export function featureSettlingCandles(timeframe: Timeframe): number {
  const { factor } = HIGHER_TIMEFRAME[timeframe];
  const tol = FEATURE_SETTLING_TOLERANCE;
  return Math.max(
    Ema.settlingCandles(50, tol),
    Ema.settlingCandles(26, tol) + Ema.settlingCandles(9, tol), // MACD line, then its signal EMA
    Rsi.settlingCandles(14, tol),
    2 * Atr.settlingCandles(14, tol), // ADX Wilder-smooths the Wilder-smoothed directional movement again
    (Ema.settlingCandles(21, tol) + 1) * factor,
  );
}

/** A candle the feature engine refuses; its state is unchanged when this is thrown. */
export class FeatureInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "FeatureInputError";
  }
}

/** The indicator readings behind regime and consensus, for the latest candle. */
export interface FeatureReadings {
  openTime: number;
  close: number;
  /** Last one-candle log return in %. */
  lastReturnPct: number;
  rsi: number;
  macd: { macd: number; signal: number; histogram: number };
  bollinger: { upper: number; middle: number; lower: number; percentB: number; bandwidth: number };
  adx: { adx: number; plusDI: number; minusDI: number };
  atr: number;
  atrPct: number;
  ema9: number;
  ema21: number;
  ema50: number;
  /** 100·(EMA50 now / EMA50 ten candles ago - 1); undefined until there are eleven EMA50 values. */
  ema50SlopePct: number | undefined;
  volatilityPct: number;
  /** Share (0..100) of the last VOLATILITY_RANK_WINDOW volatility readings at or below the current one. */
  volatilityPercentile: number | undefined;
  volumeZ: number;
  htfTrendPct: number;
  higherTimeframe: string;
}

function ratioPct(a: number, b: number): number {
  return b === 0 ? 0 : 100 * (a / b - 1);
}

/** Incremental feature computation for one symbol and timeframe. */
export class FeatureEngine {
  /** Current feature vector (reused: copy it to keep it). Valid while `ready`. */
  readonly vector = new Float64Array(FEATURE_COUNT);
  private readonly tfMs: number;
  private readonly htfBucketMs: number;
  private readonly closes = new Float64Array(LONGEST_RETURN + 1);
  private closeCount = 0;
  private readonly returnBands = new BollingerBands(20, 2);
  private readonly atr = new Atr(14);
  private readonly rsi = new Rsi(14);
  private readonly macd = new Macd(12, 26, 9);
  private readonly bands = new BollingerBands(20, 2);
  private readonly adx = new Adx(14);
  private readonly volumeBands = new BollingerBands(20, 2);
  private readonly ema9 = new Ema(9);
  private readonly ema21 = new Ema(21);
  private readonly ema50 = new Ema(50);
  private readonly ema50History = new Float64Array(EMA_SLOPE_LOOKBACK + 1);
  private ema50Count = 0;
  private readonly volatilityHistory = new Float64Array(VOLATILITY_RANK_WINDOW);
  private volatilityCount = 0;
  private readonly htfEma9 = new Ema(9);
  private readonly htfEma21 = new Ema(21);
  private htfBucket = Number.NaN;
  private htfPendingClose = 0;
  private htfPending = false;
  private lastOpenTime = Number.NEGATIVE_INFINITY;
  private lastReturn = 0;
  private isReadyNow = false;
  private consumed = 0;

  constructor(readonly timeframe: Timeframe) {
    if (!(timeframe in TIMEFRAME_MS)) throw new FeatureInputError(`unknown timeframe ${String(timeframe)}`);
    this.tfMs = TIMEFRAME_MS[timeframe];
    this.htfBucketMs = this.tfMs * HIGHER_TIMEFRAME[timeframe].factor;
  }

  /** True once every feature has a value (it stays true). */
  get ready(): boolean {
    return this.isReadyNow;
  }

  /** Candles accepted so far. */
  get count(): number {
    return this.consumed;
  }

  /** Open time of the last candle accepted (-Infinity before the first). */
  get lastCandleTime(): number {
    return this.lastOpenTime;
  }

  /**
   * Consume one closed candle. Returns false (and changes nothing) for a candle at or before the last
   * one accepted, so overlapping history is harmless; throws FeatureInputError for a malformed candle.
   */
  update(candle: Candle): boolean {
    const { openTime, high, low, close, volume } = candle;
    if (!Number.isFinite(openTime)) throw new FeatureInputError(`candle open time must be a finite number (got ${String(openTime)})`);
    if (openTime <= this.lastOpenTime) return false;
    if (candle.timeframe !== this.timeframe) {
      throw new FeatureInputError(`a ${this.timeframe} feature engine got a ${String(candle.timeframe)} candle`);
    }
    if (!(Number.isFinite(high) && Number.isFinite(low) && Number.isFinite(close) && close > 0 && low > 0 && high >= low)) {
      throw new FeatureInputError(`${candle.symbol} ${candle.timeframe} candle at ${openTime} is malformed (high ${high}, low ${low}, close ${close})`);
    }
    if (!(Number.isFinite(volume) && volume >= 0)) {
      throw new FeatureInputError(`${candle.symbol} ${candle.timeframe} candle at ${openTime} has an invalid volume ${String(volume)}`);
    }
    this.lastOpenTime = openTime;
    this.consumed++;

    const previousClose = this.closeCount > 0 ? this.closes[(this.closeCount - 1) % this.closes.length] : undefined;
    if (previousClose !== undefined) {
      this.lastReturn = 100 * Math.log(close / previousClose);
      this.returnBands.update(this.lastReturn);
    }
    this.closes[this.closeCount % this.closes.length] = close;
    this.closeCount++;

    this.atr.update(candle);
    this.rsi.update(close);
    this.macd.update(close);
    this.bands.update(close);
    this.adx.update(candle);
    this.volumeBands.update(volume);
    this.ema9.update(close);
    this.ema21.update(close);
    const ema50 = this.ema50.update(close);
    if (ema50 !== undefined) this.ema50History[this.ema50Count++ % this.ema50History.length] = ema50;
    const volatility = this.returnBands.value?.stdDev;
    if (volatility !== undefined) this.volatilityHistory[this.volatilityCount++ % VOLATILITY_RANK_WINDOW] = volatility;
    this.updateHigherTimeframe(openTime, close);

    this.isReadyNow =
      this.closeCount > LONGEST_RETURN &&
      this.returnBands.isReady &&
      this.atr.isReady &&
      this.rsi.isReady &&
      this.macd.isReady &&
      this.bands.isReady &&
      this.adx.isReady &&
      this.volumeBands.isReady &&
      this.ema50.isReady &&
      this.htfEma21.isReady;
    if (this.isReadyNow) this.fillVector(close, volume);
    return true;
  }

  private updateHigherTimeframe(openTime: number, close: number): void {
    const bucket = Math.floor(openTime / this.htfBucketMs);
    // The last base candle of the previous bucket never came: that bucket is complete now.
    if (bucket !== this.htfBucket && this.htfPending) this.completeHigherTimeframe();
    this.htfBucket = bucket;
    this.htfPendingClose = close;
    this.htfPending = true;
    if (openTime + this.tfMs >= (bucket + 1) * this.htfBucketMs) this.completeHigherTimeframe();
  }

  private completeHigherTimeframe(): void {
    this.htfEma9.update(this.htfPendingClose);
    this.htfEma21.update(this.htfPendingClose);
    this.htfPending = false;
  }

  private closeAgo(k: number): number {
    return this.closes[(this.closeCount - 1 - k) % this.closes.length];
  }

  private fillVector(close: number, latestVolume: number): void {
    const v = this.vector;
    const bands = this.bands.value!;
    const adx = this.adx.value!;
    const volume = this.volumeBands.value!;
    const ema9 = this.ema9.value!;
    const ema21 = this.ema21.value!;
    const ema50 = this.ema50.value!;
    v[0] = 100 * Math.log(close / this.closeAgo(RETURN_HORIZONS[0]));
    v[1] = 100 * Math.log(close / this.closeAgo(RETURN_HORIZONS[1]));
    v[2] = 100 * Math.log(close / this.closeAgo(RETURN_HORIZONS[2]));
    v[3] = this.returnBands.value!.stdDev;
    v[4] = (100 * this.atr.value!) / close;
    v[5] = this.rsiReading();
    v[6] = (100 * this.macd.value!.histogram) / close;
    v[7] = bands.percentB;
    v[8] = bands.bandwidth;
    v[9] = adx.adx;
    v[10] = adx.plusDI - adx.minusDI;
    v[11] = volume.stdDev > 0 ? (latestVolume - volume.middle) / volume.stdDev : 0;
    v[12] = ratioPct(ema9, ema21);
    v[13] = ratioPct(close, ema21);
    v[14] = ratioPct(close, ema50);
    v[15] = ratioPct(this.htfEma9.value!, this.htfEma21.value!);
  }

  /** TA-Lib reports 0 for a window without movement; for a feature and a reading that is neutral, 50. */
  private rsiReading(): number {
    return this.rsi.averageGain === 0 && this.rsi.averageLoss === 0 ? 50 : this.rsi.value!;
  }

  /** The feature values by name (a copy); undefined before the engine is ready. */
  named(): Record<FeatureName, number> | undefined {
    if (!this.isReadyNow) return undefined;
    return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, this.vector[i]])) as Record<FeatureName, number>;
  }

  /** The readings behind regime and consensus (a fresh object); undefined before the engine is ready. */
  readings(): FeatureReadings | undefined {
    if (!this.isReadyNow) return undefined;
    const close = this.closeAgo(0);
    const m = this.macd.value!;
    const b = this.bands.value!;
    const a = this.adx.value!;
    const atr = this.atr.value!;
    let slope: number | undefined;
    if (this.ema50Count > EMA_SLOPE_LOOKBACK) {
      const size = this.ema50History.length;
      const now = this.ema50History[(this.ema50Count - 1) % size];
      const then = this.ema50History[(this.ema50Count - 1 - EMA_SLOPE_LOOKBACK) % size];
      slope = ratioPct(now, then);
    }
    return {
      openTime: this.lastOpenTime,
      close,
      lastReturnPct: this.lastReturn,
      rsi: this.vector[5],
      macd: { macd: m.macd, signal: m.signal, histogram: m.histogram },
      bollinger: { upper: b.upper, middle: b.middle, lower: b.lower, percentB: b.percentB, bandwidth: b.bandwidth },
      adx: { adx: a.adx, plusDI: a.plusDI, minusDI: a.minusDI },
      atr,
      atrPct: this.vector[4],
      ema9: this.ema9.value!,
      ema21: this.ema21.value!,
      ema50: this.ema50.value!,
      ema50SlopePct: slope,
      volatilityPct: this.vector[3],
      volatilityPercentile: this.volatilityPercentile(),
      volumeZ: this.vector[11],
      htfTrendPct: this.vector[15],
      higherTimeframe: HIGHER_TIMEFRAME[this.timeframe].label,
    };
  }

  /** Percentile rank of the current volatility among the last VOLATILITY_RANK_WINDOW readings (O(window)). */
  volatilityPercentile(): number | undefined {
    const n = Math.min(this.volatilityCount, VOLATILITY_RANK_WINDOW);
    if (n < MIN_VOLATILITY_HISTORY) return undefined;
    const current = this.volatilityHistory[(this.volatilityCount - 1) % VOLATILITY_RANK_WINDOW];
    let atOrBelow = 0;
    for (let i = 0; i < n; i++) if (this.volatilityHistory[i] <= current) atOrBelow++;
    return (100 * atOrBelow) / n;
  }
}
