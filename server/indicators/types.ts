/**
 * Shared contract of the incremental indicators.
 *
 * Conventions (every indicator follows them):
 * - `update(input)` consumes one new observation in O(1) and returns the current value, or `undefined`
 *   while the indicator is warming up. `value` returns the same thing without consuming input.
 * - `warmup` is the number of inputs needed before the first value (TA-Lib's lookback + 1);
 *   `isReady` turns true exactly when `count === warmup` and stays true.
 * - Non-finite input (NaN, ±Infinity, non-number) throws IndicatorInputError BEFORE any state changes,
 *   so a bad price is reported and the indicator carries on as if it never arrived.
 * - Multi-output indicators (MACD, Bollinger, ADX, Stochastic) return an object the indicator owns and
 *   overwrites on the next update (no allocation per update). Copy the fields if you need to keep them.
 */
export interface Indicator<TInput, TOutput> {
  /** Human-readable name with its parameters, e.g. "EMA(21)"; used in error messages and reasons. */
  readonly name: string;
  /** Inputs needed before the first value. */
  readonly warmup: number;
  /** Inputs consumed so far. */
  readonly count: number;
  readonly isReady: boolean;
  readonly value: TOutput | undefined;
  update(input: TInput): TOutput | undefined;
  /** Forget everything, as if freshly constructed. */
  reset(): void;
}

export interface HighLowClose {
  high: number;
  low: number;
  close: number;
}

export interface CloseVolume {
  close: number;
  volume: number;
}

export interface TimedBar extends HighLowClose {
  /** Candle open time, epoch ms (UTC). */
  openTime: number;
  volume: number;
}

/** Thrown for input an indicator cannot use; the indicator's state is unchanged when it is thrown. */
export class IndicatorInputError extends RangeError {
  constructor(
    readonly indicator: string,
    readonly field: string,
    readonly received: unknown,
    detail = "must be a finite number",
  ) {
    super(`${indicator}: ${field} ${detail} (got ${String(received)}); the input was rejected and the indicator state is unchanged`);
    this.name = "IndicatorInputError";
  }
}

/** Kept out of line so the hot path stays small; only called when a check has already failed. */
export function rejectInput(indicator: string, field: string, received: unknown, detail?: string): never {
  throw new IndicatorInputError(indicator, field, received, detail);
}

/** Validates a bar's high/low/close together, so nothing is mutated when any of them is bad. */
export function checkHighLowClose(indicator: string, bar: HighLowClose): void {
  const { high, low, close } = bar;
  if (!Number.isFinite(high)) rejectInput(indicator, "high", high);
  if (!Number.isFinite(low)) rejectInput(indicator, "low", low);
  if (!Number.isFinite(close)) rejectInput(indicator, "close", close);
  if (high < low) rejectInput(indicator, "high", high, `must not be below low ${low}`);
}

export function checkVolume(indicator: string, volume: number): void {
  if (!Number.isFinite(volume) || volume < 0) rejectInput(indicator, "volume", volume, "must be a finite number >= 0");
}

export function checkPeriod(indicator: string, label: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min || value > 100_000) {
    throw new RangeError(`${indicator}: ${label} must be an integer from ${min} to 100000 (got ${String(value)})`);
  }
}

/**
 * Windowed running sums are recomputed exactly from the window once the magnitudes that have flowed
 * through them since the last recomputation exceed DRIFT_LIMIT times the quantity they must represent
 * (floating-point error is at most ~2^-52 of those magnitudes, so the relative error stays near 1e-13),
 * checked at most once per `period` updates so the cost stays amortised O(1). This keeps an average
 * exact after a 1000x volume spike or price collapse has passed through the window.
 */
export const DRIFT_LIMIT = 256;

/**
 * Recursive indicators (EMA, Wilder's RSI/ATR) never forget their seed; its weight in the value decays
 * by a constant factor per input. "Settled" = that weight is below this tolerance, so an instance
 * warmed from that much history agrees with one that has run for months (to ~1e-6 of the seed error).
 */
export const SETTLING_TOLERANCE = 1e-6;

/** Inputs until a recursion with the given per-input decay factor has settled, after `seedInputs`. */
export function settlingInputs(seedInputs: number, decay: number, tolerance = SETTLING_TOLERANCE): number {
  return seedInputs + Math.ceil(Math.log(tolerance) / Math.log(decay));
}
