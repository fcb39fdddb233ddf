import { DRIFT_LIMIT, checkPeriod, rejectInput, type Indicator } from "./types";

export interface BollingerValue {
  upper: number;
  /** SMA(period) */
  middle: number;
  lower: number;
  /** Population standard deviation of the window (before the multiplier). */
  stdDev: number;
  /** (close - lower) / (upper - lower); 0.5 when the bands have collapsed (a window without movement). */
  percentB: number;
  /** (upper - lower) / |middle|; 0 when the bands have collapsed. */
  bandwidth: number;
}

/**
 * Bollinger Bands as TA-Lib BBANDS with an SMA middle band: middle ± multiplier · population standard
 * deviation of the last `period` inputs. TA-Lib computes the variance as E[x²] - E[x]², which loses
 * digits at large prices; this keeps sums of deviations from a shift near the window mean (re-centred
 * and recomputed when accumulated rounding could matter, see DRIFT_LIMIT), so it matches the textbook
 * definition Σ(x - mean)² / n more closely.
 */
export class BollingerBands implements Indicator<number, BollingerValue> {
  readonly name: string;
  readonly warmup: number;
  private readonly window: Float64Array;
  private readonly result: BollingerValue = { upper: 0, middle: 0, lower: 0, stdDev: 0, percentB: 0, bandwidth: 0 };
  private head = 0;
  private filled = 0;
  private shift = 0;
  /** Σ (x - shift) over the window */
  private sum1 = 0;
  /** Σ (x - shift)² over the window */
  private sum2 = 0;
  /** Squared deviations that have flowed through sum2 since it was last recomputed. */
  private flowed = 0;
  private sinceResum = 0;
  private consumed = 0;

  constructor(
    readonly period = 20,
    readonly multiplier = 2,
  ) {
    this.name = `BB(${period},${multiplier})`;
    checkPeriod(this.name, "period", period, 2);
    if (!Number.isFinite(multiplier) || multiplier <= 0) {
      throw new RangeError(`${this.name}: multiplier must be a finite number > 0 (got ${String(multiplier)})`);
    }
    this.warmup = period;
    this.window = new Float64Array(period);
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.filled === this.period;
  }
  get value(): BollingerValue | undefined {
    return this.filled === this.period ? this.result : undefined;
  }

  update(x: number): BollingerValue | undefined {
    if (!Number.isFinite(x)) rejectInput(this.name, "value", x);
    const n = this.period;
    this.consumed++;
    if (this.filled === 0) this.shift = x;
    if (this.filled < n) {
      this.window[this.filled++] = x;
      const d = x - this.shift;
      this.sum1 += d;
      this.sum2 += d * d;
      if (this.filled < n) return undefined;
      this.resum();
    } else {
      const i = this.head;
      const dOut = this.window[i] - this.shift;
      const dIn = x - this.shift;
      this.sum1 += dIn - dOut;
      this.sum2 += dIn * dIn - dOut * dOut;
      this.flowed += dIn * dIn + dOut * dOut;
      this.window[i] = x;
      this.head = i + 1 === n ? 0 : i + 1;
      // Compared with n · variance: also re-centres once the price has trended away from the shift.
      if (++this.sinceResum >= n && this.flowed > DRIFT_LIMIT * (this.sum2 - (this.sum1 * this.sum1) / n)) this.resum();
    }
    const meanDeviation = this.sum1 / n;
    const variance = this.sum2 / n - meanDeviation * meanDeviation;
    const stdDev = variance > 0 ? Math.sqrt(variance) : 0;
    const middle = this.shift + meanDeviation;
    const width = this.multiplier * stdDev;
    const out = this.result;
    out.middle = middle;
    out.stdDev = stdDev;
    out.upper = middle + width;
    out.lower = middle - width;
    out.percentB = width > 0 ? (x - out.lower) / (out.upper - out.lower) : 0.5;
    out.bandwidth = width > 0 ? (out.upper - out.lower) / Math.abs(middle) : 0;
    return out;
  }

  reset(): void {
    this.window.fill(0);
    this.head = 0;
    this.filled = 0;
    this.shift = 0;
    this.sum1 = 0;
    this.sum2 = 0;
    this.flowed = 0;
    this.sinceResum = 0;
    this.consumed = 0;
  }

  /** Re-centre the shift on the current mean and recompute both sums exactly from the window. */
  private resum(): void {
    const n = this.period;
    let total = 0;
    for (let i = 0; i < n; i++) total += this.window[i];
    const shift = total / n;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const d = this.window[i] - shift;
      s1 += d;
      s2 += d * d;
    }
    this.shift = shift;
    this.sum1 = s1;
    this.sum2 = s2;
    this.flowed = s2;
    this.sinceResum = 0;
  }
}
