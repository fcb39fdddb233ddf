import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { SequentialIds } from "../../core/ids";
import type { Order } from "../../model/types";
import { OrderManager, type ExecutionEvents, type NewOrder } from "../order-manager";
import { InMemoryOrderStore } from "../order-store";
import { FakeVenue } from "./fake-venue";

/**
 * The reconciliation panel's "mark closed" on an order the venue does not know: a person's word moves
 * it to a terminal state through the state machine, stored before it is acknowledged, never sent.
 */
const limitBuy: NewOrder = { symbol: "BTC/USDT", side: "buy", type: "limit", price: 50_000, quantity: 0.01, intent: "entry", reduceOnly: false, reason: "test limit" };

function setup(store = new InMemoryOrderStore()) {
  const venue = new FakeVenue();
  const clock = new ManualClock(1_000_000);
  const ids = new SequentialIds("tk-mc-");
  const manager = new OrderManager({ venue, store, mode: "live", clock, newClientOrderId: () => ids.next(), sleep: async () => {} });
  const updated: Order[] = [];
  const warnings: ExecutionEvents["execution.warning"][] = [];
  manager.events.on("order.updated", (o) => updated.push(o));
  manager.events.on("execution.warning", (w) => warnings.push(w));
  return { venue, clock, store, manager, updated, warnings };
}

/** A resting order the venue then forgets (cancelled by hand on the exchange, its history gone). */
async function forgottenOrder(s: ReturnType<typeof setup>) {
  await s.manager.start();
  const placed = await s.manager.place(limitBuy);
  expect(placed.status).toBe("submitted");
  s.venue.orders.delete(placed.clientOrderId);
  return placed;
}

describe("OrderManager.markClosedByPerson", () => {
  it("closes an order the venue does not know: cancelled with the reason, stored before it resolves, nothing sent", async () => {
    const s = setup();
    const placed = await forgottenOrder(s);
    await expect(s.manager.cancel(placed.clientOrderId)).rejects.toMatchObject({ code: "ORDER_NOT_FOUND" });
    const submits = s.venue.submitCalls.length;
    s.clock.advance(5_000);

    const closed = await s.manager.markClosedByPerson(placed.clientOrderId, "  cancelled by hand on the exchange ");
    expect(closed).toMatchObject({ clientOrderId: placed.clientOrderId, status: "cancelled", error: "MARKED_CLOSED_BY_PERSON: cancelled by hand on the exchange", updatedAt: 1_005_000 });
    // Durable when acknowledged: the store already says so, and it is no longer an open order.
    expect(await s.store.loadOrder(placed.clientOrderId)).toMatchObject({ status: "cancelled", error: closed.error });
    expect((await s.store.loadOpenOrders("live")).map((o) => o.clientOrderId)).not.toContain(placed.clientOrderId);
    expect(s.manager.getOrder(placed.clientOrderId)).toBeUndefined();
    expect(s.manager.openOrders()).toEqual([]);
    expect(s.venue.submitCalls).toHaveLength(submits);
    expect(s.updated.at(-1)).toMatchObject({ clientOrderId: placed.clientOrderId, status: "cancelled" });
    expect(s.warnings.map((w) => w.code)).toContain("ORDER_MARKED_CLOSED");
  });

  it("keeps what already filled: a partially filled order is closed with its fills", async () => {
    const s = setup();
    await s.manager.start();
    const placed = await s.manager.place(limitBuy);
    s.venue.fill(placed.clientOrderId, 0.004, 50_000, s.clock.now(), { push: true });
    await s.manager.idle();
    expect(s.manager.getOrder(placed.clientOrderId)).toMatchObject({ status: "partially_filled", filledQuantity: 0.004 });
    s.venue.orders.delete(placed.clientOrderId);
    const closed = await s.manager.markClosedByPerson(placed.clientOrderId, "the rest was cancelled by hand");
    expect(closed).toMatchObject({ status: "cancelled", filledQuantity: 0.004 });
    expect(await s.store.loadFills(placed.clientOrderId)).toHaveLength(1);
  });

  it("refuses without a reason, and leaves the order open", async () => {
    const s = setup();
    const placed = await forgottenOrder(s);
    await expect(s.manager.markClosedByPerson(placed.clientOrderId, "   ")).rejects.toMatchObject({ code: "REASON_REQUIRED", status: 400 });
    expect(s.manager.getOrder(placed.clientOrderId)?.status).toBe("submitted");
    expect((await s.store.loadOrder(placed.clientOrderId))?.status).toBe("submitted");
  });

  it("answers an order already closed unchanged, and an unknown one with NOT_FOUND", async () => {
    const s = setup();
    await s.manager.start();
    const placed = await s.manager.place(limitBuy);
    const cancelled = await s.manager.cancel(placed.clientOrderId);
    expect(cancelled.status).toBe("cancelled");
    const events = s.updated.length;
    expect(await s.manager.markClosedByPerson(placed.clientOrderId, "late")).toEqual(cancelled);
    expect(s.updated).toHaveLength(events);
    expect(s.warnings.map((w) => w.code)).not.toContain("ORDER_MARKED_CLOSED");
    await expect(s.manager.markClosedByPerson("tk-nobody", "gone")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("is not acknowledged when the store cannot keep it: the order stays open", async () => {
    class FailingStore extends InMemoryOrderStore {
      failUpdates = false;
      override async updateOrder(order: Order): Promise<void> {
        if (this.failUpdates) throw new Error("database is down");
        return super.updateOrder(order);
      }
    }
    const store = new FailingStore();
    const s = setup(store);
    const placed = await forgottenOrder(s);
    store.failUpdates = true;
    await expect(s.manager.markClosedByPerson(placed.clientOrderId, "cancelled by hand")).rejects.toThrow("database is down");
    expect(s.manager.getOrder(placed.clientOrderId)?.status).toBe("submitted");
    expect(s.updated.at(-1)?.status).toBe("submitted");
    store.failUpdates = false;
    expect((await s.manager.markClosedByPerson(placed.clientOrderId, "cancelled by hand")).status).toBe("cancelled");
  });

  it("is serialised with venue updates: a fill pushed first is applied, then the order is closed", async () => {
    const s = setup();
    await s.manager.start();
    const placed = await s.manager.place(limitBuy);
    s.venue.fill(placed.clientOrderId, 0.01, 50_000, s.clock.now(), { push: true });
    // The push is queued on the order; the person's word runs after it and finds the order filled.
    const answer = await s.manager.markClosedByPerson(placed.clientOrderId, "thought it was gone");
    expect(answer.status).toBe("filled");
  });
});
