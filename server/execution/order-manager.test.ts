import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock";
import { SequentialIds } from "../core/ids";
import type { Order, OrderStatus } from "../model/types";
import { FakeVenue } from "./__tests__/fake-venue";
import { VenueError } from "./errors";
import { OrderManager, type ExecutionEvents, type NewOrder } from "./order-manager";
import { InMemoryOrderStore } from "./order-store";
import { PaperVenue } from "./paper-venue";
import type { ExecutionVenue } from "./types";

function newOrder(overrides: Partial<NewOrder> = {}): NewOrder {
  return {
    symbol: "BTC/USDT",
    side: "buy",
    type: "market",
    quantity: 1,
    intent: "entry",
    reduceOnly: false,
    reason: "EMA 9 crossed above EMA 21",
    ...overrides,
  };
}

function setup(venue: ExecutionVenue = new FakeVenue()) {
  const clock = new ManualClock(10_000);
  const store = new InMemoryOrderStore();
  const sleeps: number[] = [];
  const manager = new OrderManager({
    venue,
    store,
    mode: "live",
    clock,
    newClientOrderId: (() => {
      const ids = new SequentialIds("tk-om-");
      return () => ids.next();
    })(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const seen: { [K in keyof ExecutionEvents]: ExecutionEvents[K][] } = { "order.updated": [], "order.fill": [], "execution.warning": [] };
  manager.events.on("order.updated", (o) => seen["order.updated"].push(o));
  manager.events.on("order.fill", (f) => seen["order.fill"].push(f));
  manager.events.on("execution.warning", (w) => seen["execution.warning"].push(w));
  return { clock, store, manager, seen, sleeps };
}

describe("order manager", () => {
  it("persists the order as new before the venue sees it", async () => {
    const venue = new FakeVenue();
    const { store, manager } = setup(venue);
    await manager.start();
    const statusSeenByVenue: (OrderStatus | undefined)[] = [];
    venue.onSubmit = (request) => {
      // The in-memory store copies the order when called, i.e. at the moment the venue sees it.
      void store.loadOrder(request.clientOrderId).then((o) => statusSeenByVenue.push(o?.status));
    };
    const placed = await manager.place(newOrder());
    expect(statusSeenByVenue).toEqual(["new"]);
    expect(placed.status).toBe("submitted");
    expect(placed.venueOrderId).toBe("V1");
    expect((await store.loadOrder(placed.clientOrderId))?.status).toBe("submitted");
  });

  it("publishes the order as new, then each change after it is stored", async () => {
    const { manager, seen, store } = setup();
    await manager.start();
    seen["order.updated"].length = 0;
    const stored: string[] = [];
    manager.events.on("order.updated", (o) => {
      void store.loadOrder(o.clientOrderId).then((s) => stored.push(`${o.status}:${s?.status}`));
    });
    await manager.place(newOrder());
    await manager.idle();
    expect(seen["order.updated"].map((o) => o.status)).toEqual(["new", "submitted"]);
    expect(stored).toEqual(["new:new", "submitted:submitted"]);
  });

  it("refuses an illegal transition, logs a warning and keeps running", async () => {
    const venue = new FakeVenue();
    const { manager, seen } = setup(venue);
    await manager.start();
    const placed = await manager.place(newOrder());
    venue.fill(placed.clientOrderId, 1, 100, 11_000, { push: true });
    await manager.idle();
    expect((await manager.cancel(placed.clientOrderId)).status).toBe("filled");

    // A stale "cancelled" arrives after the fill.
    venue.push({ ...venue.snapshot(venue.orders.get(placed.clientOrderId)!), status: "cancelled" });
    await manager.idle();
    const warning = seen["execution.warning"].find((w) => w.code === "ILLEGAL_TRANSITION");
    expect(warning?.message).toMatch(/filled -> cancelled/);
    expect(manager.getOrder(placed.clientOrderId)).toBeUndefined(); // closed orders leave the open set
    const order = seen["order.updated"].at(-1)!;
    expect(order.status).toBe("filled");

    // Still works after the refusal.
    expect((await manager.place(newOrder())).status).toBe("submitted");
  });

  it("records a fill reported twice only once and publishes it once", async () => {
    const venue = new FakeVenue();
    const { manager, seen, store } = setup(venue);
    await manager.start();
    const placed = await manager.place(newOrder({ quantity: 2 }));
    const fill = venue.fill(placed.clientOrderId, 1, 100, 11_000, { push: true, fee: 0.1 });
    // The same trade again, e.g. from the websocket and from a poll.
    venue.push({ ...venue.snapshot(venue.orders.get(placed.clientOrderId)!), fills: [fill] });
    await manager.idle();
    expect(store.allFills()).toHaveLength(1);
    expect(seen["order.fill"]).toHaveLength(1);
    expect(seen["order.fill"][0].fill.venueTradeId).toBe(fill.venueTradeId);
    expect(manager.getOrder(placed.clientOrderId)).toMatchObject({ status: "partially_filled", filledQuantity: 1, avgFillPrice: 100, fee: 0.1 });
  });

  it("after a timeout the venue had accepted, finds the order by its client id instead of sending a second one", async () => {
    const venue = new FakeVenue();
    venue.acceptThenTimeout = 1;
    const { manager, sleeps } = setup(venue);
    await manager.start();
    const placed = await manager.place(newOrder());
    expect(placed.status).toBe("submitted");
    expect(venue.submitCalls).toHaveLength(1);
    expect(venue.orders.size).toBe(1);
    expect(venue.fetchOrderCalls).toEqual([placed.clientOrderId]);
    expect(sleeps).toEqual([500]);
  });

  it("after a timeout that lost the request, re-sends with the same client order id", async () => {
    const venue = new FakeVenue();
    venue.loseThenTimeout = 1;
    const { manager } = setup(venue);
    await manager.start();
    const placed = await manager.place(newOrder());
    expect(placed.status).toBe("submitted");
    expect(venue.submitCalls.map((r) => r.clientOrderId)).toEqual([placed.clientOrderId, placed.clientOrderId]);
    expect(venue.orders.size).toBe(1);
  });

  it("a definitive refusal marks the order rejected with the venue's reason", async () => {
    const venue = new FakeVenue();
    venue.rejectNext = new VenueError("INSUFFICIENT_FUNDS", "Account has insufficient balance for requested action.");
    const { manager, store } = setup(venue);
    await manager.start();
    const placed = await manager.place(newOrder());
    expect(placed.status).toBe("rejected");
    expect(placed.error).toMatch(/^INSUFFICIENT_FUNDS: Account has insufficient balance/);
    expect(venue.submitCalls).toHaveLength(1);
    expect((await store.loadOrder(placed.clientOrderId))?.status).toBe("rejected");
  });

  it("when the venue stays unreachable the order stays new, flagged for reconciliation", async () => {
    const venue = new FakeVenue();
    venue.failEverything = new VenueError("NETWORK", "ECONNRESET");
    const { manager, seen } = setup(venue);
    await manager.start();
    const placed = await manager.place(newOrder());
    expect(placed.status).toBe("new");
    expect(placed.error).toMatch(/ORDER_STATE_UNKNOWN/);
    expect(venue.submitCalls).toHaveLength(0); // failEverything throws before recording
    expect(seen["execution.warning"].map((w) => w.code)).toContain("ORDER_STATE_UNKNOWN");
  });

  it("refuses a malformed order without persisting it", async () => {
    const { manager, store } = setup();
    await manager.start();
    await expect(manager.place(newOrder({ quantity: -1 }))).rejects.toThrow(/quantity -1 must be a positive number/);
    expect(store.allOrders()).toHaveLength(0);
  });

  it("holds a stop the venue cannot hold and sends it as a limit once the stop price trades", async () => {
    const venue = new FakeVenue();
    venue.capabilities = { ...venue.capabilities, exchangeStops: false };
    const { manager } = setup(venue);
    await manager.start();
    const stop = await manager.place(newOrder({ side: "sell", type: "stop_loss_limit", stopPrice: 95, price: 94.5, intent: "exit", reduceOnly: true }));
    expect(stop.status).toBe("submitted");
    expect(stop.venueOrderId).toBeUndefined();
    expect(venue.submitCalls).toHaveLength(0);
    expect(manager.heldStopOrders()).toHaveLength(1);

    manager.onMarket({ type: "trade", symbol: "BTC/USDT", price: 96, timestamp: 11_000 });
    manager.onMarket({ type: "trade", symbol: "ETH/USDT", price: 90, timestamp: 11_000 });
    await manager.idle();
    expect(venue.submitCalls).toHaveLength(0);

    manager.onMarket({ type: "candle", candle: { symbol: "BTC/USDT", timeframe: "1m", openTime: 0, open: 96, high: 96.5, low: 94.9, close: 95.5, volume: 1, closed: true } });
    await manager.idle();
    expect(venue.submitCalls).toHaveLength(1);
    expect(venue.submitCalls[0]).toMatchObject({ clientOrderId: stop.clientOrderId, type: "limit", price: 94.5, stopPrice: undefined, timeInForce: "GTC" });
    expect(manager.getOrder(stop.clientOrderId)).toMatchObject({ type: "stop_loss_limit", status: "submitted", venueOrderId: "V1" });
    expect(manager.heldStopOrders()).toHaveLength(0);
    expect(venue.marketEvents).toHaveLength(3); // market data still reaches the venue
  });

  it("re-arms a held stop after a restart", async () => {
    const venue = new FakeVenue();
    venue.capabilities = { ...venue.capabilities, exchangeStops: false };
    const first = setup(venue);
    await first.manager.start();
    const stop = await first.manager.place(newOrder({ side: "sell", type: "stop_loss_limit", stopPrice: 95, price: 94.5 }));
    first.manager.stop();

    const second = new OrderManager({ venue, store: first.store, mode: "live", clock: first.clock, sleep: async () => {} });
    await second.start();
    expect(second.heldStopOrders().map((o) => o.clientOrderId)).toEqual([stop.clientOrderId]);
  });

  it("cancels a held stop locally and a venue order at the venue", async () => {
    const venue = new FakeVenue();
    const { manager } = setup(venue);
    await manager.start();
    const resting = await manager.place(newOrder({ type: "limit", price: 90 }));
    expect((await manager.cancel(resting.clientOrderId)).status).toBe("cancelled");
    expect(venue.orders.get(resting.clientOrderId)?.status).toBe("cancelled");
  });

  it("with the paper venue: a market buy is filled, stored once and published once despite push and answer", async () => {
    const clock = new ManualClock(5_000);
    const venue = new PaperVenue({ clock, balances: { USDT: 10_000 }, slippageBps: 0 });
    const { manager, store, seen } = setup(venue);
    await manager.start();
    venue.onMarket({ type: "trade", symbol: "BTC/USDT", price: 100, timestamp: 5_000 });
    const placed = await manager.place(newOrder({ quantity: 0.5 }));
    await manager.idle();
    expect(placed).toMatchObject({ status: "filled", filledQuantity: 0.5, avgFillPrice: 100, fee: 0.05 });
    expect(store.allFills()).toHaveLength(1);
    expect(seen["order.fill"]).toHaveLength(1);
    const statuses = seen["order.updated"].filter((o: Order) => o.clientOrderId === placed.clientOrderId).map((o) => o.status);
    expect(statuses).toEqual(["new", "filled"]);
  });
});
