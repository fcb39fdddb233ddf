/** Number formatting for signal reasons (only called when a signal is emitted, never per candle). */
const SIGNIFICANT_DIGITS = 6;
/** Index d: at least 2 and at most d decimals (d = 2..5), grouped thousands. */
const PRICE_BY_DECIMALS = [2, 2, 2, 3, 4, 5].map((d) => new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: d }));
const PRICE_BELOW_ONE = new Intl.NumberFormat("en-US", { maximumSignificantDigits: SIGNIFICANT_DIGITS });

/**
 * About six significant digits, never fewer than two decimals:
 * 23412.5 → "23,412.50"; 98.02334 → "98.0233"; 1.823456 → "1.82346"; 0.0000123456 → "0.0000123456".
 */
export function formatPrice(price: number): string {
  const magnitude = Math.abs(price);
  if (magnitude < 1) return PRICE_BELOW_ONE.format(price);
  const integerDigits = Math.floor(Math.log10(magnitude)) + 1;
  return PRICE_BY_DECIMALS[Math.min(5, Math.max(2, SIGNIFICANT_DIGITS - integerDigits))].format(price);
}

/** Fixed decimals for oscillators and percentages: 58.1666 → "58.2". */
export function formatFixed(value: number, decimals = 1): string {
  return value.toFixed(decimals);
}

/** 1710547200000 → "2024-03-16 00:00 UTC". */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
