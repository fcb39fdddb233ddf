import { describe, expect, it } from "vitest";
import { EventBus } from "../core/event-bus";
import type { Order } from "../model/types";
import { FakeVenue, request } from "./__tests__/fake-venue";
import { VenueError } from "./errors";
import type { ExecutionEvents } from "./order-manager";
import { InMemoryOrderStore } from "./order-store";
import { reconcile } from "./reconcile";

function stored(overrides: Partial<Order> & { clientOrderId: string }): Order {
  return {
    ...request({ clientOrderId: overrides.clientOrderId, type: "limit", price: 100, quantity: 1, createdAt: 1_000 }),
    mode: "live",
    status: "submitted",
    filledQuantity: 0,
    avgFillPrice: 0,
    fee: 0,
    updatedAt: 1_000,
    ...overrides,
  };
}

async function setup(orders: Order[]) {
  const store = new InMemoryOrderStore();
  for (const order of orders) await store.saveOrder(order);
  const venue = new FakeVenue();
  const events = new EventBus<ExecutionEvents>();
  const published = { fills: [] as ExecutionEvents["order.fill"][], orders: [] as Order[] };
  events.on("order.fill", (f) => published.fills.push(f));
  events.on("order.updated", (o) => published.orders.push(o));
  return { store, venue, events, published };
}

