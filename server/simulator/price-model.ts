import { candlePrints } from "../execution";
import type { CsvCandle } from "./csv";
import { floorToDecimals, roundToDecimals, type SymbolSpec } from "./instruments";
import { Prng } from "./prng";

/**
 * Price sources for the simulator. A source produces one minute at a time as a path of trade prices
 * at fixed sub-steps, so the streamed forming candle, the closed candle and the trades all agree.
 * Sources are sequential and seeded: the n-th minute depends only on the seed and n, never on how
 * (or how fast) the simulator's clock advanced.
 */

export const SUBSTEPS_PER_MINUTE = 12;
export const SUBSTEP_MS = 60_000 / SUBSTEPS_PER_MINUTE;

export type Regime = "trend_up" | "trend_down" | "range" | "volatile" | "replay";

export interface MinutePath {
  /** Trade price at each sub-step; index 0 is the candle's open, the last one its close. */
  prices: number[];
  /** Base volume traded at each sub-step (0 = no trade then). */
  volumes: number[];
  regime: Regime;
  /** The open jumped away from the previous close. */
  gap: boolean;
}

export interface PriceSource {
  nextMinute(): MinutePath;
}

interface RegimeParams {
  /** Drift per minute as a multiple of the symbol's minute volatility. */
  driftInVols: number;
  volMultiplier: number;
  /** Mean reversion per minute towards the regime's anchor price (range-bound markets). */
  meanReversion: number;
  gapProbability: number;
  meanDurationMinutes: number;
  weight: number;
}

const REGIMES: Record<Exclude<Regime, "replay">, RegimeParams> = {
  trend_up: { driftInVols: 0.03, volMultiplier: 1, meanReversion: 0, gapProbability: 0.0005, meanDurationMinutes: 180, weight: 0.28 },
  trend_down: { driftInVols: -0.03, volMultiplier: 1, meanReversion: 0, gapProbability: 0.0005, meanDurationMinutes: 180, weight: 0.28 },
  range: { driftInVols: 0, volMultiplier: 0.7, meanReversion: 0.03, gapProbability: 0.0003, meanDurationMinutes: 240, weight: 0.32 },
  volatile: { driftInVols: 0, volMultiplier: 2.8, meanReversion: 0, gapProbability: 0.004, meanDurationMinutes: 45, weight: 0.12 },
};
const REGIME_NAMES = Object.keys(REGIMES) as Array<keyof typeof REGIMES>;

/**
 * Regime-switching random walk in log price: trends up and down, ranges that revert to their
 * anchor, volatility bursts, fat-tailed moves and occasional gaps at the open.
 */
export class StochasticPriceModel implements PriceSource {
  private readonly prng: Prng;
  private logPrice: number;
  private regimeName: keyof typeof REGIMES;
  private regimeMinutesLeft: number;
  private anchor: number;

  constructor(
    private readonly spec: SymbolSpec,
    seed: number | string,
  ) {
    this.prng = new Prng(`${seed}:${spec.symbol}:price`);
    this.logPrice = Math.log(spec.startPrice);
    this.anchor = this.logPrice;
    this.regimeName = this.pickRegime(null);
    this.regimeMinutesLeft = this.regimeDuration(this.regimeName);
  }

  get regime(): Regime {
    return this.regimeName;
  }

  /** Continue from another price (used when a CSV replay runs out). */
  continueFrom(price: number): void {
    this.logPrice = Math.log(price);
    this.anchor = this.logPrice;
  }

  private pickRegime(current: keyof typeof REGIMES | null): keyof typeof REGIMES {
    const choices = REGIME_NAMES.filter((name) => name !== current);
    const total = choices.reduce((sum, name) => sum + REGIMES[name].weight, 0);
    let u = this.prng.next() * total;
    for (const name of choices) {
      u -= REGIMES[name].weight;
      if (u < 0) return name;
    }
    return choices[choices.length - 1];
  }

  private regimeDuration(name: keyof typeof REGIMES): number {
    return Math.max(5, Math.ceil(this.prng.exponential(REGIMES[name].meanDurationMinutes)));
  }

