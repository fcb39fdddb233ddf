import { checkPeriod, rejectInput, settlingInputs, type Indicator } from "./types";

/**
 * Relative strength index with Wilder smoothing, as TA-Lib RSI (default compatibility):
 * the first average gain/loss is the simple mean of the first `period` changes (so the first value
 * needs period + 1 inputs); after that avg = (avg * (period - 1) + change) / period.
 * RSI = 100 * avgGain / (avgGain + avgLoss); 0 when both averages are exactly zero (TA-Lib's choice for a
 * window without any movement). TA-Lib treats sums below 1e-8 as zero; this uses exact zero so that
 * tokens priced below a cent, whose moves are that small, still get a meaningful RSI.
 */
export class Rsi implements Indicator<number, number> {
  readonly name: string;
  readonly warmup: number;
  private consumed = 0;
  private previous = 0;
  private avgGain = 0;
  private avgLoss = 0;
  private current = 0;

  constructor(readonly period: number) {
    this.name = `RSI(${period})`;
    checkPeriod(this.name, "period", period, 2);
    this.warmup = period + 1;
  }

  /** Inputs after which an RSI(period) no longer depends on where it started (see SETTLING_TOLERANCE). */
  static settlingCandles(period: number, tolerance?: number): number {
    return settlingInputs(period + 1, 1 - 1 / period, tolerance);
  }

  /** Wilder-smoothed average gain (0 until ready). */
  get averageGain(): number {
    return this.consumed > this.period ? this.avgGain : 0;
  }
  /** Wilder-smoothed average loss (0 until ready). Both averages 0 means the window had no movement at all. */
  get averageLoss(): number {
    return this.consumed > this.period ? this.avgLoss : 0;
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.consumed > this.period;
  }
  get value(): number | undefined {
    return this.consumed > this.period ? this.current : undefined;
  }

  update(x: number): number | undefined {
    if (!Number.isFinite(x)) rejectInput(this.name, "value", x);
    const n = this.period;
    const change = x - this.previous;
    this.previous = x;
    this.consumed++;
    if (this.consumed === 1) return undefined;
    if (this.consumed <= n) {
      // Seed phase: plain sums, divided once the first `period` changes are in.
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      return undefined;
    }
    if (this.consumed === n + 1) {
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      this.avgLoss /= n;
      this.avgGain /= n;
    } else {
      this.avgLoss *= n - 1;
      this.avgGain *= n - 1;
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      this.avgLoss /= n;
      this.avgGain /= n;
    }
    const total = this.avgGain + this.avgLoss;
    this.current = total !== 0 ? 100 * (this.avgGain / total) : 0;
    return this.current;
  }

  reset(): void {
    this.consumed = 0;
    this.previous = 0;
    this.avgGain = 0;
    this.avgLoss = 0;
    this.current = 0;
  }
}
