import { DRIFT_LIMIT, checkPeriod, rejectInput, type Indicator } from "./types";

/**
 * Linearly weighted moving average (TA-Lib WMA): the newest input weighs `period`, the oldest 1,
 * divided by period * (period + 1) / 2. Kept as a running weighted sum and a running plain sum.
 */
export class Wma implements Indicator<number, number> {
  readonly name: string;
  readonly warmup: number;
  private readonly window: Float64Array;
  private readonly divider: number;
  private head = 0;
  private filled = 0;
  /** Σ x over the window. */
  private plainSum = 0;
  /** Σ weight·x over the window, newest weight = period. */
  private weightedSum = 0;
  /** Magnitudes that have flowed through the sums since they were last recomputed. */
  private flowed = 0;
  private sinceResum = 0;
  private current = 0;
  private consumed = 0;

  constructor(readonly period: number) {
    this.name = `WMA(${period})`;
    checkPeriod(this.name, "period", period);
    this.warmup = period;
    this.window = new Float64Array(period);
    this.divider = (period * (period + 1)) / 2;
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.filled === this.period;
  }
  get value(): number | undefined {
    return this.filled === this.period ? this.current : undefined;
  }

  update(x: number): number | undefined {
    if (!Number.isFinite(x)) rejectInput(this.name, "value", x);
    const n = this.period;
    this.consumed++;
    if (this.filled < n) {
      this.window[this.filled++] = x;
      this.plainSum += x;
      this.weightedSum += x * this.filled;
      this.flowed += Math.abs(x);
      if (this.filled < n) return undefined;
    } else {
      const i = this.head;
      // Every old value loses one unit of weight, the oldest drops out and x enters with weight n.
      const old = this.window[i];
      this.weightedSum += n * x - this.plainSum;
      this.plainSum += x - old;
      this.flowed += Math.abs(x) + Math.abs(old);
      this.window[i] = x;
      this.head = i + 1 === n ? 0 : i + 1;
      if (++this.sinceResum >= n && this.flowed > DRIFT_LIMIT * Math.abs(this.plainSum)) this.resum();
    }
    this.current = this.weightedSum / this.divider;
    return this.current;
  }

  reset(): void {
    this.window.fill(0);
    this.head = 0;
    this.filled = 0;
    this.plainSum = 0;
    this.weightedSum = 0;
    this.flowed = 0;
    this.sinceResum = 0;
    this.current = 0;
    this.consumed = 0;
  }

  private resum(): void {
    let plain = 0;
    let weighted = 0;
    let magnitude = 0;
    const n = this.period;
    for (let j = 0; j < n; j++) {
      const v = this.window[(this.head + j) % n]; // oldest first
      plain += v;
      weighted += v * (j + 1);
      magnitude += Math.abs(v);
    }
    this.plainSum = plain;
    this.weightedSum = weighted;
    this.flowed = magnitude;
    this.sinceResum = 0;
  }
}