  nextMinute(): MinutePath {
    if (this.regimeMinutesLeft <= 0) {
      this.regimeName = this.pickRegime(this.regimeName);
      this.regimeMinutesLeft = this.regimeDuration(this.regimeName);
      this.anchor = this.logPrice;
    }
    this.regimeMinutesLeft -= 1;
    const params = REGIMES[this.regimeName];
    const baseVol = this.spec.minuteVolatility;
    // Volatility itself wanders from minute to minute (log-normal), like real markets.
    const sigma = baseVol * params.volMultiplier * Math.exp(0.25 * this.prng.normal());
    const drift = params.driftInVols * baseVol;

    let x = this.logPrice;
    let gap = false;
    if (this.prng.next() < params.gapProbability) {
      const size = (0.004 + 0.016 * this.prng.next() ** 2) * Math.sqrt(params.volMultiplier) * (baseVol / 0.001);
      x += this.prng.next() < 0.5 ? -size : size;
      gap = true;
    }
    const steps = SUBSTEPS_PER_MINUTE - 1;
    const dt = 1 / steps;
    const logPath = [x];
    const shocks = [0.9];
    for (let k = 0; k < steps; k++) {
      let z = this.prng.normal();
      if (this.prng.next() < 0.02) z *= 3; // fat tails
      x += (drift - params.meanReversion * (x - this.anchor)) * dt + sigma * Math.sqrt(dt) * z;
      logPath.push(x);
      shocks.push(0.4 + Math.abs(z));
    }
    this.logPrice = x;

    const minPrice = this.spec.tickSize;
    const prices = logPath.map((lp) => Math.max(minPrice, roundToDecimals(Math.exp(lp), this.spec.priceDecimals)));
    const minuteReturn = Math.abs(logPath[steps] - logPath[0]);
    const minuteVolume =
      this.spec.minuteBaseVolume *
      params.volMultiplier ** 0.8 *
      Math.exp(0.35 * this.prng.normal()) *
      (0.7 + 0.3 * Math.min(3, minuteReturn / Math.max(sigma, 1e-12)));
    const shockTotal = shocks.reduce((a, b) => a + b, 0);
    const volumes = shocks.map((s) => floorToDecimals((minuteVolume * s) / shockTotal, this.spec.qtyDecimals));
    return { prices, volumes, regime: this.regimeName, gap };
  }
}

/**
 * Replays CSV candles one per simulated minute (their own timestamps are not used: row n becomes
 * minute n of the simulation). Inside a minute the price visits open → low → high → close for an
 * up candle (open → high → low → close for a down one). When the rows run out, the stochastic
 * model continues from the last close.
 */
export class CsvReplaySource implements PriceSource {
  private index = 0;
  private previousClose: number | null = null;

  constructor(
    private readonly spec: SymbolSpec,
    private readonly rows: CsvCandle[],
    private readonly fallback: StochasticPriceModel,
  ) {}

  get remainingRows(): number {
    return this.rows.length - this.index;
  }

  nextMinute(): MinutePath {
    if (this.index >= this.rows.length) {
      if (this.index === this.rows.length) {
        this.fallback.continueFrom(this.rows[this.rows.length - 1].close);
        this.index += 1;
      }
      return this.fallback.nextMinute();
    }
    const row = this.rows[this.index++];
    // The candle's prints, as the paper venue derives them too (execution/fill-model.ts candlePrints).
    const prints = candlePrints(row, this.spec);
    const prices = prints.map((p) => p.price);
    const volumes = prints.map((p) => p.quantity);
    const gap = this.previousClose !== null && Math.abs(row.open / this.previousClose - 1) > 0.005;
    this.previousClose = row.close;
    return { prices, volumes, regime: "replay", gap };
  }
}

/** The finest power-of-ten tick that represents every price in the rows (at most 8 decimals). */
export function inferTickSize(rows: CsvCandle[]): number {
  const sample = rows.slice(0, 2000);
  for (let d = 0; d <= 8; d++) {
    const scale = 10 ** d;
    const fits = sample.every((r) =>
      [r.open, r.high, r.low, r.close].every((p) => Math.abs(p * scale - Math.round(p * scale)) < 1e-4),
    );
    if (fits) return 10 ** -d;
  }
  return 1e-8;
}
