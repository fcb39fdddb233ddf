import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../core/clock";
import { createExchange } from "../market/exchange";
import { startSimulator, type SimulatorHandle } from "../simulator";
import { LiveVenue } from "./live-venue";
import { OrderManager, type NewOrder } from "./order-manager";
import { InMemoryOrderStore } from "./order-store";
import { reconcile } from "./reconcile";
import type { VenueOrderUpdate } from "./types";

/**
 * The live path end to end, on loopback only: ccxt's real binance class (signing, order endpoints,
 * the websocket API user-data stream, its error mapping) talking to the built-in simulator.
 */
const SYMBOL = "BTC/USDT";

let sim: SimulatorHandle;
let exchange: Exchange;
let venue: LiveVenue;
let store: InMemoryOrderStore;
let manager: OrderManager;
const pushed: VenueOrderUpdate[] = [];

function entry(overrides: Partial<NewOrder>): NewOrder {
  return { symbol: SYMBOL, side: "buy", type: "market", quantity: 0.001, intent: "entry", reduceOnly: false, reason: "integration test", ...overrides };
}

const price = (factor: number) => Math.round(sim.lastPrice(SYMBOL) * factor * 100) / 100;

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  sim = await startSimulator({ symbols: [SYMBOL], historyDays: 0, manualClock: true, seed: 11 });
  exchange = await createExchange({ id: "simulator" }, { simulator: sim });
  venue = new LiveVenue({ exchange, symbols: [SYMBOL], simulated: true, retry: { baseDelayMs: 20, absentConfirmDelayMs: 200 } });
  venue.onUpdate((u) => pushed.push(u));
  await venue.start();
  store = new InMemoryOrderStore();
  manager = new OrderManager({ venue, store, mode: "live", clock: systemClock, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) });
  await manager.start();
});

afterAll(async () => {
  manager?.stop();
  await venue?.stop();
  await exchange?.close();
  await sim?.close();
});

