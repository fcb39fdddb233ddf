import { DRIFT_LIMIT, checkPeriod, rejectInput, type Indicator } from "./types";

/** Simple moving average (TA-Lib SMA): mean of the last `period` inputs; first value after `period` inputs. */
export class Sma implements Indicator<number, number> {
  readonly name: string;
  readonly warmup: number;
  private readonly window: Float64Array;
  private head = 0;
  private filled = 0;
  private sum = 0;
  /** Magnitudes added to and removed from `sum` since it was last recomputed (bounds its rounding error). */
  private flowed = 0;
  private sinceResum = 0;
  private current = 0;
  private consumed = 0;

  constructor(readonly period: number) {
    this.name = `SMA(${period})`;
    checkPeriod(this.name, "period", period);
    this.warmup = period;
    this.window = new Float64Array(period);
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
      this.sum += x;
      this.flowed += Math.abs(x);
      if (this.filled < n) return undefined;
    } else {
      const i = this.head;
      const old = this.window[i];
      this.sum += x - old;
      this.flowed += Math.abs(x) + Math.abs(old);
      this.window[i] = x;
      this.head = i + 1 === n ? 0 : i + 1;
      if (++this.sinceResum >= n && this.flowed > DRIFT_LIMIT * Math.abs(this.sum)) this.resum();
    }
    this.current = this.sum / n;
    return this.current;
  }

  reset(): void {
    this.window.fill(0);
    this.head = 0;
    this.filled = 0;
    this.sum = 0;
    this.flowed = 0;
    this.sinceResum = 0;
    this.current = 0;
    this.consumed = 0;
  }

  private resum(): void {
    let s = 0;
    let magnitude = 0;
    for (let i = 0; i < this.period; i++) {
      s += this.window[i];
      magnitude += Math.abs(this.window[i]);
    }
    this.sum = s;
    this.flowed = magnitude;
    this.sinceResum = 0;
  }
}
