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
  const decimals = Math.min(5, Math.max(2, SIGNIFICANT_DIGITS - integerDigits));
  return groupedDecimal(price, decimals) ?? PRICE_BY_DECIMALS[decimals].format(price);
}

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000];

/** Integers up to here print as plain digits (no exponent) and every double above 1 up to here has a plain shortest form. */
const PLAIN_LIMIT = 1e15;

/**
 * What PRICE_BY_DECIMALS[maxDecimals].format(value) gives, without Intl (about 1 µs a call, several
 * per signal, issue 20): ICU rounds the shortest decimal form of the double (String(value)) half
 * away from zero to `maxDecimals` decimals, keeps at least two, and groups thousands with commas.
 * Undefined where String() would not give plain digits (not finite, or |value| ≥ 1e15).
 */
function groupedDecimal(value: number, maxDecimals: number): string | undefined {
  const magnitude = Math.abs(value);
  if (!(magnitude < PLAIN_LIMIT)) return undefined;
  let integer: string;
  let fraction: string;
  // Usually the value is nowhere near a tie: magnitude × 10^d rounds to the same integer as the
  // shortest decimal form does (both are within 1e-4 of the exact value below 1e12), and an
  // integer prints without the cost of the shortest-form conversion.
  const scaled = magnitude * POW10[maxDecimals];
  const whole = Math.floor(scaled);
  const rest = scaled - whole;
  if (scaled < 1e12 && (rest < 0.5 - 1e-3 || rest > 0.5 + 1e-3)) {
    const digits = String(rest < 0.5 ? whole : whole + 1);
    integer = digits.slice(0, digits.length - maxDecimals);
    fraction = digits.slice(digits.length - maxDecimals);
  } else {
    ({ integer, fraction } = roundedShortest(magnitude, maxDecimals));
  }
  return grouped(value < 0, integer, fraction);
}

/** The shortest decimal form of `magnitude` (String()), rounded half away from zero to `maxDecimals` decimals. */
function roundedShortest(magnitude: number, maxDecimals: number): { integer: string; fraction: string } {
  const text = String(magnitude);
  const point = text.indexOf(".");
  let integer = point < 0 ? text : text.slice(0, point);
  let fraction = point < 0 ? "" : text.slice(point + 1);
  if (fraction.length > maxDecimals) {
    const roundUp = fraction.charCodeAt(maxDecimals) >= 53; // "5"
    fraction = fraction.slice(0, maxDecimals);
    if (roundUp) {
      // Add one unit in the last kept place, carrying through the fraction into the integer part.
      const digits = (integer + fraction).split("");
      let i = digits.length - 1;
      while (i >= 0 && digits[i] === "9") digits[i--] = "0";
      if (i >= 0) digits[i] = String.fromCharCode(digits[i].charCodeAt(0) + 1);
      else digits.unshift("1");
      const joined = digits.join("");
      integer = joined.slice(0, joined.length - maxDecimals);
      fraction = joined.slice(joined.length - maxDecimals);
    }
  }
  return { integer, fraction };
}

/** "-"? integer with thousands grouped "." the fraction without trailing zeros past two decimals. */
function grouped(negative: boolean, integer: string, fraction: string): string {
  let end = fraction.length;
  while (end > 2 && fraction.charCodeAt(end - 1) === 48) end -= 1; // trailing "0" beyond the two kept
  fraction = end < fraction.length ? fraction.slice(0, end) : fraction;
  while (fraction.length < 2) fraction += "0";
  let head = integer;
  if (integer.length > 3) {
    head = integer.slice(0, integer.length % 3 || 3);
    for (let i = head.length; i < integer.length; i += 3) head += `,${integer.slice(i, i + 3)}`;
  }
  return `${negative ? "-" : ""}${head}.${fraction}`;
}

/** Fixed decimals for oscillators and percentages: 58.1666 → "58.2". */
export function formatFixed(value: number, decimals = 1): string {
  return value.toFixed(decimals);
}

/** 1710547200000 → "2024-03-16 00:00 UTC". */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
