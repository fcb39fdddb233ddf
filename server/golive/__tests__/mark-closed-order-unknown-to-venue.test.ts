import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { InMemoryOrderStore, VenueError } from "../../execution";
import { FakeVenue } from "../../execution/__tests__/fake-venue";
import type { Instrument, Order } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore } from "../../risk";
import { TradingAccount } from "../../engine/account";
import type { EngineEvents } from "../../engine/events";
import { reconciliationEnginePorts } from "../engine-ports";
import { applyReconciliationAction, computeReconciliationPanel, type ReconciliationPorts } from "../reconciliation";

/**
 * POST /api/reconciliation/actions "mark_closed" on an order row the venue does not know: the live
 * account asks the venue first; when the venue answers that it has no such order, the person's word
 * closes it through the order manager (cancelled with the reason, stored), and the action is audited.
 * It used to answer 409 ORDER_NOT_SETTLED because nothing could mark an order closed.
 */
const SYMBOL = "BTC/USDT";
const BTC: Instrument = { symbol: SYMBOL, base: "BTC", quote: "USDT", tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, maxQty: 9000, minNotional: 5 };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

function resting(clientOrderId: string): Order {
  return {
    clientOrderId,
    symbol: SYMBOL,
    side: "buy",
    type: "limit",
    price: 40_000,
    quantity: 0.01,
    intent: "entry",
    reduceOnly: false,
    reason: "resting entry",
    createdAt: T0 - 60_000,
    mode: "live",
    status: "submitted",
    venueOrderId: "V-gone",
    filledQuantity: 0,
    avgFillPrice: 0,
    fee: 0,
    updatedAt: T0 - 60_000,
  };
}

async function setup() {
  const clock = new ManualClock(T0);
  const venue = new FakeVenue();
  const store = new InMemoryOrderStore();
  // Open in the ledger's order book since before this start; the venue never heard of it.
  await store.saveOrder(resting("tk-missing-1"));
  const account = await TradingAccount.create({
    mode: "live",
    venue,
    orderStore: store,
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode: "live", startingCash: 10_000, quoteCurrency: "USDT" }),
    clock,
    limits: { ...DEFAULT_RISK_LIMITS },
    bus: new EventBus<EngineEvents>(),
    logger: createLogger("silent"),
    instruments: new Map([[SYMBOL, BTC]]),
    fees: { maker: 0.001, taker: 0.001 },
    sleep: async () => {},
  });
  await account.start();
  const audits: { actor: string; action: string; data: Record<string, unknown> }[] = [];
  const engine = reconciliationEnginePorts({ accounts: new Map([["live", account]]) });
  const ports: ReconciliationPorts = { ...engine, ignore: async () => {}, lastPrice: () => 42_000, audit: async (e) => void audits.push(e) };
  const panel = () =>
    computeReconciliationPanel({
      at: clock.now(),
      quoteCurrency: "USDT",
      venueBalances: [{ asset: "USDT", free: 10_000, locked: 0 }],
      ledgerPositions: [],
      venueOpenOrders: [],
      ledgerOpenOrders: account.openOrders().map((o) => ({ id: o.clientOrderId, clientOrderId: o.clientOrderId, venueOrderId: o.venueOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, price: o.price })),
      instruments: [{ symbol: SYMBOL, base: "BTC", quote: "USDT", stepSize: BTC.stepSize }],
      ignored: [],
    });
  return { clock, venue, store, account, ports, panel, audits };
}

describe("mark closed, on an order the venue does not know", () => {
  it("closes the order with the reason through the order manager, stored, and audits it", async () => {
    const s = await setup();
    const before = s.panel();
    expect(before.rows.find((r) => r.key === "order:tk-missing-1")).toMatchObject({ status: "missing", actions: ["mark_closed"] });

    const done = await applyReconciliationAction(before, { key: "order:tk-missing-1", action: "mark_closed", reason: "cancelled by hand on the exchange" }, "user:owner", s.ports);
    expect(done).toMatchObject({ key: "order:tk-missing-1", action: "mark_closed" });
    expect(await s.store.loadOrder("tk-missing-1")).toMatchObject({ status: "cancelled", error: "MARKED_CLOSED_BY_PERSON: the venue does not know it: cancelled by hand on the exchange" });
    expect(s.account.openOrders()).toEqual([]);
    expect(s.venue.submitCalls).toEqual([]);
    expect(s.audits).toEqual([{ actor: "user:owner", action: "reconciliation.mark_closed", data: expect.objectContaining({ key: "order:tk-missing-1", status: "missing", reason: "cancelled by hand on the exchange" }) }]);
    expect(s.panel().rows.find((r) => r.key === "order:tk-missing-1")).toBeUndefined();
  });

  it("leaves the order alone and answers ORDER_NOT_SETTLED when the venue cannot be asked", async () => {
    const s = await setup();
    s.venue.failEverything = new VenueError("NETWORK", "connection reset");
    await expect(applyReconciliationAction(s.panel(), { key: "order:tk-missing-1", action: "mark_closed", reason: "cancelled by hand" }, "user:owner", s.ports)).rejects.toMatchObject({
      code: "ORDER_NOT_SETTLED",
      status: 409,
    });
    expect(await s.store.loadOrder("tk-missing-1")).toMatchObject({ status: "submitted" });
    expect(s.account.openOrders().map((o) => o.clientOrderId)).toEqual(["tk-missing-1"]);
    expect(s.audits).toEqual([]);
  });

  it("takes the venue's own answer when the venue does know the order", async () => {
    const s = await setup();
    s.venue.plant({ ...resting("tk-missing-1") }, "submitted");
    await s.ports.markClosed({ clientOrderId: "tk-missing-1", reason: "thought it was gone" });
    const order = await s.store.loadOrder("tk-missing-1");
    expect(order?.status).toBe("cancelled");
    expect(order?.error ?? "").not.toContain("MARKED_CLOSED_BY_PERSON");
  });
});
