import { SlidingExtreme } from "./sliding-extreme";
import { Sma } from "./sma";
import { checkHighLowClose, checkPeriod, type HighLowClose, type Indicator } from "./types";

export interface StochasticValue {
  /** Slow %K: SMA(kSmoothing) of the raw %K. */
  k: number;
  /** %D: SMA(dPeriod) of slow %K. */
  d: number;
}

/**
 * Stochastic oscillator as TA-Lib STOCH with SMA smoothing (its default MA type):
 * raw %K = 100 · (close - lowest low) / (highest high - lowest low) over `kPeriod` bars (0 when the range
 * is zero, as TA-Lib); slow %K = SMA(kSmoothing) of raw %K; %D = SMA(dPeriod) of slow %K. Both outputs
 * appear together after kPeriod + kSmoothing + dPeriod - 2 bars. Common settings: (14, 3, 3); TA-Lib's
 * defaults are (5, 3, 3).
 */
export class Stochastic implements Indicator<HighLowClose, StochasticValue> {
  readonly name: string;
  readonly warmup: number;
  private readonly highest: SlidingExtreme;
  private readonly lowest: SlidingExtreme;
  private readonly slowK: Sma;
  private readonly slowD: Sma;
  private readonly result: StochasticValue = { k: 0, d: 0 };
  private consumed = 0;
  private rawK = 0;

  constructor(
    readonly kPeriod = 14,
    readonly kSmoothing = 3,
    readonly dPeriod = 3,
  ) {
    this.name = `STOCH(${kPeriod},${kSmoothing},${dPeriod})`;
    checkPeriod(this.name, "%K period", kPeriod);
    checkPeriod(this.name, "%K smoothing", kSmoothing);
    checkPeriod(this.name, "%D period", dPeriod);
    this.highest = new SlidingExtreme(kPeriod, true);
    this.lowest = new SlidingExtreme(kPeriod, false);
    this.slowK = new Sma(kSmoothing);
    this.slowD = new Sma(dPeriod);
    this.warmup = kPeriod + kSmoothing + dPeriod - 2;
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.slowD.isReady;
  }
  get value(): StochasticValue | undefined {
    return this.slowD.isReady ? this.result : undefined;
  }
  /** Unsmoothed %K of the latest bar, available after kPeriod bars. */
  get fastK(): number | undefined {
    return this.consumed >= this.kPeriod ? this.rawK : undefined;
  }

  update(bar: HighLowClose): StochasticValue | undefined {
    checkHighLowClose(this.name, bar);
    this.consumed++;
    const highest = this.highest.push(bar.high);
    const lowest = this.lowest.push(bar.low);
    if (this.consumed < this.kPeriod) return undefined;
    const range = (highest - lowest) / 100; // TA-Lib's arithmetic, for identical rounding
    this.rawK = range !== 0 ? (bar.close - lowest) / range : 0;
    const k = this.slowK.update(this.rawK);
    if (k === undefined) return undefined;
    const d = this.slowD.update(k);
    if (d === undefined) return undefined;
    this.result.k = k;
    this.result.d = d;
    return this.result;
  }

  reset(): void {
    this.highest.reset();
    this.lowest.reset();
    this.slowK.reset();
    this.slowD.reset();
    this.consumed = 0;
    this.rawK = 0;
  }
}
