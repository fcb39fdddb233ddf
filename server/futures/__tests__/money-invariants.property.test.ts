import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal, sumMoney } from "../../core/decimal";
import { Ledger, sequentialLedgerIds } from "../../portfolio";
import type { Fill } from "../../model/types";
import {
  EXAMPLE_BTC_BRACKETS,
  MIN_PRICE,
  bracketFor,
  bracketsFromTiers,
  fundingCashFlow,
  isolatedWallet,
  liquidationPrice,
  maintenanceMargin,
  unrealizedPnl,
  type MarginBracket,
  type MarginContext,
  type PerpPosition,
} from "..";

/** Quantities and prices on the venue's grids (8 and 2 decimals). */
const qty = fc.integer({ min: 1, max: 500_000_000 }).map((u) => u / 1e8); // 0.00000001 … 5
const price = fc.integer({ min: 100_00, max: 150_000_00 }).map((c) => c / 100);
const side = fc.constantFrom("long" as const, "short" as const);
const leverage = fc.integer({ min: 1, max: 20 });
const rate = fc.integer({ min: -3_000, max: 3_000 }).map((r) => r / 1e6); // ±0.3 %

const tiers = fc
  .array(fc.tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.integer({ min: 10, max: 800 })), { minLength: 1, maxLength: 6 })
  .map((steps) => {
    let cap = 0;
    let rateBp = 0;
    const out = steps.map(([width, addBp], i) => {
      cap += width;
      rateBp += addBp;
      return { notionalCap: i === steps.length - 1 ? Number.POSITIVE_INFINITY : cap, maintMarginRate: Math.min(rateBp, 9_000) / 100_000, maxLeverage: 125 };
    });
    // rates must not fall: cap them in order
    for (let i = 1; i < out.length; i++) if (out[i].maintMarginRate < out[i - 1].maintMarginRate) out[i] = { ...out[i], maintMarginRate: out[i - 1].maintMarginRate };
    return bracketsFromTiers(out);
  });
const bracketTable: fc.Arbitrary<readonly MarginBracket[]> = fc.oneof(fc.constant(EXAMPLE_BTC_BRACKETS), tiers);

/** Margin balance − maintenance margin at a price, exact (decimal), the way a venue would check it. */
function slack(p: PerpPosition, ctx: MarginContext, at: number): Decimal {
  const s = p.side === "long" ? 1 : -1;
  const q = new Decimal(p.quantity);
  const notional = q.mul(at);
  const b = bracketFor(ctx.brackets, notional.toNumber());
  const mm = notional.mul(b.maintMarginRate).minus(b.maintAmount).plus(ctx.marginMode === "cross" ? (ctx.otherMaintenanceMargin ?? 0) : 0);
  const mb = new Decimal(ctx.walletBalance)
    .plus(ctx.marginMode === "cross" ? (ctx.otherUnrealizedPnl ?? 0) : 0)
    .plus(q.mul(new Decimal(at).minus(p.entryPrice)).mul(s));
  return mb.minus(mm);
}

/** A short's slack at the smallest price is already negative: its root is at or below zero. */
function liquidationWithRootBelowZero(p: PerpPosition, ctx: MarginContext): boolean {
  return slack(p, ctx, MIN_PRICE).lte(0);
}

