import { Ema } from "./ema";
import { checkPeriod, rejectInput, type Indicator } from "./types";

export interface MacdValue {
  /** fast EMA - slow EMA */
  macd: number;
  /** EMA of the MACD line */
  signal: number;
  /** macd - signal */
  histogram: number;
}

/**
 * MACD as TA-Lib computes it (default compatibility). Note TA-Lib's seeding, reproduced here: both EMAs
 * start at the slow EMA's first bar; the slow one is seeded with the SMA of the first `slow` inputs and
 * the fast one with the SMA of the last `fast` of those (not with the SMA of the first `fast` inputs, so
 * early values differ from a standalone EMA(fast) - EMA(slow)). The signal line is an EMA of the MACD
 * line seeded with the SMA of its first `signal` values. All three outputs appear together after
 * slow + signal - 1 inputs (34 for 12/26/9).
 */
export class Macd implements Indicator<number, MacdValue> {
  readonly name: string;
  readonly warmup: number;
  private readonly fastK: number;
  private readonly slowK: number;
  private readonly signalEma: Ema;
  private readonly result: MacdValue = { macd: 0, signal: 0, histogram: 0 };
  private consumed = 0;
  private fastSeedSum = 0;
  private slowSeedSum = 0;
  private fast = 0;
  private slow = 0;
  private line = 0;

  constructor(
    readonly fastPeriod = 12,
    readonly slowPeriod = 26,
    readonly signalPeriod = 9,
  ) {
    this.name = `MACD(${fastPeriod},${slowPeriod},${signalPeriod})`;
    checkPeriod(this.name, "fast period", fastPeriod, 2);
    checkPeriod(this.name, "slow period", slowPeriod, 2);
    checkPeriod(this.name, "signal period", signalPeriod, 1);
    if (fastPeriod >= slowPeriod) {
      throw new RangeError(`${this.name}: fast period must be shorter than slow period`);
    }
    this.fastK = 2 / (fastPeriod + 1);
    this.slowK = 2 / (slowPeriod + 1);
    this.signalEma = new Ema(signalPeriod);
    this.warmup = slowPeriod + signalPeriod - 1;
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.signalEma.isReady;
  }
  get value(): MacdValue | undefined {
    return this.signalEma.isReady ? this.result : undefined;
  }
  /** The MACD line alone, available from the slow period on (before the signal line is ready). */
  get macdLine(): number | undefined {
    return this.consumed >= this.slowPeriod ? this.line : undefined;
  }

  update(x: number): MacdValue | undefined {
    if (!Number.isFinite(x)) rejectInput(this.name, "value", x);
    const index = this.consumed++;
    const slowN = this.slowPeriod;
    if (index < slowN) {
      this.slowSeedSum += x;
      if (index >= slowN - this.fastPeriod) this.fastSeedSum += x;
      if (index < slowN - 1) return undefined;
      this.slow = this.slowSeedSum / slowN;
      this.fast = this.fastSeedSum / this.fastPeriod;
    } else {
      this.fast = (x - this.fast) * this.fastK + this.fast;
      this.slow = (x - this.slow) * this.slowK + this.slow;
    }
    this.line = this.fast - this.slow;
    const signal = this.signalEma.update(this.line);
    if (signal === undefined) return undefined;
    const out = this.result;
    out.macd = this.line;
    out.signal = signal;
    out.histogram = this.line - signal;
    return out;
  }

  reset(): void {
    this.consumed = 0;
    this.fastSeedSum = 0;
    this.slowSeedSum = 0;
    this.fast = 0;
    this.slow = 0;
    this.line = 0;
    this.signalEma.reset();
  }
}
