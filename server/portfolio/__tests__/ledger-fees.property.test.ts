import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal } from "../../core/decimal";
import type { Fill } from "../../model/types";
import { Ledger, dustRemainder, sequentialLedgerIds } from "../ledger";

/**
 * Property: whatever the sequence of partial buys (quote fee or commission withheld in base) and
 * partial sells (quote fee, or rarely base fee), on any lot step and price precision, the position
 * holds exactly Σ buys − Σ buy base fees − Σ sells − Σ sell base fees (8-dp grid, ===), the booking
 * invariants hold after every fill, and selling everything
 * (or selling what the step allows and moving the rest to dust) leaves the ledger flat.
 *
 * Expected quantities are computed on integer units of 1e-8, independently of the ledger's arithmetic.
 */

const UNIT = 1e8;
const toNum = (units: number): number => units / UNIT;
const START = 1_000_000;
/** Prices stay below this (tick multiples), so amounts stay where a double resolves 1e-8. */
const MAX_PRICE = 1_000;
const SYMBOL = "BTC/USDT";

type Op =
  | { kind: "buy"; steps: number; priceTicks: number; feeRateBps: number; baseFee: boolean }
  | { kind: "sell"; fraction: number; priceTicks: number; feeRateBps: number; baseFee: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("buy" as const),
    steps: fc.integer({ min: 1, max: 200 }),
    priceTicks: fc.integer({ min: 1, max: 1_000_000 }),
    feeRateBps: fc.constantFrom(0, 1, 7.5, 10, 25),
    baseFee: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("sell" as const),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    priceTicks: fc.integer({ min: 1, max: 1_000_000 }),
    feeRateBps: fc.constantFrom(0, 1, 7.5, 10, 25),
    /** Rare on Binance: a sell's fee taken in base (the holding falls by quantity + baseFee). */
    baseFee: fc.boolean(),
  }),
);

const scenarioArb = fc.record({
  /** Lot step 10^-stepDp (1 … 0.00000001). */
  stepDp: fc.integer({ min: 0, max: 8 }),
  /** Tick 10^-tickDp. */
  tickDp: fc.integer({ min: 0, max: 6 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 25 }),
  /** End by selling the exact position (true) or the step-floored part and moving the rest to dust. */
  sellExact: fc.boolean(),
});

const round8 = (x: number): number => Math.round(x * UNIT) / UNIT;

function checkInvariants(ledger: Ledger): void {
  const equity = ledger.equity();
  expect(Math.abs(equity - (ledger.startingCash + ledger.realizedPnl + ledger.unrealizedPnl()))).toBeLessThan(1e-8);
  // Booked exactly (decimal): cash + open cost + dust cost = start + realized, to the satoshi.
  let held = new Decimal(ledger.cash);
  for (const p of ledger.positions()) held = held.plus(p.costBasis);
  for (const d of ledger.dust()) held = held.plus(d.costBasis);
  expect(held.toFixed(8)).toBe(new Decimal(ledger.startingCash).plus(ledger.realizedPnl).toFixed(8));
}

