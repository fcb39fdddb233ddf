import fc from "fast-check";
import { describe, expect, it } from "vitest";
// Tests may reach into the simulator (production code may not): the engine's maths and the
// simulator's are written apart, so agreeing on random positions checks both.
import { buildContract } from "../../simulator/futures/contracts";
import { liquidationPrice as simulatorLiquidationPrice, maintenanceMargin as simulatorMaintenance } from "../../simulator/futures/margin";
import { buildSymbolSpec } from "../../simulator/instruments";
import { isolatedWallet, liquidationPrice, maintenanceMargin, validateBrackets, type MarginBracket, type MarginContext, type PerpPosition } from "..";

const contracts = ["BTC/USDT", "ETH/USDT", "SOL/USDT"].map((s) => buildContract(buildSymbolSpec(s, {}, "42")));

/** The simulator's bracket table in the engine's shape (its last tier is open-ended as Binance's is). */
function engineBrackets(c: (typeof contracts)[number]): MarginBracket[] {
  return c.brackets.map((b, i) => ({
    bracket: b.bracket,
    notionalFloor: b.notionalFloor,
    notionalCap: i === c.brackets.length - 1 ? Number.POSITIVE_INFINITY : b.notionalCap,
    maintMarginRate: b.maintMarginRatio,
    maintAmount: b.cum,
    maxLeverage: b.initialLeverage,
  }));
}

describe("the engine's perp maths agree with the simulator's", () => {
  it("the simulator's bracket tables are valid engine tables", () => {
    for (const c of contracts) expect(() => validateBrackets(engineBrackets(c))).not.toThrow();
  });

  it("maintenance margin of any notional", () => {
    fc.assert(
      fc.property(fc.constantFrom(...contracts), fc.integer({ min: 0, max: 3_000_000_000 }).map((c) => c / 100), (c, notional) => {
        expect(maintenanceMargin(notional, engineBrackets(c))).toBe(simulatorMaintenance(notional, c.brackets));
      }),
      { numRuns: 500 },
    );
  });

  it("liquidation price of isolated and cross one-way positions", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...contracts),
        fc.constantFrom("long" as const, "short" as const),
        fc.integer({ min: 1, max: 50_000 }).map((u) => u / 1_000),
        fc.integer({ min: 1_00, max: 120_000_00 }).map((c) => c / 100),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.integer({ min: -50_000, max: 50_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        (c, side, quantity, entryPrice, leverage, cross, otherUpnl, otherMm) => {
          const position: PerpPosition = { side, quantity, entryPrice };
          const wallet = isolatedWallet(position, leverage) + (cross ? 500 : 0);
          const brackets = engineBrackets(c);
          const ctx: MarginContext = cross
            ? { marginMode: "cross", walletBalance: wallet, otherUnrealizedPnl: otherUpnl, otherMaintenanceMargin: otherMm, brackets }
            : { marginMode: "isolated", walletBalance: wallet, brackets };
          const ours = liquidationPrice(position, ctx);
          const theirs = simulatorLiquidationPrice({
            side: side === "long" ? 1 : -1,
            qty: quantity,
            entryPrice,
            walletBalance: wallet,
            otherMaintMargin: cross ? otherMm : 0,
            otherUnrealized: cross ? otherUpnl : 0,
            brackets: c.brackets,
          });
          // The simulator prints 0 for "none"; the engine says null (a long that cannot be liquidated)
          // or its smallest price (a short below maintenance at any price).
          if (theirs === 0) expect(ours === null || ours === 1e-8).toBe(true);
          else expect(ours).toBe(theirs);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
