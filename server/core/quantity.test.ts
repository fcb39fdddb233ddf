import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal } from "./decimal";
import { addQty, cmpQty, floorQtyToStep, isQty, minQty, mulQty, proRataQty, subQty, sumQty, toQty } from "./quantity";

const exact = (x: number) => new Decimal(x);

describe("exact quantities", () => {
  it("three partial fills of an ETH buy add up to the position's 0.0513, not 0.05129999999999999", () => {
    expect(0.0004 + 0.0447 + 0.0062).toBeLessThan(0.0513);
    expect(sumQty([0.0004, 0.0447, 0.0062])).toBe(0.0513);
    expect(addQty(0.1, 0.2)).toBe(0.3);
    expect(subQty(0.3, 0.1)).toBe(0.2);
    expect(subQty(0.1, 0.1)).toBe(0);
    expect(Object.is(subQty(-0, 0), 0)).toBe(true);
  });

  it("off-grid inputs are taken at 8 decimals and results are canonical", () => {
    expect(toQty(0.1 + 0.2)).toBe(0.3);
    expect(isQty(0.1 + 0.2)).toBe(false);
    expect(isQty(0.3)).toBe(true);
    expect(cmpQty(0.1 + 0.2, 0.3)).toBe(0);
  });

  it("floors to the step exactly, for any step from 1e-8 to 1", () => {
    expect(floorQtyToStep(0.0512999999999999, 0.0001)).toBe(0.0512);
    expect(floorQtyToStep(1.23456789, 0.001)).toBe(1.234);
    expect(floorQtyToStep(7, 1)).toBe(7);
    expect(floorQtyToStep(0.00000009, 0.00000001)).toBe(0.00000009);
    expect(floorQtyToStep(-0.15, 0.1)).toBe(-0.2);
  });

  it("large holdings (SHIB, PEPE) stay exact beyond the fast path", () => {
    expect(addQty(123_456_789_012.5, 0.5)).toBe(123_456_789_013);
    expect(subQty(9e15, 1)).toBe(9e15 - 1);
    expect(floorQtyToStep(98_765_432_109.87, 1)).toBe(98_765_432_109);
    expect(minQty(5e10, 5e10 + 1)).toBe(5e10);
  });

  it("products and shares round to 8 decimals", () => {
    expect(mulQty(0.0513, 0.001)).toBe(0.0000513);
    expect(mulQty(0.123, 0.00075)).toBe(0.00009225);
    expect(proRataQty(100.2, 0.3, 1)).toBe(30.06);
  });

  it("agrees with decimal.js on random 8-decimal values", () => {
    const qty = fc.integer({ min: -(10 ** 17), max: 10 ** 17 }).map((u) => new Decimal(u).div(1e8).toNumber());
    fc.assert(
      fc.property(qty, qty, (a, b) => {
        expect(addQty(a, b)).toBe(exact(a).plus(b).toDecimalPlaces(8).toNumber() || 0);
        expect(subQty(a, b)).toBe(exact(a).minus(b).toDecimalPlaces(8).toNumber() || 0);
        expect(cmpQty(a, b)).toBe(exact(a).comparedTo(b));
      }),
      { numRuns: 2000 },
    );
  });
});
