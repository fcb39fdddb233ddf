/** Pure sizing helpers of the order ticket and the partial close (tested in order-math.test.ts). */

/** `share` percent of a quantity, floored to `dp` decimals so it never exceeds the share. */
export function partialQuantity(quantity: number, sharePct: number, dp: number): number {
  if (!(quantity > 0) || !(sharePct > 0)) return 0;
  const f = 10 ** dp;
  return Math.floor(((quantity * sharePct) / 100) * f + 1e-9) / f;
}

export type SizeUnit = "base" | "quote";

/**
 * Base quantity of an order from an amount in base or quote units at a reference price, floored to `dp`
 * decimals (the venue's step rounds down too, so the notional never exceeds what was asked). Null when
 * it cannot be known (no price for a quote amount, nothing entered).
 */
export function baseQuantity(amount: number | null, unit: SizeUnit, price: number | null, dp = 8): number | null {
  if (amount === null || !Number.isFinite(amount) || amount <= 0) return null;
  if (unit === "base") return amount;
  if (price === null || !Number.isFinite(price) || price <= 0) return null;
  const f = 10 ** dp;
  const q = Math.floor((amount / price) * f + 1e-9) / f;
  return q > 0 ? q : null;
}
