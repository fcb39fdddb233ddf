import type { CsvCandle } from "./csv";
import type { SymbolSpec } from "./instruments";
import { hash01, hashString } from "./prng";

/**
 * Calibration of the synthetic market from candle data (issue 14): the book's spread and depth and
 * the rate and size of the simulated market trades follow from two numbers per symbol, the typical
 * (median) 1-minute range high - low and the typical (median) 1-minute base volume:
 * - from the replayed CSV's own candles (`calibrateFromCandles`), or
 * - for the stochastic model, from the symbol's parameters (`calibrateFromSpec`): range = 1.6 x the
 *   minute volatility x the start price (the expected range of a Brownian minute, 2·sqrt(2/π)·σ),
 *   volume = the symbol's `minuteBaseVolume`.
 * The formulas (server/simulator/README.md, "Calibration") are here and nowhere else.
 */
export interface MarketCalibration {
  /** Typical 1-minute high - low, in price. */
  typicalRange: number;
  /** Typical 1-minute base volume. */
  typicalVolume: number;
  source: "candles" | "model";
}

export const CALIBRATION = Object.freeze({
  /** Spread = this share of the typical 1-minute range, at least one tick (BTCUSDT: 1 tick, as on Binance). */
  spreadOfRange: 1 / 8_000,
  /** Quantity at the touch = this share of the typical minute's volume (deeper levels hold more). */
  touchOfVolume: 0.05,
  /** Levels per side spaced by the spread next to the touch; the deeper ones on a wider grid. */
  nearLevels: 20,
  /** The deep levels together span this many typical 1-minute ranges. */
  depthInRanges: 2,
  /**
   * Market trades per minute at the typical volume (scaled with the minute's volume). Binance's BTCUSDT
   * prints far more; every print crosses the websocket and ccxt, so the simulator stays at one a second.
   */
  tradesPerMinuteAtTypicalVolume: 60,
  /** At most this many trades per 5-second sub-step (300 per minute). */
  maxTradesPerSubstep: 25,
  /** Trade sizes: log-normal weights exp(σ·z), σ = this (a few large prints, many small ones). */
  tradeSizeSigma: 1,
});

const SUBSTEPS_PER_MINUTE = 12;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function calibrateFromCandles(rows: readonly CsvCandle[]): MarketCalibration {
  return { typicalRange: median(rows.map((r) => r.high - r.low)), typicalVolume: median(rows.map((r) => r.volume)), source: "candles" };
}

export function calibrateFromSpec(spec: Pick<SymbolSpec, "startPrice" | "minuteVolatility" | "minuteBaseVolume">): MarketCalibration {
  return { typicalRange: 1.6 * spec.minuteVolatility * spec.startPrice, typicalVolume: spec.minuteBaseVolume, source: "model" };
}

/** The synthetic book's shape in ticks and quote value (see order-book.ts). */
export interface BookShape {
  levels: number;
  /** Distance best bid -> best ask, and between the near levels, in ticks. */
  spreadTicks: number;
  /** Levels per side at the spread's spacing; the others are on the deep grid. */
  nearLevels: number;
  /** Spacing of the deep levels, in ticks (a multiple of nothing: an absolute grid of this step). */
  deepSpacingTicks: number;
  /** Quote value at the touch. */
  levelQuote: number;
  /** Calibrated: the last price is the best bid when it is on the spread's grid (a 1-tick spread). */
  calibrated: boolean;
}

/**
 * - spreadTicks = max(1, round(spreadOfRange x typicalRange / tick));
 * - nearLevels = min(levels, 20) at that spacing; the rest on a grid of
 *   deepSpacingTicks = max(spreadTicks, round(depthInRanges x typicalRange / (levels - nearLevels) / tick));
 * - levelQuote = touchOfVolume x typicalVolume x startPrice.
 * A value the caller configured (`spacingBps`, `levelQuote`) wins over the calibrated one; a configured
 * spacingBps makes the grid uniform, as before the calibration.
 */
