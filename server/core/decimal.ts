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

/** Round down to a multiple of step (quantities: never send more than intended). */
export function floorToStep(value: number, step: number): number {
  if (!(step > 0)) return value;
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
  return new Decimal(value).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

/** @deprecated the old name of roundMoney, kept until server/execution/live-venue.ts and bench/order-heavy.ts move. */
export const money = roundMoney;

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
