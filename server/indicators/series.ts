import { BollingerBands } from "./bollinger";
import { Ema } from "./ema";
import { Macd } from "./macd";
import { Rsi } from "./rsi";
import { Sma } from "./sma";

/**
 * Whole-series helpers over the incremental indicators, for charts (the dashboard draws its overlays
 * with these, so the browser and the engine compute one set of numbers). One value per input, null
 * during warm-up and for a non-finite input (which is skipped, as the indicators reject it). Pure, no
 * Node imports: the browser bundle may import this module.
 */
export type Series = (number | null)[];

function run<T>(values: readonly number[], indicator: { update(x: number): T | undefined }, pick: (v: T) => number | null): Series {
  const out: Series = new Array(values.length).fill(null);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) continue;
    const v = indicator.update(x);
    if (v !== undefined) out[i] = pick(v);
  }
  return out;
}

const same = (v: number) => v;

export function sma(values: readonly number[], period: number): Series {
  if (!(Number.isInteger(period) && period >= 1)) return new Array(values.length).fill(null);
  return run(values, new Sma(period), same);
}

/** EMA seeded with the SMA of the first `period` values. */
export function ema(values: readonly number[], period: number): Series {
  if (!(Number.isInteger(period) && period >= 1)) return new Array(values.length).fill(null);
  return run(values, new Ema(period), same);
}

export interface Bands {
  upper: Series;
  middle: Series;
  lower: Series;
}

/** Bollinger bands: SMA ± mult × population standard deviation over the window. */
export function bollinger(values: readonly number[], period = 20, mult = 2): Bands {
  const upper: Series = new Array(values.length).fill(null);
  const middle: Series = new Array(values.length).fill(null);
  const lower: Series = new Array(values.length).fill(null);
  if (!(Number.isInteger(period) && period >= 2 && mult > 0)) return { upper, middle, lower };
  const bands = new BollingerBands(period, mult);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) continue;
    const v = bands.update(x);
    if (v === undefined) continue;
    upper[i] = v.upper;
    middle[i] = v.middle;
    lower[i] = v.lower;
  }
  return { upper, middle, lower };
}

/**
 * Wilder's RSI. 100 when there were no losses in the window; on a chart a line that did not move at all
 * shows 50 (the indicator itself says 0 then, TA-Lib's choice, which would read as "oversold").
 */
export function rsi(values: readonly number[], period = 14): Series {
  if (!(Number.isInteger(period) && period >= 2)) return new Array(values.length).fill(null);
  const indicator = new Rsi(period);
  return run(values, indicator, (v) => (indicator.averageGain === 0 && indicator.averageLoss === 0 ? 50 : v));
}

export interface MacdSeries {
  macd: Series;
  signal: Series;
  histogram: Series;
}

/** MACD as the engine computes it (TA-Lib seeding); the line from the slow period on, signal and histogram once the signal is ready. */
export function macd(values: readonly number[], fast = 12, slow = 26, signalPeriod = 9): MacdSeries {
  const line: Series = new Array(values.length).fill(null);
  const signal: Series = new Array(values.length).fill(null);
  const histogram: Series = new Array(values.length).fill(null);
  if (!(Number.isInteger(fast) && Number.isInteger(slow) && Number.isInteger(signalPeriod) && fast >= 2 && slow > fast && signalPeriod >= 1)) {
    return { macd: line, signal, histogram };
  }
  const indicator = new Macd(fast, slow, signalPeriod);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) continue;
    const v = indicator.update(x);
    line[i] = indicator.macdLine ?? null;
    if (v === undefined) continue;
    signal[i] = v.signal;
    histogram[i] = v.histogram;
  }
  return { macd: line, signal, histogram };
}
