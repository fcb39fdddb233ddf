import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryOrderStore, type OrderStore } from "../../execution";
import type { Order } from "../../model/types";
import { openDatabase, type Database } from "../database";
import { PrismaOrderStore } from "./order-store";

/**
 * Terminal order states are final in the store itself: a stale copy of an order ("submitted") written
 * after the order was stored "expired" (the venue's self-trade prevention expired it) must not move it
 * back, on the embedded database as in memory. A finished order still takes a late fee of the same state.
 */

const T0 = Date.UTC(2024, 0, 1);
let db: Database;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "tk-order-final-"));
  db = await openDatabase({ dataDir: dir });
}, 240_000);
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function restingBuy(clientOrderId: string): Order {
  return {
    clientOrderId,
    symbol: "BTC/USDT",
    side: "buy",
    type: "limit",
    price: 40_000,
    timeInForce: "GTC",
    quantity: 0.001,
    intent: "entry",
    reduceOnly: false,
    reason: "manual limit buy",
    createdAt: T0,
    mode: "live",
    status: "new",
    filledQuantity: 0,
    avgFillPrice: 0,
    fee: 0,
    updatedAt: T0,
  };
}

const stores: Array<[string, () => OrderStore]> = [
  ["PrismaOrderStore (embedded database)", () => new PrismaOrderStore(db.prisma, "simulator")],
  ["InMemoryOrderStore", () => new InMemoryOrderStore()],
];

describe.each(stores)("%s: a finished order is never moved back", (name, make) => {
  const id = (suffix: string) => `final-${name.startsWith("Prisma") ? "db" : "mem"}-${suffix}`;

  it("refuses a stale 'submitted' written over 'expired' and keeps the expired row", async () => {
    const store = make();
    const order = restingBuy(id("stale"));
    await store.saveOrder(order);
    const submitted: Order = { ...order, status: "submitted", venueOrderId: "v1", updatedAt: T0 + 1 };
    await store.updateOrder(submitted);
    const expired: Order = { ...submitted, status: "expired", error: "EXPIRED_IN_MATCH: self-trade prevention", updatedAt: T0 + 2 };
    await store.updateOrder(expired);

    await expect(store.updateOrder({ ...submitted, updatedAt: T0 + 3 })).rejects.toMatchObject({ code: "ORDER_FINAL", status: 409 });
    await expect(store.updateOrder({ ...submitted, updatedAt: T0 + 3 })).rejects.toThrow(`order ${order.clientOrderId} is expired, a final state: not changed to submitted`);
    expect(await store.loadOrder(order.clientOrderId)).toMatchObject({ status: "expired", error: "EXPIRED_IN_MATCH: self-trade prevention", updatedAt: T0 + 2 });
    expect((await store.loadOpenOrders("live")).map((o) => o.clientOrderId)).not.toContain(order.clientOrderId);
  });

  it("refuses one final state over another (filled, then a stale 'cancelled')", async () => {
    const store = make();
    const order = restingBuy(id("filled"));
    await store.saveOrder(order);
    await store.updateOrder({ ...order, status: "filled", filledQuantity: 0.001, avgFillPrice: 40_000, fee: 0.04, updatedAt: T0 + 1 });
    await expect(store.updateOrder({ ...order, status: "cancelled", updatedAt: T0 + 2 })).rejects.toMatchObject({ code: "ORDER_FINAL" });
    expect(await store.loadOrder(order.clientOrderId)).toMatchObject({ status: "filled", filledQuantity: 0.001 });
  });

  it("still takes a late fee of a finished order in the same state, and NOT_FOUND stays NOT_FOUND", async () => {
    const store = make();
    const order = restingBuy(id("fee"));
    await store.saveOrder(order);
    const filled: Order = { ...order, status: "filled", filledQuantity: 0.001, avgFillPrice: 40_000, fee: 0.04, updatedAt: T0 + 1 };
    await store.updateOrder(filled);
    await store.updateOrder({ ...filled, fee: 0.05, updatedAt: T0 + 2 });
    expect(await store.loadOrder(order.clientOrderId)).toMatchObject({ status: "filled", fee: 0.05 });
    await expect(store.updateOrder(restingBuy(id("missing")))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
