import { Decimal, QUOTE_DP, roundMoney, roundScaledFast } from "../core/decimal";
import { addQty as exactAddQty, subQty as exactSubQty } from "../core/quantity";

/**
 * Exact arithmetic for booked amounts and quantities. Runs once per fill, never per mark, so the hot
 * path stays on plain numbers; sums and differences of booked amounts are scaled integers.
 */

const SCALE = 10 ** QUOTE_DP;
/** Below 2^52 scaled units a sum of two stays an exact integer (about 45 million quote units). */
const FAST_LIMIT = 2 ** 52;

/** The scaled integer of a booked amount already on the 8-decimal grid, else NaN (use decimal.js). */
function units(x: number): number {
  const u = Math.round(x * SCALE);
  return Math.abs(u) <= FAST_LIMIT && u / SCALE === x ? u : Number.NaN;
}

/**
 * a + b, both booked amounts, rounded half-even to QUOTE_DP: exact, free of float drift. Amounts on
 * the 8-decimal grid (every booked amount) are added as scaled integers, the policy of
 * server/core/quantity.ts; anything else takes the decimal.js path, so the result is the same.
 */
export function addMoney(a: number, b: number): number {
  const ua = units(a);
  const ub = units(b);
  if (ua === ua && ub === ub) return (ua + ub) / SCALE + 0;
  return new Decimal(a).plus(b).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** a − b, both booked amounts, rounded half-even to QUOTE_DP (scaled integers on the grid, as addMoney). */
export function subMoney(a: number, b: number): number {
  const ua = units(a);
  const ub = units(b);
  if (ua === ua && ub === ub) return (ua - ub) / SCALE + 0;
  return new Decimal(a).minus(b).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** quantity × price, booked. */
export function notional(quantity: number, price: number): number {
  // Scaled-integer fast path (the same result, see roundScaledFast); decimal.js when it cannot be sure.
  const n = roundScaledFast(quantity * price * SCALE);
  if (n === n) return n / SCALE;
  return new Decimal(quantity).mul(price).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** amount × part / whole, booked: the share of a booked amount that belongs to part of a quantity. */
export function proRata(amount: number, part: number, whole: number): number {
  if (whole !== 0) {
    const n = roundScaledFast(((amount * part) / whole) * SCALE);
    if (n === n) return n / SCALE;
  }
  return new Decimal(amount).mul(part).div(whole).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** Quantities are decimal on the venue's step grid: add and subtract them exactly (0.1 + 0.2 = 0.3). */
export function addQty(a: number, b: number): number {
  return exactAddQty(a, b);
}

export function subQty(a: number, b: number): number {
  return exactSubQty(a, b);
}

export { roundMoney };
