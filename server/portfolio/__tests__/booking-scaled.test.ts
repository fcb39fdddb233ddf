import { describe, expect, it } from "vitest";
import { Decimal, QUOTE_DP } from "../../core/decimal";
import { seededRandom } from "../../backtest";
import { addMoney, subMoney } from "../booking";

/** addMoney/subMoney on scaled integers give exactly what decimal.js gives, on and off the 8-decimal grid. */
const viaDecimal = (a: number, b: number, op: "plus" | "minus") => new Decimal(a)[op](b).toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();

describe("booked money sums on scaled integers", () => {
  it("equal decimal.js for 20,000 seeded pairs: grid amounts, large amounts and off-grid floats", () => {
    const random = seededRandom(11);
    const amount = (k: number) => {
      const magnitude = 10 ** Math.floor(random() * 9 - 2); // 0.01 .. 1e6
      const x = (random() - 0.5) * magnitude;
      if (k % 5 === 0) return x * 0.1 + 0.2; // off the grid
      if (k % 7 === 0) return Math.round(x * 1e8) / 1e8 + 4e7; // near the end of the fast path
      return Math.round(x * 1e8) / 1e8;
    };
    for (let k = 0; k < 20_000; k++) {
      const a = amount(k);
      const b = amount(k + 1);
      expect(addMoney(a, b)).toBe(viaDecimal(a, b, "plus"));
      expect(subMoney(a, b)).toBe(viaDecimal(a, b, "minus"));
    }
  });

  it("0.1 + 0.2 is 0.3 and x − x is +0", () => {
    expect(addMoney(0.1, 0.2)).toBe(0.3);
    expect(Object.is(subMoney(-1.5, -1.5), 0)).toBe(true);
    expect(addMoney(1e9, 0.00000001)).toBe(viaDecimal(1e9, 0.00000001, "plus"));
  });
});
