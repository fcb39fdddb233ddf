import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { baseQuantity, partialQuantity } from "./order-math";

describe("order ticket sizing", () => {
  it("a 100 USDT buy at 50,000 is 0.002 BTC", () => {
    expect(baseQuantity(100, "quote", 50_000)).toBe(0.002);
  });
  it("a base amount is sent as entered", () => {
    expect(baseQuantity(0.015, "base", null)).toBe(0.015);
  });
  it("a quote amount without a price, or nothing entered, gives no quantity", () => {
    expect(baseQuantity(100, "quote", null)).toBeNull();
    expect(baseQuantity(null, "base", 1)).toBeNull();
    expect(baseQuantity(0, "base", 1)).toBeNull();
  });
  it("never spends more than the quote amount asked for", () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e6, noNaN: true }), fc.double({ min: 0.01, max: 1e5, noNaN: true }), (amount, price) => {
        const q = baseQuantity(amount, "quote", price);
        if (q !== null) expect(q * price).toBeLessThanOrEqual(amount * (1 + 1e-12));
      }),
    );
  });
});

describe("closing part of a position", () => {
  it("half of 0.01 BTC is 0.005", () => {
    expect(partialQuantity(0.01, 50, 8)).toBe(0.005);
  });
  it("never closes more than the share asked, nor the whole position", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 1e4, noNaN: true }), fc.integer({ min: 1, max: 99 }), (qty, share) => {
        const part = partialQuantity(qty, share, 8);
        expect(part).toBeLessThanOrEqual((qty * share) / 100 + 1e-12);
        expect(part).toBeLessThan(qty);
      }),
    );
  });
});
