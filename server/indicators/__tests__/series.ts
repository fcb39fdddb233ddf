import { seededRandom } from "../../core/random";
/** Deterministic, realistic OHLCV test data: a seeded random walk with volatility regimes. */

export interface TestBar {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export { seededRandom } from "../../core/random";

function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface WalkOptions {
  count: number;
  seed: number;
  startPrice?: number;
  startTime?: number;
  intervalMs?: number;
  /** Per-bar log-return standard deviation in the calm regime. */
  volatility?: number;
  /** Price tick the bars are rounded to (realistic, and it produces equal closes). */
  tick?: number;
  /** Total log drift over the whole series, e.g. Math.log(0.001) for a 1000x decline. */
  totalLogDrift?: number;
}

/**
 * Bars with open = previous close, high >= max(open, close), low <= min(open, close), lognormal volume,
 * a few flat bars (open = high = low = close, so unchanged closes occur) and a few zero-volume bars.
 */
export function randomWalkBars(options: WalkOptions): TestBar[] {
  const {
    count,
    seed,
    startPrice = 23_000,
    startTime = Date.UTC(2023, 2, 1),
    intervalMs = 60_000,
    volatility = 0.0012,
    tick = 0.01,
    totalLogDrift = 0,
  } = options;
  const random = seededRandom(seed);
  const round = (p: number) => Math.max(tick, Math.round(p / tick) * tick);
  const drift = totalLogDrift / count;
  const bars: TestBar[] = [];
  let close = round(startPrice);
  let regime = 1;
  for (let i = 0; i < count; i++) {
    if (random() < 0.01) regime = random() < 0.5 ? 1 : 3 + random() * 3; // calm or turbulent spells
    const open = close;
    const flat = random() < 0.02;
    const sigma = volatility * regime;
    close = flat ? open : round(open * Math.exp(drift + sigma * normal(random)));
    const high = flat ? open : round(Math.max(open, close) * (1 + Math.abs(sigma * normal(random)) * 0.6));
    const low = flat ? open : round(Math.min(open, close) * (1 - Math.abs(sigma * normal(random)) * 0.6));
    const volume = random() < 0.01 ? 0 : Math.round(Math.exp(1 + 0.8 * normal(random)) * regime * 1e6) / 1e6;
    bars.push({ openTime: startTime + i * intervalMs, open, high, low: Math.min(low, high), close, volume });
  }
  return bars;
}
