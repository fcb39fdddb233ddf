import { checkPeriod, rejectInput, settlingInputs, type Indicator } from "./types";

/**
 * Exponential moving average, TA-Lib default compatibility: k = 2 / (period + 1), seeded with the SMA of
 * the first `period` inputs (first value after `period` inputs), then ema = (x - ema) * k + ema.
 */
export class Ema implements Indicator<number, number> {
  readonly name: string;
  readonly warmup: number;
  readonly k: number;
  private consumed = 0;
  private seedSum = 0;
  private current = 0;

  constructor(readonly period: number) {
    this.name = `EMA(${period})`;
    checkPeriod(this.name, "period", period);
    this.warmup = period;
    this.k = 2 / (period + 1);
  }

  /** Inputs after which an EMA(period) no longer depends on where it started (see SETTLING_TOLERANCE). */
  static settlingCandles(period: number, tolerance?: number): number {
    return period === 1 ? 1 : settlingInputs(period, 1 - 2 / (period + 1), tolerance);
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.consumed >= this.period;
  }
  get value(): number | undefined {
    return this.consumed >= this.period ? this.current : undefined;
  }

  update(x: number): number | undefined {
    if (!Number.isFinite(x)) rejectInput(this.name, "value", x);
    if (this.consumed >= this.period) {
      this.consumed++;
      this.current = (x - this.current) * this.k + this.current;
      return this.current;
    }
    this.consumed++;
    this.seedSum += x;
    if (this.consumed < this.period) return undefined;
    this.current = this.seedSum / this.period;
    return this.current;
  }

  reset(): void {
    this.consumed = 0;
    this.seedSum = 0;
    this.current = 0;
  }
}