describe("money invariants of the perp maths (property tests)", () => {
  it("at the liquidation price the margin balance equals the maintenance margin (isolated and cross), and it is on the losing side", () => {
    fc.assert(
      fc.property(
        side,
        qty,
        price,
        leverage,
        bracketTable,
        fc.boolean(),
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (s, q, ep, lev, brackets, cross, otherUpnlCents, otherMmCents) => {
          const p: PerpPosition = { side: s, quantity: q, entryPrice: ep };
          const wallet = isolatedWallet(p, lev);
          const ctx: MarginContext = cross
            ? { marginMode: "cross", walletBalance: wallet + 1_000, otherUnrealizedPnl: otherUpnlCents / 100, otherMaintenanceMargin: otherMmCents / 100, brackets }
            : { marginMode: "isolated", walletBalance: wallet, brackets };
          const lp = liquidationPrice(p, ctx);
          if (lp === MIN_PRICE && s === "short" && liquidationWithRootBelowZero(p, ctx)) {
            // already below maintenance at any price
            expect(slack(p, ctx, ep).lt(0)).toBe(true);
            return;
          }
          if (lp === null) {
            // No liquidation: a long still covers its maintenance margin at a price of (almost) zero.
            expect(s).toBe("long");
            expect(slack(p, ctx, 1e-8).gte(new Decimal(-q).mul(1e-8))).toBe(true);
            return;
          }
          // LP is rounded to 8 dp (or, above 2^53 / 1e8, to the nearest double): the slack at LP is
          // within Q × (1 + MMR) × half that step of zero.
          const tolerance = new Decimal(q).mul(Math.max(1e-8, lp * 2 ** -52));
          expect(slack(p, ctx, lp).abs().lte(tolerance), `slack ${slack(p, ctx, lp).toString()} at LP ${lp}`).toBe(true);
          // and the venue liquidates on the losing side of LP, not on the other
          const step = Math.max(lp * 1e-6, 0.01);
          const worse = s === "long" ? lp - step : lp + step;
          const better = s === "long" ? lp + step : lp - step;
          if (worse > 0) expect(slack(p, ctx, worse).lt(0), `worse ${worse}`).toBe(true);
          expect(slack(p, ctx, better).gt(0), `better ${better}`).toBe(true);
        },
      ),
      { numRuns: 800 },
    );
  });

  it("the maintenance margin is continuous at every bracket boundary", () => {
    fc.assert(
      fc.property(bracketTable, (brackets) => {
        for (const b of brackets.slice(1)) {
          const below = new Decimal(b.notionalFloor).mul(brackets[b.bracket - 2].maintMarginRate).minus(brackets[b.bracket - 2].maintAmount);
          expect(maintenanceMargin(b.notionalFloor, brackets)).toBe(below.toDecimalPlaces(8).toNumber());
        }
      }),
    );
  });

  it("funding sums exactly: cash, the position's fundingPaid and the trade's pnl move by the exact decimal sum of the payments", () => {
    fc.assert(
      fc.property(side, qty, price, fc.array(fc.tuple(price, rate), { minLength: 1, maxLength: 30 }), (s, q, ep, marks) => {
        const ledger = new Ledger({ mode: "backtest", startingCash: 1_000_000, allowShort: true, ids: sequentialLedgerIds("p-") });
        const open: Fill = { clientOrderId: "o", venueTradeId: "t", symbol: "BTC/USDT:USDT", side: s === "long" ? "buy" : "sell", price: ep, quantity: q, fee: 0, liquidity: "taker", timestamp: 0 };
        ledger.applyFill(open);
        const cashAfterOpen = ledger.cash;
        const flows = marks.map(([m, r]) => fundingCashFlow(s, q, m, r));
        flows.forEach((cashFlow, i) => ledger.applyFunding({ symbol: open.symbol, cashFlow, timestamp: i + 1 }));
        const total = sumMoney(flows);
        expect(ledger.cash).toBe(new Decimal(cashAfterOpen).plus(total).toNumber());
        expect(ledger.getPosition(open.symbol)?.fundingPaid ?? 0).toBe(total === 0 ? 0 : -total);
        // a long's flows are exactly the short's, negated
        marks.forEach(([m, r], i) => expect(fundingCashFlow(s === "long" ? "short" : "long", q, m, r)).toBe(flows[i] === 0 ? 0 : -flows[i]));
        const trade = ledger.applyFill({ ...open, clientOrderId: "c", venueTradeId: "c", side: s === "long" ? "sell" : "buy", timestamp: 99 }).closedTrade!;
        expect(trade.pnl).toBe(total);
        expect(ledger.cash).toBe(new Decimal(1_000_000).plus(total).toNumber());
      }),
      { numRuns: 300 },
    );
  });

  it("P&L is symmetric: a long's unrealised and realised P&L is exactly the short's negated", () => {
    fc.assert(
      fc.property(qty, price, price, fc.integer({ min: 0, max: 200 }), (q, ep, exit, feeBp) => {
        expect(unrealizedPnl({ side: "long", quantity: q, entryPrice: ep }, exit)).toBe(-unrealizedPnl({ side: "short", quantity: q, entryPrice: ep }, exit) + 0);
        const trade = (s: "buy" | "sell") => {
          const ledger = new Ledger({ mode: "backtest", startingCash: 1_000_000, allowShort: true, ids: sequentialLedgerIds("s-") });
          const fee = (px: number) => new Decimal(q).mul(px).mul(feeBp).div(100_000).toDecimalPlaces(8).toNumber();
          ledger.applyFill({ clientOrderId: "a", venueTradeId: "a", symbol: "X/USDT:USDT", side: s, price: ep, quantity: q, fee: fee(ep), liquidity: "taker", timestamp: 0 });
          return ledger.applyFill({ clientOrderId: "b", venueTradeId: "b", symbol: "X/USDT:USDT", side: s === "buy" ? "sell" : "buy", price: exit, quantity: q, fee: fee(exit), liquidity: "taker", timestamp: 1 })
            .closedTrade!;
        };
        const long = trade("buy");
        const short = trade("sell");
        // gross P&L mirrors exactly; both pay the same fees
        expect(new Decimal(long.pnl).plus(long.fees).toNumber()).toBe(new Decimal(short.pnl).plus(short.fees).neg().toNumber() + 0);
        expect(long.fees).toBe(short.fees);
      }),
      { numRuns: 500 },
    );
  });
});