describe("Ledger property: quote fees, base fees, partial fills", () => {
  it("position = Σ buys − Σ base fees − Σ sells exactly; invariants hold; a full exit (or exit + dust) is flat", () => {
    fc.assert(
      fc.property(scenarioArb, ({ stepDp, tickDp, ops, sellExact }) => {
        const stepUnits = 10 ** (8 - stepDp);
        const tick = 10 ** -tickDp;
        const ledger = new Ledger({ mode: "backtest", startingCash: START, ids: sequentialLedgerIds("prop-") });
        let seq = 0;
        let heldUnits = 0; // Σ buys − Σ base fees − Σ sells
        let soldUnits = 0;
        let lastPrice = 1;
        const make = (side: Fill["side"], units: number, price: number, fee: number, baseFeeUnits?: number): Fill => {
          seq += 1;
          const f: Fill = { clientOrderId: `c${seq}`, venueTradeId: `t${seq}`, symbol: SYMBOL, side, price, quantity: toNum(units), fee, liquidity: "taker", timestamp: seq * 1_000 };
          if (baseFeeUnits !== undefined) f.baseFee = toNum(baseFeeUnits);
          return f;
        };

        for (const op of ops) {
          const price = Number(((op.priceTicks % (MAX_PRICE * 10 ** tickDp)) * tick).toFixed(tickDp)) || tick;
          lastPrice = price;
          const rate = op.feeRateBps / 10_000;
          if (op.kind === "buy") {
            const units = op.steps * stepUnits;
            let fill: Fill;
            if (op.baseFee && rate > 0 && Math.round(units * rate) > 0 && Math.round(units * rate) < units) {
              const feeUnits = Math.round(units * rate);
              fill = make("buy", units, price, round8(toNum(feeUnits) * price), feeUnits);
              heldUnits += units - feeUnits;
            } else {
              fill = make("buy", units, price, round8(toNum(units) * price * rate));
              heldUnits += units;
            }
            const out = ledger.applyFill(fill);
            expect(out.quantity).toBe(toNum(units - (fill.baseFee === undefined ? 0 : Math.round(fill.baseFee * UNIT))));
          } else {
            // A sell the venue would accept: a fraction of the holding, floored to the step.
            const units = Math.floor((heldUnits * op.fraction) / stepUnits) * stepUnits;
            if (units <= 0) continue;
            const feeUnits = Math.round(units * rate);
            if (op.baseFee && feeUnits > 0 && feeUnits < units && units + feeUnits <= heldUnits) {
              const out = ledger.applyFill(make("sell", units, price, round8(toNum(feeUnits) * price), feeUnits));
              expect(out.quantity).toBe(toNum(units + feeUnits));
              heldUnits -= units + feeUnits;
              soldUnits += units + feeUnits;
            } else {
              ledger.applyFill(make("sell", units, price, round8(toNum(units) * price * rate)));
              heldUnits -= units;
              soldUnits += units;
            }
          }
          const pos = ledger.getPosition(SYMBOL);
          expect(pos?.quantity ?? 0).toBe(toNum(heldUnits));
          if (pos) expect(pos.exitQuantity).toBe(toNum(soldUnits));
          checkInvariants(ledger);
        }

        const pos = ledger.getPosition(SYMBOL);
        if (!pos) return;
        const price = lastPrice;
        if (sellExact) {
          const out = ledger.applyFill(make("sell", heldUnits, price, round8(toNum(heldUnits) * price * 0.001)));
          expect(out.position).toBeNull();
          expect(out.closedTrade!.quantity).toBe(toNum(soldUnits + heldUnits));
          expect(ledger.dust()).toEqual([]);
          expect(new Decimal(ledger.cash).toFixed(8)).toBe(new Decimal(ledger.startingCash).plus(ledger.realizedPnl).toFixed(8));
        } else {
          const instrument = { stepSize: toNum(stepUnits), minQty: toNum(stepUnits), minNotional: 0 };
          const sellable = Math.floor(heldUnits / stepUnits) * stepUnits;
          if (sellable > 0) {
            ledger.applyFill(make("sell", sellable, price, round8(toNum(sellable) * price * 0.001)));
            soldUnits += sellable;
          }
          const rest = heldUnits - sellable;
          const remaining = ledger.getPosition(SYMBOL);
          expect(remaining?.quantity ?? 0).toBe(toNum(rest));
          if (remaining) {
            expect(dustRemainder(remaining.quantity, price, instrument)).toBe(remaining.quantity);
            const moved = ledger.moveToDust(remaining.id, seq * 1_000 + 1);
            expect(moved.dust.quantity).toBe(toNum(rest));
            if (soldUnits > 0) expect(moved.closedTrade!.quantity).toBe(toNum(soldUnits));
            else expect(moved.closedTrade).toBeNull();
          }
        }
        expect(ledger.openPositionCount).toBe(0);
        checkInvariants(ledger); // flat: cash + dust cost = start + realized, exactly
        // The state survives a round trip and marks the dust the same.
        const back = Ledger.fromJSON(JSON.parse(JSON.stringify(ledger)));
        expect(back.equity()).toBe(ledger.equity());
      }),
      { numRuns: 150, seed: 20_241_201 },
    );
  });
});
