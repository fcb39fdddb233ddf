import Decimal from "decimal.js";

/**
 * The project's one number policy:
 * - Engine hot path (indicators, strategies, P&L marks) uses JS numbers: fast, and their rounding
 *   error (~1e-16 relative) is far below any exchange precision.
 * - Anything that crosses to a venue (order quantity and price) is snapped to the instrument's
 *   step/tick with decimal arithmetic, so 0.1 + 0.2 style errors never produce an off-grid order.
 * - Money that is booked (fees, realized P&L, balances) is rounded to QUOTE_DP decimals with decimal
 *   arithmetic and stored as NUMERIC in the database; it is never summed in floating point in SQL.
 */
export const QUOTE_DP = 8;

Decimal.set({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

/*
 * Fast paths (issue 20). The decimal.js results above are the definition; the fast paths return the
 * same double or give up (NaN) and the decimal path runs. x × 1e8 (or a product or quotient scaled
 * by 1e8) computed in doubles is within a relative 6 × 2^-53 of the exact decimal value (at most three
 * roundings of the arithmetic and, for each input, the gap between the double and the decimal that
 * decimal.js reads from it); when that value is more than margin(y) (about 19 times that bound, and
 * 2^-30 at least) away from every point where the rounding could go either way (an integer for a
 * floor, a half for round-half-even), the floor or rounded integer of the double is the floor or
 * rounding of the exact decimal, and n / 1e8 (n an integer below 2^44) is the correctly rounded
 * double decimal.js's toNumber() gives.
 */
const SCALE_8 = 1e8;
/** Scaled values up to here (margin(y) stays below 1/8 there). */
const FAST_SCALED_LIMIT = 2 ** 44;
const margin = (y: number): number => (y < 0 ? -y : y) * 2 ** -47 + 2 ** -30;
/** Scaled integers of 8-decimal values up to here are exact (the policy of ./quantity.ts). */
const FAST_UNITS_LIMIT = 2 ** 52;

/** Round half-even of a scaled value known to within a few ulps, or NaN when too near a half. */
export function roundScaledFast(y: number): number {
  if (!(y < FAST_SCALED_LIMIT && y > -FAST_SCALED_LIMIT)) return Number.NaN;
  const f = Math.floor(y);
  const frac = y - f;
  const m = margin(y);
  if (frac > 0.5 - m && frac < 0.5 + m) return Number.NaN;
  // Next to an integer the exact value may be on either side of it: the nearest integer is the same.
  const n = frac < 0.5 ? f : f + 1;
  // decimal.js keeps the sign of a negative amount that rounds to zero.
  return n === 0 && y < 0 ? -0 : n;
}

/** Floor of a scaled value known to within a few ulps, or NaN when too near an integer. */
function floorScaledFast(y: number): number {
  if (!(y < FAST_SCALED_LIMIT && y > -FAST_SCALED_LIMIT)) return Number.NaN;
  const f = Math.floor(y);
  const frac = y - f;
  const m = margin(y);
  return frac > m && frac < 1 - m ? f : Number.NaN;
}

/** The scaled integer of a step that divides 1 (1, 0.1, 0.5, 0.00001, 0.0025 …) on the 8-decimal grid, else NaN. */
function stepUnits(step: number): number {
  const u = Math.round(step * SCALE_8);
  return u > 0 && u <= SCALE_8 && u / SCALE_8 === step && SCALE_8 % u === 0 ? u : Number.NaN;
}

/** Round down to a multiple of step (quantities: never send more than intended). */
export function floorToStep(value: number, step: number): number {
  if (!(step > 0)) return value;
  const us = stepUnits(step);
  if (us === us) {
    // floor(v / step) × step = (f − (f mod us)) / 1e8 with f = floor(v × 1e8), us an integer; v / step
    // is exact in decimal.js too (us divides 1e8), so both paths floor the same exact quotient. A value
    // on the 8-decimal grid (a held quantity) is its scaled integer exactly; any other is floored with
    // floorScaledFast.
    const u = Math.round(value * SCALE_8);
    const f = u <= FAST_UNITS_LIMIT && u >= -FAST_UNITS_LIMIT && u / SCALE_8 === value ? u : floorScaledFast(value * SCALE_8);
    if (f === f) return (f - (((f % us) + us) % us)) / SCALE_8;
  }
  return new Decimal(value).div(step).floor().mul(step).toNumber();
}

/** Round to the nearest multiple of tick (prices). */
export function roundToTick(value: number, tick: number): number {
  if (!(tick > 0)) return value;
  return new Decimal(value).div(tick).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).mul(tick).toNumber();
}

/** Book a money amount: round half-even to QUOTE_DP decimals (a number; for text see the formatters). */
export function roundMoney(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  const n = roundScaledFast(value * SCALE_8);
  if (n === n) return n / SCALE_8;
  return new Decimal(value).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** Exact decimal sum of booked amounts. */
export function sumMoney(values: Iterable<number>): number {
  let total = new Decimal(0);
  for (const v of values) total = total.plus(v);
  return total.toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** Decimal string for storage in NUMERIC columns (no exponent notation). */
export function toDecimalString(value: number): string {
  return new Decimal(value).toFixed();
}

export function isFinitePositive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

export { Decimal };
