import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildBrackets, buildContract } from "../contracts";
import { bankruptcyPrice, liquidationPrice } from "../margin";
import { buildSymbolSpec } from "../../instruments";

/**
 * Binance's documented liquidation price (one-way, isolated):
 *   LP = (WB − TMM1 + UPNL1 + cum − side × Q × EP) / (Q × MMR − side × Q)
 * checked against its definition — the price at which margin balance equals maintenance margin —
 * found independently by bisection over Binance's bracket table.
 */

const btc = buildContract(buildSymbolSpec("BTC/USDT", {}, "42"));

function mmrAndCum(notional: number): [number, number] {
  for (const b of btc.brackets) if (notional < b.notionalCap) return [b.maintMarginRatio, b.cum];
  const last = btc.brackets[btc.brackets.length - 1];
  return [last.maintMarginRatio, last.cum];
}

/** margin balance − maintenance margin at price p. */
function excess(side: 1 | -1, q: number, ep: number, wb: number, p: number): number {
  const [mmr, cum] = mmrAndCum(q * p);
  return wb + side * q * (p - ep) - (q * p * mmr - cum);
}

function bisect(side: 1 | -1, q: number, ep: number, wb: number): number {
  // Long: excess grows with price; short: it falls. Search (0, 100 × EP].
  let lo = 1e-9;
  let hi = ep * 100;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const safe = excess(side, q, ep, wb, mid) > 0;
    if (side > 0 === safe) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

describe("liquidation price (Binance's formula)", () => {
  it("computes cum from the bracket table as Binance defines it", () => {
    const b = buildBrackets([
      [125, 0, 50_000, 0.004],
      [100, 50_000, 600_000, 0.005],
      [75, 600_000, 3_000_000, 0.0065],
    ]);
    expect(b.map((x) => x.cum)).toEqual([0, 50, 950]);
  });

  it("is where margin balance meets maintenance margin, for random leverage, side and size", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 125 }),
        fc.constantFrom<1 | -1>(1, -1),
        fc.integer({ min: 1, max: 200_000 }).map((n) => n / 1000),
        fc.integer({ min: 10_000, max: 150_000 }),
        (leverage, side, qty, entry) => {
          const wb = (qty * entry) / leverage;
          const lp = liquidationPrice({ side, qty, entryPrice: entry, walletBalance: wb, otherMaintMargin: 0, otherUnrealized: 0, brackets: btc.brackets });
          const reference = bisect(side, qty, entry, wb);
          if (lp === 0) {
            // No liquidation above zero: a long whose margin covers the whole price.
            expect(side).toBe(1);
            expect(excess(side, qty, entry, wb, 1e-6)).toBeGreaterThan(0);
            return;
          }
          expect(Math.abs(lp - reference) / reference).toBeLessThan(1e-9);
          // Liquidation comes before bankruptcy.
          const bp = bankruptcyPrice(side, qty, entry, wb);
          if (side > 0) expect(lp).toBeGreaterThan(bp);
          else expect(lp).toBeLessThan(bp);
        },
      ),
      { numRuns: 500, seed: 20250506 },
    );
  });
});
