import { checkHighLowClose, checkPeriod, settlingInputs, type HighLowClose, type Indicator } from "./types";

/** TA-Lib TRANGE: max(high - low, |high - previous close|, |low - previous close|). */
export function trueRange(high: number, low: number, previousClose: number): number {
  let range = high - low;
  const up = Math.abs(high - previousClose);
  if (up > range) range = up;
  const down = Math.abs(low - previousClose);
  if (down > range) range = down;
  return range;
}

/**
 * Average true range with Wilder smoothing, as TA-Lib ATR: the first bar has no true range; the first
 * ATR is the mean of the true ranges of bars 2..period+1 (so it needs period + 1 bars), then
 * atr = (atr * (period - 1) + tr) / period.
 */
export class Atr implements Indicator<HighLowClose, number> {
  readonly name: string;
  readonly warmup: number;
  private consumed = 0;
  private previousClose = 0;
  private current = 0;
  private lastTrueRange = 0;

  constructor(readonly period = 14) {
    this.name = `ATR(${period})`;
    checkPeriod(this.name, "period", period);
    this.warmup = period + 1;
  }

  /** Bars after which an ATR(period) no longer depends on where it started (see SETTLING_TOLERANCE). */
  static settlingCandles(period: number, tolerance?: number): number {
    return period === 1 ? 2 : settlingInputs(period + 1, 1 - 1 / period, tolerance);
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
  /** True range of the latest bar (undefined for the very first bar, which has no previous close). */
  get trueRange(): number | undefined {
    return this.consumed > 1 ? this.lastTrueRange : undefined;
  }

  update(bar: HighLowClose): number | undefined {
    checkHighLowClose(this.name, bar);
    const n = this.period;
    const index = this.consumed++;
    if (index === 0) {
      this.previousClose = bar.close;
      return undefined;
    }
    const tr = trueRange(bar.high, bar.low, this.previousClose);
    this.previousClose = bar.close;
    this.lastTrueRange = tr;
    if (index < n) {
      this.current += tr; // seed sum
      return undefined;
    }
    if (index === n) {
      this.current = (this.current + tr) / n;
    } else {
      this.current = (this.current * (n - 1) + tr) / n;
    }
    return this.current;
  }

  reset(): void {
    this.consumed = 0;
    this.previousClose = 0;
    this.current = 0;
    this.lastTrueRange = 0;
  }
}
