import { Decimal, QUOTE_DP, money } from "../core/decimal";
import { addQty as exactAddQty, subQty as exactSubQty } from "../core/quantity";

/**
 * Exact arithmetic for booked amounts and quantities. Runs once per fill (about a microsecond per
 * operation), never per mark, so the hot path stays on plain numbers.
 */

/** a + b, both booked amounts, rounded half-even to QUOTE_DP: exact, free of float drift. */
export function addMoney(a: number, b: number): number {
  return new Decimal(a).plus(b).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** a − b, both booked amounts, rounded half-even to QUOTE_DP. */
export function subMoney(a: number, b: number): number {
  return new Decimal(a).minus(b).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** quantity × price, booked. */
export function notional(quantity: number, price: number): number {
  return new Decimal(quantity).mul(price).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** amount × part / whole, booked: the share of a booked amount that belongs to part of a quantity. */
export function proRata(amount: number, part: number, whole: number): number {
  return new Decimal(amount).mul(part).div(whole).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** Quantities are decimal on the venue's step grid: add and subtract them exactly (0.1 + 0.2 = 0.3). */
export function addQty(a: number, b: number): number {
  return exactAddQty(a, b);
}

export function subQty(a: number, b: number): number {
  return exactSubQty(a, b);
}

export { money };
