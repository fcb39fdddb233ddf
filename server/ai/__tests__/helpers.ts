import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../core/logger";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../../model/types";
import { seededRandom as rng } from "../../core/random";

/** Shared by the ai tests: seeded random numbers and synthetic candle series. */

export const T0 = Date.UTC(2024, 0, 1);

export { seededRandom as rng } from "../../core/random";

/** Standard normal draws (Box–Muller) from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Candles from log returns: open = previous close, high/low a random wick around the body, random volume. */
export function candlesFromReturns(
  returns: readonly number[],
  options: { seed?: number; symbol?: string; timeframe?: Timeframe; start?: number; price?: number } = {},
): Candle[] {
  const { seed = 7, symbol = "BTC/USDT", timeframe = "5m", start = T0, price = 20_000 } = options;
  const u = rng(seed ^ 0x5bd1e995);
  const out: Candle[] = [];
  let close = price;
  returns.forEach((r, i) => {
    const open = close;
    close = open * Math.exp(r);
    const wick = Math.abs(r) * 0.5 + 0.0005 * u();
    out.push({
      symbol,
      timeframe,
      openTime: start + i * TIMEFRAME_MS[timeframe],
      open,
      high: Math.max(open, close) * (1 + wick * u()),
      low: Math.min(open, close) * (1 - wick * u()),
      close,
      volume: 5 + 20 * u() * u(),
      closed: true,
    });
  });
  return out;
}

/** A seeded driftless random walk: no feature can predict it. */
export function randomWalk(n: number, seed: number, options: { timeframe?: Timeframe; symbol?: string; sigma?: number; drift?: number } = {}): Candle[] {
  const normal = gaussian(rng(seed));
  const sigma = options.sigma ?? 0.002;
  const returns = Array.from({ length: n }, () => (options.drift ?? 0) + sigma * normal());
  return candlesFromReturns(returns, { seed, timeframe: options.timeframe, symbol: options.symbol });
}

/**
 * A planted pattern: each candle's direction repeats the previous one's with probability `persistence`
 * (size random), so the sign of the next return is predictable from ret_1_pct about that often.
 */
export function momentumSeries(n: number, seed: number, persistence = 0.8, options: { timeframe?: Timeframe; symbol?: string } = {}): Candle[] {
  const u = rng(seed);
  const normal = gaussian(rng(seed + 1));
  const returns: number[] = [];
  let direction = 1;
  for (let i = 0; i < n; i++) {
    if (u() >= persistence) direction = -direction;
    returns.push(direction * (0.0005 + 0.002 * Math.abs(normal())));
  }
  return candlesFromReturns(returns, { seed, timeframe: options.timeframe, symbol: options.symbol });
}

export function silentLogger(): Logger {
  return createLogger("silent", new Writable({ write: (_c, _e, done) => done() }));
}

/** Numbers in a sentence, in order ("+0.42%" → 0.42, "55.1%" → 55.1, "-0.12" → -0.12). */
export function numbersIn(sentence: string): number[] {
  return [...sentence.matchAll(/[-+]?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
}
