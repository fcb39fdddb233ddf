import { checkVolume, rejectInput, type CloseVolume, type Indicator } from "./types";

/**
 * On-balance volume as TA-Lib OBV: starts at the first bar's volume (TA-Lib's seed; some libraries start
 * at 0, which only shifts the line), then adds the volume of an up close, subtracts it on a down close
 * and leaves it on an unchanged close. Ready from the first bar.
 */
export class Obv implements Indicator<CloseVolume, number> {
  readonly name = "OBV";
  readonly warmup = 1;
  private consumed = 0;
  private previousClose = 0;
  private current = 0;

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.consumed > 0;
  }
  get value(): number | undefined {
    return this.consumed > 0 ? this.current : undefined;
  }

  update(bar: CloseVolume): number {
    const { close, volume } = bar;
    if (!Number.isFinite(close)) rejectInput(this.name, "close", close);
    checkVolume(this.name, volume);
    if (this.consumed++ === 0) {
      this.current = volume;
    } else if (close > this.previousClose) {
      this.current += volume;
    } else if (close < this.previousClose) {
      this.current -= volume;
    }
    this.previousClose = close;
    return this.current;
  }

  reset(): void {
    this.consumed = 0;
    this.previousClose = 0;
    this.current = 0;
  }
}