export function bookShape(spec: Pick<SymbolSpec, "startPrice" | "tickSize">, calibration: MarketCalibration, config: { levels: number; spacingBps?: number; levelQuote?: number }): BookShape {
  const levels = config.levels;
  const levelQuote = config.levelQuote ?? Math.max(spec.startPrice * spec.tickSize, CALIBRATION.touchOfVolume * calibration.typicalVolume * spec.startPrice);
  if (config.spacingBps !== undefined) {
    const spacing = Math.max(1, Math.round((spec.startPrice * config.spacingBps) / 10_000 / spec.tickSize));
    return { levels, spreadTicks: spacing, nearLevels: levels, deepSpacingTicks: spacing, levelQuote, calibrated: false };
  }
  const spreadTicks = Math.max(1, Math.round((CALIBRATION.spreadOfRange * calibration.typicalRange) / spec.tickSize));
  const nearLevels = Math.min(levels, CALIBRATION.nearLevels);
  const deepLevels = levels - nearLevels;
  const deepSpacingTicks = deepLevels > 0 ? Math.max(spreadTicks, Math.round((CALIBRATION.depthInRanges * calibration.typicalRange) / deepLevels / spec.tickSize)) : spreadTicks;
  return { levels, spreadTicks, nearLevels, deepSpacingTicks, levelQuote, calibrated: true };
}

/**
 * The calibrated trade flow: a sub-step's traded volume (the price path's) printed as several market
 * trades at the sub-step's price.
 * - count n = clamp(round(tradesPerMinuteAtTypicalVolume / 12 x volume / (typicalVolume / 12)), 1, 25),
 *   and at most one trade per lot step;
 * - sizes: the volume in whole steps split by log-normal weights w_j = exp(σ z_j), z_j standard normal
 *   from a hash of (seed, symbol, sub-step, j): each trade floor(units x w_j / Σw), at least one step,
 *   the remainder on the largest; so sizes average volume / n with a heavy right tail.
 * Deterministic: the same seed, symbol and time give the same trades.
 */
export class TradeFlow {
  private readonly salt: number;
  private readonly scale: number;
  private readonly typicalSubstepVolume: number;

  constructor(
    private readonly spec: Pick<SymbolSpec, "symbol" | "qtyDecimals">,
    calibration: MarketCalibration,
    seed: string,
  ) {
    this.salt = hashString(`${seed}:${spec.symbol}:flow`)[0];
    this.scale = 10 ** spec.qtyDecimals;
    this.typicalSubstepVolume = calibration.typicalVolume / SUBSTEPS_PER_MINUTE;
  }

  /** How many trades print `volume` (cheap: history generation needs only the count). */
  count(volume: number): number {
    const units = Math.floor(volume * this.scale + 1e-7);
    if (units <= 0) return 0;
    const perSubstep = CALIBRATION.tradesPerMinuteAtTypicalVolume / SUBSTEPS_PER_MINUTE;
    const scaled = this.typicalSubstepVolume > 0 ? Math.round((perSubstep * volume) / this.typicalSubstepVolume) : 1;
    return Math.max(1, Math.min(CALIBRATION.maxTradesPerSubstep, scaled, units));
  }

  /** The trade sizes of sub-step `substep` (absolute index, time / 5 s); they sum to `volume` exactly. */
  split(volume: number, substep: number): number[] {
    const units = Math.floor(volume * this.scale + 1e-7);
    const n = this.count(volume);
    if (n <= 1) return n === 1 ? [units / this.scale] : [];
    const weights: number[] = [];
    let total = 0;
    for (let j = 0; j < n; j++) {
      const u1 = Math.max(1e-12, hash01(this.salt, substep, 2 * j));
      const u2 = hash01(this.salt + 1, substep, 2 * j + 1);
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      const w = Math.exp(CALIBRATION.tradeSizeSigma * z);
      weights.push(w);
      total += w;
    }
    // One step each, the rest by weight; what flooring leaves goes to the largest.
    const spare = units - n;
    const parts = weights.map((w) => 1 + Math.floor((spare * w) / total));
    let left = units - parts.reduce((a, b) => a + b, 0);
    let largest = 0;
    for (let j = 1; j < n; j++) if (weights[j] > weights[largest]) largest = j;
    parts[largest] += left;
    left = 0;
    return parts.map((p) => p / this.scale);
  }
}
