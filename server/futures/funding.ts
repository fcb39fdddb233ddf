import { Decimal, QUOTE_DP } from "../core/decimal";
import { FuturesMathError } from "./brackets";
import type { PerpSide } from "./margin";

/**
 * Funding of a perpetual (Binance's convention): at each funding time the holder of a position pays
 *   funding fee = position size (signed: long +, short −) × mark price × funding rate,
 * so with a positive rate longs pay and shorts receive, with a negative rate the reverse. The cash
 * flow into the account is the fee's opposite. Rounded half-even to 8 decimals, which is symmetric:
 * a long's flow is exactly minus the short's for the same size, mark and rate.
 */

/** Funding paid by the position (quote, 8 dp; negative when it receives funding). */
export function fundingFee(side: PerpSide, quantity: number, markPrice: number, fundingRate: number): number {
  if (side !== "long" && side !== "short") throw new FuturesMathError(`side must be "long" or "short", got ${String(side)}`);
  if (!(quantity > 0 && Number.isFinite(quantity))) throw new FuturesMathError(`quantity must be a finite number > 0, got ${quantity}`);
  if (!(markPrice > 0 && Number.isFinite(markPrice))) throw new FuturesMathError(`markPrice must be a finite number > 0, got ${markPrice}`);
  if (!Number.isFinite(fundingRate)) throw new FuturesMathError(`fundingRate must be a finite number, got ${fundingRate}`);
  const fee = new Decimal(quantity)
    .mul(markPrice)
    .mul(fundingRate)
    .mul(side === "long" ? 1 : -1)
    .toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN)
    .toNumber();
  return fee === 0 ? 0 : fee;
}

/** The funding cash flow into the account (quote, 8 dp): −fundingFee. */
export function fundingCashFlow(side: PerpSide, quantity: number, markPrice: number, fundingRate: number): number {
  const fee = fundingFee(side, quantity, markPrice, fundingRate);
  return fee === 0 ? 0 : -fee;
}

/** Binance's funding interval: every 8 hours, at 00:00, 08:00 and 16:00 UTC. */
/**
 * The funding rate paper, ghost and backtest accounts book when no funding history is stored:
 * 0.01 % per 8 hours, Binance's baseline (its interest-rate component, 0.03 % a day, with a zero
 * premium), at which longs pay shorts.
 */
export const DEFAULT_FUNDING_RATE = 0.0001;

export const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** The funding times in (from, to]: multiples of the interval since the epoch (00:00, 08:00, 16:00 UTC). */
export function fundingTimesBetween(from: number, to: number, intervalMs: number = FUNDING_INTERVAL_MS): number[] {
  if (!(intervalMs > 0)) throw new FuturesMathError(`intervalMs must be > 0, got ${intervalMs}`);
  const times: number[] = [];
  for (let t = Math.floor(from / intervalMs) * intervalMs + intervalMs; t <= to; t += intervalMs) times.push(t);
  return times;
}
