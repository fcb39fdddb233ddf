import { trueRange } from "./atr";
import { checkHighLowClose, checkPeriod, type HighLowClose, type Indicator } from "./types";

export interface AdxValue {
  adx: number;
  plusDI: number;
  minusDI: number;
}

/**
 * Average directional index with +DI/-DI, reproducing TA-Lib's ADX, PLUS_DI and MINUS_DI:
 * - +DM/-DM/TR are summed over the first period - 1 bar-to-bar moves, then Wilder-smoothed
 *   (s = s - s / period + x); so the first DI needs period + 1 bars.
 * - DI = 100 · DM / TR (0 when the smoothed TR is zero, as TA-Lib's PLUS_DI/MINUS_DI).
 * - The first ADX is the mean of the first `period` DX values (2 · period bars); then
 *   adx = (adx · (period - 1) + dx) / period. A bar whose DX is undefined (TR or DI sum zero) leaves
 *   the ADX unchanged, as in TA-Lib.
 * TA-Lib treats |x| < 1e-8 as zero in these guards; exact zero is used here so that sub-cent tokens work.
 */
export class Adx implements Indicator<HighLowClose, AdxValue> {
  readonly name: string;
  readonly warmup: number;
  private readonly result: AdxValue = { adx: 0, plusDI: 0, minusDI: 0 };
  private consumed = 0;
  private previousHigh = 0;
  private previousLow = 0;
  private previousClose = 0;
  private plusDM = 0;
  private minusDM = 0;
  private smoothedTR = 0;
  private sumDX = 0;
  private adx = 0;
  private plusDi = 0;
  private minusDi = 0;

  constructor(readonly period = 14) {
    this.name = `ADX(${period})`;
    checkPeriod(this.name, "period", period, 2);
    this.warmup = 2 * period;
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.consumed >= 2 * this.period;
  }
  get value(): AdxValue | undefined {
    return this.consumed >= 2 * this.period ? this.result : undefined;
  }
  /** +DI, available from period + 1 bars on (before the ADX is). */
  get plusDI(): number | undefined {
    return this.consumed > this.period ? this.plusDi : undefined;
  }
  /** -DI, available from period + 1 bars on. */
  get minusDI(): number | undefined {
    return this.consumed > this.period ? this.minusDi : undefined;
  }

  update(bar: HighLowClose): AdxValue | undefined {
    checkHighLowClose(this.name, bar);
    const n = this.period;
    const index = this.consumed++;
    const { high, low, close } = bar;
    if (index === 0) {
      this.previousHigh = high;
      this.previousLow = low;
      this.previousClose = close;
      return undefined;
    }
    const diffPlus = high - this.previousHigh;
    const diffMinus = this.previousLow - low;
    const tr = trueRange(high, low, this.previousClose);
    this.previousHigh = high;
    this.previousLow = low;
    this.previousClose = close;

    if (index < n) {
      if (diffMinus > 0 && diffPlus < diffMinus) this.minusDM += diffMinus;
      else if (diffPlus > 0 && diffPlus > diffMinus) this.plusDM += diffPlus;
      this.smoothedTR += tr;
      return undefined;
    }

    this.minusDM -= this.minusDM / n;
    this.plusDM -= this.plusDM / n;
    if (diffMinus > 0 && diffPlus < diffMinus) this.minusDM += diffMinus;
    else if (diffPlus > 0 && diffPlus > diffMinus) this.plusDM += diffPlus;
    this.smoothedTR = this.smoothedTR - this.smoothedTR / n + tr;

    let dx = Number.NaN;
    if (this.smoothedTR !== 0) {
      this.minusDi = 100 * (this.minusDM / this.smoothedTR);
      this.plusDi = 100 * (this.plusDM / this.smoothedTR);
      const diSum = this.minusDi + this.plusDi;
      if (diSum !== 0) dx = 100 * (Math.abs(this.minusDi - this.plusDi) / diSum);
    } else {
      this.minusDi = 0;
      this.plusDi = 0;
    }

    if (index < 2 * n - 1) {
      if (dx === dx) this.sumDX += dx; // dx === dx: DX is defined (not NaN)
      return undefined;
    }
    if (index === 2 * n - 1) {
      if (dx === dx) this.sumDX += dx;
      this.adx = this.sumDX / n;
    } else if (dx === dx) {
      this.adx = (this.adx * (n - 1) + dx) / n;
    }
    const out = this.result;
    out.adx = this.adx;
    out.plusDI = this.plusDi;
    out.minusDI = this.minusDi;
    return out;
  }

  reset(): void {
    this.consumed = 0;
    this.previousHigh = 0;
    this.previousLow = 0;
    this.previousClose = 0;
    this.plusDM = 0;
    this.minusDM = 0;
    this.smoothedTR = 0;
    this.sumDX = 0;
    this.adx = 0;
    this.plusDi = 0;
    this.minusDi = 0;
  }
}
