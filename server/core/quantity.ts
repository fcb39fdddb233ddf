import { Decimal, roundScaledFast } from "./decimal";

/**
 * Exact quantity arithmetic: the one place where quantities and balances are added, subtracted,
 * compared and snapped.
 *
 * Policy (quotable): a quantity or balance that is summed, or compared with what a venue holds, is
 * a JS number that is always the canonical double of a decimal with at most QTY_DP = 8 decimals
 * (Binance's precision for every asset). It is never summed with `+`/`-`: `addQty`, `subQty`,
 * `sumQty`, `mulQty`, `proRataQty`, `floorQtyToStep` and the comparisons below work on the decimal
 * values, so 0.1 + 0.2 is 0.3, a holding built from partial fills equals the sum of the fills to the
 * last unit, and "filled" means equal, never "within a tolerance". The fast path works on scaled
 * integers (Math.round(x × 1e8)) while the values are small enough for that to be exact (|x| below
 * about 4.5e7); beyond that it falls back to decimal.js, which is exact too. Inputs that are not on
 * the 8-decimal grid (a float sum made elsewhere) are taken at their shortest decimal representation
 * and every result is rounded half-even to 8 decimals, so results are always canonical (above about
 * 9e7 a double cannot hold 8 decimals: results are then the nearest double of the exact sum). Quote
 * balances follow the same rule (they are 8-decimal amounts too); fees and P&L are still booked with
 * roundMoney() from ./decimal.
 */
export const QTY_DP = 8;
const SCALE = 1e8;
/** Largest scaled integer of the fast path: below 2^52, x × 1e8 rounds exactly and sums stay below 2^53. */
const FAST_LIMIT = 2 ** 52;

/** The scaled integer of x when x is a canonical 8-decimal double small enough for the fast path, else NaN. */
function units(x: number): number {
  const u = Math.round(x * SCALE);
  return Math.abs(u) <= FAST_LIMIT && u / SCALE === x ? u : Number.NaN;
}

function dec(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite quantity: ${x}`);
  return new Decimal(x);
}

function out(d: Decimal, rounding: Decimal.Rounding = Decimal.ROUND_HALF_EVEN): number {
  const n = d.toDecimalPlaces(QTY_DP, rounding).toNumber();
  return n === 0 ? 0 : n; // no -0
}

/** x as the canonical double of its value rounded half-even to 8 decimals. */
export function toQty(x: number): number {
  const u = units(x);
  if (!Number.isNaN(u)) return u === 0 ? 0 : x;
  return out(dec(x));
}

/** True when x is already the canonical double of a decimal with at most 8 decimals. */
export function isQty(x: number): boolean {
  if (!Number.isFinite(x)) return false;
  if (!Number.isNaN(units(x))) return true;
  return new Decimal(x).decimalPlaces() <= QTY_DP;
}

/** a + b, exact. */
export function addQty(a: number, b: number): number {
  const ua = units(a);
  const ub = units(b);
  if (!Number.isNaN(ua) && !Number.isNaN(ub)) {
    const r = ua + ub;
    return r === 0 ? 0 : r / SCALE;
  }
  return out(dec(a).plus(dec(b)));
}

/** a − b, exact. */
export function subQty(a: number, b: number): number {
  const ua = units(a);
  const ub = units(b);
  if (!Number.isNaN(ua) && !Number.isNaN(ub)) {
    const r = ua - ub;
    return r === 0 ? 0 : r / SCALE;
  }
  return out(dec(a).minus(dec(b)));
}

/** Exact sum of quantities. */
export function sumQty(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total = addQty(total, v);
  return total;
}

/**
 * a × b rounded to 8 decimals (half-even unless told): a base commission (quantity × rate), a
 * notional in quote units (quantity × price), a lock (notional × (1 + rate)).
 */
export function mulQty(a: number, b: number, rounding: Decimal.Rounding = Decimal.ROUND_HALF_EVEN): number {
  if (rounding === Decimal.ROUND_HALF_EVEN) {
    // Scaled-integer fast path: the same result whenever it is sure (see roundScaledFast in ./decimal).
    const n = roundScaledFast(a * b * SCALE);
    if (n === n) return n === 0 ? 0 : n / SCALE;
  }
  return out(dec(a).times(dec(b)), rounding);
}

/** quantity × rate, rounded half-even to 8 decimals (a commission taken in the asset received). */
export function qtyTimesRate(quantity: number, rate: number): number {
  return mulQty(quantity, rate);
}

/** amount × part / whole rounded to 8 decimals: the share of a lock that belongs to part of an order. */
export function proRataQty(amount: number, part: number, whole: number, rounding: Decimal.Rounding = Decimal.ROUND_HALF_EVEN): number {
  if (!(whole !== 0)) throw new RangeError(`pro rata of a whole of ${whole}`);
  if (rounding === Decimal.ROUND_HALF_EVEN) {
    const n = roundScaledFast(((amount * part) / whole) * SCALE);
    if (n === n) return n === 0 ? 0 : n / SCALE;
  }
  return out(dec(amount).times(dec(part)).div(dec(whole)), rounding);
}

/** Round x down (toward −∞) to a multiple of step, exactly. A step <= 0 only canonicalises x. */
export function floorQtyToStep(x: number, step: number): number {
  if (!(step > 0)) return toQty(x);
  const ux = units(x);
  const us = units(step);
  if (!Number.isNaN(ux) && !Number.isNaN(us) && us > 0) {
    const r = ux - (((ux % us) + us) % us);
    return r === 0 ? 0 : r / SCALE;
  }
  return out(dec(x).div(dec(step)).floor().times(dec(step)), Decimal.ROUND_FLOOR);
}

/** −1, 0 or 1 as a is below, equal to or above b (on their 8-decimal values). */
export function cmpQty(a: number, b: number): -1 | 0 | 1 {
  const ua = units(a);
  const ub = units(b);
  if (!Number.isNaN(ua) && !Number.isNaN(ub)) return ua < ub ? -1 : ua > ub ? 1 : 0;
  const c = dec(a).toDecimalPlaces(QTY_DP, Decimal.ROUND_HALF_EVEN).comparedTo(dec(b).toDecimalPlaces(QTY_DP, Decimal.ROUND_HALF_EVEN));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

export const eqQty = (a: number, b: number): boolean => cmpQty(a, b) === 0;
export const ltQty = (a: number, b: number): boolean => cmpQty(a, b) < 0;
export const lteQty = (a: number, b: number): boolean => cmpQty(a, b) <= 0;
export const gtQty = (a: number, b: number): boolean => cmpQty(a, b) > 0;
export const gteQty = (a: number, b: number): boolean => cmpQty(a, b) >= 0;

/** The smaller of two quantities, canonical. */
export function minQty(a: number, b: number): number {
  return toQty(cmpQty(a, b) <= 0 ? a : b);
}

/** The larger of two quantities, canonical. */
export function maxQty(a: number, b: number): number {
  return toQty(cmpQty(a, b) >= 0 ? a : b);
}

/** x <= 0 on the 8-decimal grid (nothing left). */
export function isZeroOrLessQty(x: number): boolean {
  return cmpQty(x, 0) <= 0;
}
