import { describe, expect, it } from "vitest";
import type { VenueOrderUpdate } from "../../execution";
import type { Fill } from "../../model/types";
import { Ledger, sequentialLedgerIds } from "../../portfolio";
import { planVenueLiquidation } from "../futures-account";

/**
 * Issue 15: the venue liquidates the net perp position (one-way mode); the ledger may hold it as
 * several positions (one per strategy instance). Its fills close each of them, never more than a
 * position holds (a short is not flipped into a long), and what the ledger never held is not booked.
 */
const PERP = "BTC/USDT:USDT";
const T = Date.UTC(2025, 0, 1);

function ledgerWithShorts(): Ledger {
  const ledger = new Ledger({ mode: "live", startingCash: 10_000, ids: sequentialLedgerIds("live-"), allowShort: true });
  const open = (id: string, quantity: number, strategyInstanceId?: string) =>
    ledger.applyFill({ clientOrderId: id, venueTradeId: id, symbol: PERP, side: "sell", price: 65_000, quantity, fee: 0, liquidity: "taker", timestamp: T }, { reason: "short", ...(strategyInstanceId ? { strategyInstanceId } : {}) });
  open("e-1", 0.002, "trend-1");
  open("e-2", 0.001);
  return ledger;
}

function liquidation(fills: Array<Pick<Fill, "venueTradeId" | "quantity" | "fee">>): VenueOrderUpdate {
  const quantity = fills.reduce((s, f) => s + f.quantity, 0);
  return {
    clientOrderId: "autoclose-1", venueOrderId: "991", symbol: PERP, side: "buy", type: "liquidation", status: "filled", quantity, filledQuantity: quantity, avgFillPrice: 97_000, fee: 0, timestamp: T + 60_000,
    fills: fills.map((f, i) => ({ ...f, clientOrderId: "autoclose-1", symbol: PERP, side: "buy", price: 97_000, liquidity: "taker", timestamp: T + 60_000 + i })),
  };
}

describe("a venue liquidation of a perp the ledger holds as several positions", () => {
  it("closes each position with its own liquidation exit, the fee shared by quantity, and the whole short ends flat", () => {
    const ledger = ledgerWithShorts();
    const plan = planVenueLiquidation(liquidation([{ venueTradeId: "t-1", quantity: 0.003, fee: 0.3 }]), ledger.positions(), "live");
    expect(plan.orders.map(({ order }) => [order.clientOrderId, order.venueOrderId, order.strategyInstanceId, order.quantity, order.exitReason, order.intent, order.reduceOnly])).toEqual([
      ["autoclose-1", "991", "trend-1", 0.002, "liquidation", "exit", true],
      ["autoclose-1:2", undefined, undefined, 0.001, "liquidation", "exit", true],
    ]);
    expect(plan.orders.map(({ fills }) => fills.map((f) => [f.clientOrderId, f.venueTradeId, f.quantity, f.fee]))).toEqual([[["autoclose-1", "t-1", 0.002, 0.2]], [["autoclose-1:2", "t-1", 0.001, 0.1]]]);
    expect(plan.unbooked).toBe(0);
    const closed = plan.orders.flatMap(({ order, fills }) =>
      fills.map((fill) => ledger.applyFill(fill, { reason: order.reason, exitReason: order.exitReason, ...(order.strategyInstanceId ? { strategyInstanceId: order.strategyInstanceId } : {}) }).closedTrade),
    );
    expect(ledger.positions()).toEqual([]);
    expect(closed.map((t) => t?.exitReason)).toEqual(["liquidation", "liquidation"]);
  });

  it("books no more than the ledger held: the rest is reported unbooked, and the ledger does not flip long", () => {
    const ledger = ledgerWithShorts();
    const plan = planVenueLiquidation(liquidation([{ venueTradeId: "t-1", quantity: 0.002, fee: 0.2 }, { venueTradeId: "t-2", quantity: 0.003, fee: 0.3 }]), ledger.positions(), "live");
    expect(plan.orders.map(({ fills }) => fills.map((f) => [f.venueTradeId, f.quantity]))).toEqual([[["t-1", 0.002]], [["t-2", 0.001]]]);
    expect(plan.unbooked).toBe(0.002);
    expect(plan.message).toMatch(/0\.002 beyond the ledger's positions not booked/);
  });
});