describe("live venue against the Binance-compatible simulator", () => {
  it("a market buy fills; its fill is stored once with the venue's trade id and quote fee", async () => {
    const order = await manager.place(entry({}));
    await manager.idle();
    expect(order).toMatchObject({ status: "filled", filledQuantity: 0.001 });
    expect(order.venueOrderId).toBeTruthy();
    const fills = await store.loadFills(order.clientOrderId);
    expect(fills).toHaveLength(1);
    expect(fills[0].venueTradeId).toMatch(/^\d+$/);
    expect(fills[0].fee).toBeCloseTo(fills[0].price * 0.001 * 0.001, 8);
  });

  it("a resting limit is open at the venue, then cancelled", async () => {
    const order = await manager.place(entry({ type: "limit", price: price(0.8) }));
    expect(order.status).toBe("submitted");
    expect((await venue.fetchOpenOrders(SYMBOL)).map((o) => o.clientOrderId)).toContain(order.clientOrderId);
    const cancelled = await manager.cancel(order.clientOrderId);
    expect(cancelled.status).toBe("cancelled");
    expect((await venue.fetchOrder(order.clientOrderId, SYMBOL))?.status).toBe("cancelled");
  });

  it("a marketable IOC limit fills at once", async () => {
    const order = await manager.place(entry({ type: "limit", price: price(1.01), timeInForce: "IOC" }));
    expect(order.status).toBe("filled");
  });

  it("a stop-loss-limit reaches the venue as STOP_LOSS_LIMIT with its stop price", async () => {
    const stopPrice = price(0.9);
    const order = await manager.place(entry({ side: "sell", type: "stop_loss_limit", stopPrice, price: price(0.89), intent: "exit", reduceOnly: true }));
    expect(order.status).toBe("submitted");
    const raw = await exchange.fetchOrderWithClientOrderId(order.clientOrderId, SYMBOL);
    expect(raw.info).toMatchObject({ type: "STOP_LOSS_LIMIT", timeInForce: "GTC" });
    expect(Number(raw.info.stopPrice)).toBeCloseTo(stopPrice, 2);
    expect((await manager.cancel(order.clientOrderId)).status).toBe("cancelled");
  });

  it("insufficient funds comes back as a rejection with a clear code", async () => {
    const order = await manager.place(entry({ quantity: 1 })); // ~65 000 USDT, the account has 10 000
    expect(order.status).toBe("rejected");
    expect(order.error).toMatch(/^INSUFFICIENT_FUNDS/);
  });

  it("a 503 after the venue executed the order: found by client order id, not placed twice", async () => {
    const calls: string[] = [];
    const createOrder = exchange.createOrder.bind(exchange);
    const lookUp = exchange.fetchOrderWithClientOrderId.bind(exchange);
    exchange.createOrder = (...args) => (calls.push("createOrder"), createOrder(...args));
    exchange.fetchOrderWithClientOrderId = (...args) => (calls.push("lookUp"), lookUp(...args));
    sim.faults.set({ serverErrors: { count: 1, status: 503, executeOrders: true } });
    let order;
    try {
      order = await manager.place(entry({ type: "limit", price: price(0.8) }));
    } finally {
      delete (exchange as Partial<Exchange>).createOrder;
      delete (exchange as Partial<Exchange>).fetchOrderWithClientOrderId;
    }
    expect(sim.faults.get().serverErrors.remaining).toBe(0);
    expect(calls).toEqual(["createOrder", "lookUp"]);
    expect(order.status).toBe("submitted");
    const open = (await venue.fetchOpenOrders(SYMBOL)).filter((o) => o.clientOrderId === order.clientOrderId);
    expect(open).toHaveLength(1);
    const all = await exchange.fetchOrders(SYMBOL);
    expect(all.filter((o) => o.clientOrderId === order.clientOrderId)).toHaveLength(1);
    await manager.cancel(order.clientOrderId);
  });

  it("order changes made outside this venue arrive through the websocket (watchOrders)", async () => {
    expect(venue.capabilities.pushUpdates).toBe(true);
    // The user-data subscription is set up by the first watchOrders call; retry until it is live.
    let received: VenueOrderUpdate | undefined;
    for (let attempt = 1; attempt <= 5 && !received; attempt++) {
      const clientOrderId = `manual-ws-${attempt}`;
      await exchange.createOrder(SYMBOL, "market", "buy", 0.0002, undefined, { clientOrderId });
      received = await waitFor(() => pushed.find((u) => u.clientOrderId === clientOrderId), 1_500).catch(() => undefined);
    }
    expect(received).toMatchObject({ status: "filled", symbol: SYMBOL });
    expect(received!.fills.length).toBeGreaterThan(0);
  });

  it("after a restart, reconciliation finds the open order and reports one placed by hand", async () => {
    const mine = await manager.place(entry({ type: "limit", price: price(0.75) }));
    await exchange.createOrder(SYMBOL, "limit", "buy", 0.001, price(0.7), { clientOrderId: "by-hand-1" });

    const freshVenue = new LiveVenue({ exchange, symbols: [SYMBOL], simulated: true, updates: "poll" });
    const report = await reconcile({ store, venue: freshVenue, mode: "live", now: Date.now(), symbols: [SYMBOL] });
    expect(report.ok).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.unknownVenueOrders.map((o) => o.clientOrderId)).toEqual(["by-hand-1"]);
    expect((await store.loadOrder(mine.clientOrderId))?.status).toBe("submitted");

    await manager.cancel(mine.clientOrderId);
    await exchange.cancelOrderWithClientOrderId("by-hand-1", SYMBOL);
  });

  it("with the venue unreachable, reconciliation says so and refuses", async () => {
    const offline = await createExchange({ id: "simulator" }, { simulator: { ...sim, restUrl: "http://127.0.0.1:9", wsUrl: "ws://127.0.0.1:9/stream/ws" } });
    offline.markets = exchange.markets;
    offline.marketsById = exchange.marketsById;
    offline.symbols = exchange.symbols;
    const order = await manager.place(entry({ type: "limit", price: price(0.8) }));
    const report = await reconcile({
      store,
      venue: new LiveVenue({ exchange: offline, symbols: [SYMBOL], updates: "poll", retry: { attempts: 1 } }),
      mode: "live",
      now: Date.now(),
    });
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toMatchObject({ code: expect.stringMatching(/NETWORK|VENUE_UNAVAILABLE/) });
    await manager.cancel(order.clientOrderId);
    await offline.close();
  });
});