describe("reconcile", () => {
  it("records a fill that happened while the app was down and moves the order to filled", async () => {
    const order = stored({ clientOrderId: "tk-r-1" });
    const { store, venue, events, published } = await setup([order]);
    venue.plant(order);
    venue.fill("tk-r-1", 1, 99.5, 5_000, { fee: 0.0995 });

    const report = await reconcile({ store, venue, mode: "live", now: 9_000, events });

    expect(report.ok).toBe(true);
    expect(await store.loadFills("tk-r-1")).toEqual([expect.objectContaining({ venueTradeId: "T1", price: 99.5, quantity: 1, fee: 0.0995 })]);
    expect(await store.loadOrder("tk-r-1")).toMatchObject({ status: "filled", filledQuantity: 1, avgFillPrice: 99.5, venueOrderId: "V1" });
    expect(report.actions.map((a) => a.kind)).toEqual(["fill_recorded", "status_updated"]);
    expect(published.fills).toHaveLength(1);
    expect(published.orders.at(-1)?.status).toBe("filled");

    // Running it again changes nothing: fills are recorded once.
    const again = await reconcile({ store, venue, mode: "live", now: 9_500, events });
    expect(again.actions).toEqual([]);
    expect(published.fills).toHaveLength(1);
  });

  it("records only the fills after the last known one of a partially filled order", async () => {
    const order = stored({ clientOrderId: "tk-r-2", quantity: 2, status: "partially_filled", filledQuantity: 1, avgFillPrice: 100, venueOrderId: "V1" });
    const { store, venue } = await setup([order]);
    venue.plant(order);
    const before = venue.fill("tk-r-2", 1, 100, 2_000);
    await store.saveFill(before);
    venue.fill("tk-r-2", 1, 101, 6_000);

    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.ok).toBe(true);
    expect((await store.loadFills("tk-r-2")).map((f) => f.price)).toEqual([100, 101]);
    expect(report.actions.filter((a) => a.kind === "fill_recorded")).toHaveLength(1);
    expect(await store.loadOrder("tk-r-2")).toMatchObject({ status: "filled", filledQuantity: 2, avgFillPrice: 100.5 });
  });

  it("marks an order the venue no longer knows as expired (vanished)", async () => {
    const { store, venue } = await setup([stored({ clientOrderId: "tk-r-3", venueOrderId: "V9" })]);
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.ok).toBe(true);
    expect(report.actions).toEqual([expect.objectContaining({ kind: "marked_vanished", clientOrderId: "tk-r-3" })]);
    expect(await store.loadOrder("tk-r-3")).toMatchObject({ status: "expired", error: expect.stringMatching(/unknown to the venue/) });
  });

  it("adopts a venue-side cancellation", async () => {
    const order = stored({ clientOrderId: "tk-r-4" });
    const { store, venue } = await setup([order]);
    venue.plant(order, "cancelled");
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.actions).toEqual([expect.objectContaining({ kind: "status_updated", detail: expect.stringContaining("submitted -> cancelled") })]);
    expect((await store.loadOrder("tk-r-4"))?.status).toBe("cancelled");
  });

  it("an order stored as new that never reached the venue is marked rejected and not re-sent", async () => {
    const { store, venue } = await setup([stored({ clientOrderId: "tk-r-5", status: "new" })]);
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.ok).toBe(true);
    expect(venue.fetchOrderCalls).toEqual(["tk-r-5"]);
    expect(venue.submitCalls).toHaveLength(0);
    expect(report.actions).toEqual([expect.objectContaining({ kind: "marked_unsent" })]);
    expect(await store.loadOrder("tk-r-5")).toMatchObject({ status: "rejected", error: expect.stringMatching(/not re-sent/) });
  });

  it("an order stored as new that did reach the venue before the crash is adopted, not duplicated", async () => {
    const order = stored({ clientOrderId: "tk-r-6", status: "new" });
    const { store, venue } = await setup([order]);
    venue.plant(order);
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.ok).toBe(true);
    expect(venue.submitCalls).toHaveLength(0);
    expect(await store.loadOrder("tk-r-6")).toMatchObject({ status: "submitted", venueOrderId: "V1" });
  });

  it("reports open orders at the venue that the store does not know, without touching them", async () => {
    const { store, venue } = await setup([]);
    venue.plant(request({ clientOrderId: "web_manual_1", type: "limit", price: 90 }));
    venue.plant(request({ clientOrderId: "web_manual_2", symbol: "ETH/USDT", type: "limit", price: 1_000 }));
    const report = await reconcile({ store, venue, mode: "live", now: 9_000, symbols: ["BTC/USDT"] });
    expect(report.ok).toBe(true);
    expect(report.unknownVenueOrders.map((o) => o.clientOrderId)).toEqual(["web_manual_1"]);
    expect(venue.orders.get("web_manual_1")?.status).toBe("submitted");
  });

  it("reports fills at the venue that belong to no stored order", async () => {
    const order = stored({ clientOrderId: "tk-r-7" });
    const { store, venue } = await setup([order]);
    venue.plant(order);
    venue.looseFills.push({ venueTradeId: "X1", venueOrderId: "V77", symbol: "BTC/USDT", side: "sell", price: 100, quantity: 0.1, fee: 0, liquidity: "taker", timestamp: 5_000 });
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.unknownVenueFills.map((f) => f.venueTradeId)).toEqual(["X1"]);
  });

  it("a fill of the bot's own finished order, named by the venue's order id only, is not an unknown fill", async () => {
    // The open order makes reconcile look at the symbol's trades; an earlier order of the bot, long
    // filled and stored, shows up in the venue's trade list with its venue order id and no client id.
    const done = stored({ clientOrderId: "tk-r-8", status: "filled", filledQuantity: 1, avgFillPrice: 100, venueOrderId: "V55", createdAt: 2_000 });
    const open = stored({ clientOrderId: "tk-r-9", createdAt: 1_500 });
    const { store, venue } = await setup([done, open]);
    venue.plant(open);
    await store.saveFill({ clientOrderId: "tk-r-8", venueTradeId: "X8", symbol: "BTC/USDT", side: "buy", price: 100, quantity: 1, fee: 0, liquidity: "taker", timestamp: 3_000 });
    venue.looseFills.push({ venueTradeId: "X8", venueOrderId: "V55", symbol: "BTC/USDT", side: "buy", price: 100, quantity: 1, fee: 0, liquidity: "taker", timestamp: 3_000 });
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.unknownVenueFills).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(await store.loadFills("tk-r-8")).toHaveLength(1);
  });

  it("venue down: ok is false with the reason, and nothing is changed", async () => {
    const order = stored({ clientOrderId: "tk-r-8" });
    const { store, venue } = await setup([order]);
    venue.failEverything = new VenueError("NETWORK", "connect ECONNREFUSED 127.0.0.1:9");
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([expect.objectContaining({ code: "NETWORK", message: expect.stringMatching(/ECONNREFUSED/) })]);
    expect((await store.loadOrder("tk-r-8"))?.status).toBe("submitted");
  });

  it("bad credentials: ok is false and says so", async () => {
    const { store, venue } = await setup([]);
    venue.failEverything = new VenueError("AUTHENTICATION", "Invalid API-key, IP, or permissions for action.");
    const report = await reconcile({ store, venue, mode: "live", now: 9_000, symbols: ["BTC/USDT"] });
    expect(report.ok).toBe(false);
    expect(report.errors[0].code).toBe("AUTHENTICATION");
  });

  it("an order closed in the store but open at the venue is an error that blocks trading", async () => {
    const order = stored({ clientOrderId: "tk-r-9", status: "cancelled" });
    const { store, venue } = await setup([order]);
    venue.plant(order);
    const report = await reconcile({ store, venue, mode: "live", now: 9_000, symbols: ["BTC/USDT"] });
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toMatchObject({ code: "STATE_MISMATCH", clientOrderId: "tk-r-9" });
  });

  it("leaves an engine-held stop alone when the venue has no exchange-side stops", async () => {
    const { store, venue } = await setup([stored({ clientOrderId: "tk-r-10", type: "stop_loss_limit", side: "sell", stopPrice: 95, price: 94.5 })]);
    venue.capabilities = { ...venue.capabilities, exchangeStops: false };
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.actions).toEqual([expect.objectContaining({ kind: "stop_still_held" })]);
    expect((await store.loadOrder("tk-r-10"))?.status).toBe("submitted");
  });

  it("only looks at orders of its own mode", async () => {
    const { store, venue } = await setup([stored({ clientOrderId: "tk-r-11", mode: "paper" })]);
    const report = await reconcile({ store, venue, mode: "live", now: 9_000 });
    expect(report.actions).toEqual([]);
    expect((await store.loadOrder("tk-r-11"))?.status).toBe("submitted");
  });
});
