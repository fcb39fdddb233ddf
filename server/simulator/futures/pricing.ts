import { hash01, hashString } from "../prng";
import type { ContractSpec } from "./contracts";

/**
 * Index, premium, mark price and funding rate of a perpetual.
 *
 * - Index price: the spot simulator's price of the same symbol (its StochasticPriceModel / CSV replay),
 *   so futures track spot.
 * - Premium index P(t): a seeded, bounded value noise around +0.01 % (contracts usually trade a hair
 *   above spot), a pure function of (seed, symbol, minute): the same seed gives the same premiums.
 *   Contract (last) price = index × (1 + P(t)).
 * - Mark price (Binance's rule): median(price1, price2, contract price) with
 *   price1 = index × (1 + lastFundingRate × time-to-funding / 8 h) and
 *   price2 = index × (1 + 5-minute average of P).
 * - Funding every 8 h (00:00, 08:00, 16:00 UTC): F = P̄ + clamp(I − P̄, −0.05 %, +0.05 %), I = 0.01 %,
 *   P̄ = the time-weighted average premium of the interval (1×P1 + 2×P2 + … + n×Pn)/(1 + … + n)
 *   over its 480 minutes, then capped to ±0.75 × (initial − maintenance margin ratio of bracket 1)
 *   (BTCUSDT: ±0.3 %). Rates are rounded to 8 decimals.
 */

export const FUNDING_INTERVAL_MS = 8 * 3_600_000;
export const INTEREST_RATE = 0.0001;
const MINUTE = 60_000;

export class PremiumModel {
  private readonly seedHash: number;

  constructor(seed: string) {
    this.seedHash = hashString(`futures-premium:${seed}`)[0];
  }

  private noise(symbolHash: number, x: number, octave: number): number {
    const k = Math.floor(x);
    const f = x - k;
    const a = hash01(this.seedHash, k, symbolHash + octave) * 2 - 1;
    const b = hash01(this.seedHash, k + 1, symbolHash + octave) * 2 - 1;
    const s = f * f * (3 - 2 * f);
    return a + (b - a) * s;
  }

  /** Premium index of `contract` in the minute starting at `minute` (epoch ms, floored). */
  premium(contract: ContractSpec, t: number): number {
    const minute = Math.floor(t / MINUTE);
    const h = hashString(contract.id)[1] >>> 8;
    const value = 0.0001 + 0.00025 * this.noise(h, minute / 30, 1) + 0.0001 * this.noise(h, minute / 5, 2);
    return Math.round(value * 1e8) / 1e8;
  }

  /** Funding rate cap: 0.75 × (IMR − MMR) of the first bracket. */
  cap(contract: ContractSpec): number {
    const b = contract.brackets[0];
    return Math.round(0.75 * (1 / b.initialLeverage - b.maintMarginRatio) * 1e8) / 1e8;
  }

  /** Time-weighted average premium from the interval start to `until` (exclusive, minute grid). */
  averagePremium(contract: ContractSpec, intervalStart: number, until: number): number {
    let weighted = 0;
    let weights = 0;
    let i = 1;
    for (let t = intervalStart; t < until; t += MINUTE, i++) {
      weighted += i * this.premium(contract, t);
      weights += i;
    }
    return weights === 0 ? this.premium(contract, intervalStart) : weighted / weights;
  }

  /** Funding rate of the interval that ends (and is settled) at `fundingTime`, or the estimate so far. */
  fundingRate(contract: ContractSpec, fundingTime: number, until = fundingTime): number {
    const start = fundingTime - FUNDING_INTERVAL_MS;
    const p = this.averagePremium(contract, start, Math.max(start + MINUTE, Math.min(until, fundingTime)));
    const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
    const cap = this.cap(contract);
    const rate = clamp(p + clamp(INTEREST_RATE - p, -0.0005, 0.0005), -cap, cap);
    return Math.round(rate * 1e8) / 1e8;
  }

  /** Contract (last traded) price for an index price. */
  contractPrice(contract: ContractSpec, index: number, t: number): number {
    return roundTo(index * (1 + this.premium(contract, t)), contract.pricePrecision);
  }

  /** Mark price for an index price at time t (8 decimals, as Binance prints it). */
  markPrice(contract: ContractSpec, index: number, t: number): number {
    const next = nextFundingTime(t);
    const estimate = this.fundingRate(contract, next, t);
    const price1 = index * (1 + (estimate * (next - t)) / FUNDING_INTERVAL_MS);
    const minute = Math.floor(t / MINUTE) * MINUTE;
    let avg = 0;
    for (let k = 0; k < 5; k++) avg += this.premium(contract, minute - k * MINUTE) / 5;
    const price2 = index * (1 + avg);
    const contractPrice = index * (1 + this.premium(contract, t));
    const sorted = [price1, price2, contractPrice].sort((a, b) => a - b);
    return roundTo(sorted[1], 8);
  }
}

export function nextFundingTime(t: number): number {
  return Math.floor(t / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
}

export function roundTo(x: number, dp: number): number {
  return Number(x.toFixed(dp));
}
