import { describe, expect, it } from "vitest";
import { formatPrice } from "../format";

/** formatPrice as it was written first: Intl only (the fast path must give the very same text). */
const BY_DECIMALS = [2, 2, 2, 3, 4, 5].map((d) => new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: d }));
const BELOW_ONE = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 6 });
function intlPrice(price: number): string {
  const magnitude = Math.abs(price);
  if (magnitude < 1) return BELOW_ONE.format(price);
  const integerDigits = Math.floor(Math.log10(magnitude)) + 1;
  return BY_DECIMALS[Math.min(5, Math.max(2, 6 - integerDigits))].format(price);
}

/** A seeded generator: the same values on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("formatPrice", () => {
  it("keeps the documented examples", () => {
    expect(formatPrice(23412.5)).toBe("23,412.50");
    expect(formatPrice(98.02334)).toBe("98.0233");
    expect(formatPrice(1.823456)).toBe("1.82346");
    expect(formatPrice(0.0000123456)).toBe("0.0000123456");
  });

  it("gives Intl's text for ties, carries and edges", () => {
    const values = [
      1, 1.005, 1.00005, 1.000005, 9.999995, 9.99999, 99.99995, 999.9995, 9999.995, 99999.995, 999999.995, 1234567.891, 10, 100, 1000, 1e6, 1e14, 9.99e14,
      2.5, 12.345, 123.4565, 1234.5675, 23412.125, 23412.135, 27000.5, 1.0000049999, 5.000005, 42.12345, -1.005, -23412.5, -99999.995, 1e15, 1.5e20, Number.MAX_SAFE_INTEGER,
    ];
    for (const v of values) expect(formatPrice(v), String(v)).toBe(intlPrice(v));
  });

  it("gives Intl's text on many random prices of every magnitude", () => {
    const random = mulberry32(20);
    for (let i = 0; i < 20_000; i++) {
      const exponent = Math.floor(random() * 8); // 1 .. 1e8
      const raw = (1 + random() * 9) * 10 ** exponent;
      // Some at full precision, some on a tick grid (as candle prices are), some exactly on a tie.
      const kind = i % 3;
      const v = kind === 0 ? raw : kind === 1 ? Math.round(raw * 100) / 100 : Math.round(raw * 1000) / 1000 + 0.0005 * (exponent < 3 ? 0.01 : 1);
      expect(formatPrice(v), String(v)).toBe(intlPrice(v));
      expect(formatPrice(-v), String(-v)).toBe(intlPrice(-v));
    }
  });
});
