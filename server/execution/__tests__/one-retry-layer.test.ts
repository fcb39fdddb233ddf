import { ExchangeNotAvailable, OrderNotFound, type Exchange } from "ccxt";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { SequentialIds } from "../../core/ids";
import { VenueError } from "../errors";
import { LiveVenue } from "../live-venue";
import { OrderManager, type NewOrder } from "../order-manager";
import { InMemoryOrderStore } from "../order-store";
import type { OrderRequest } from "../../model/types";
import type { ExecutionVenue, VenueOrderUpdate } from "../types";
import { FakeVenue } from "./fake-venue";

/**
 * Issue 13, "one retry policy": an order submission is retried by exactly one layer, so under
 * repeated 5xx one submission reaches the venue at most N times in total (never N × M through two
 * nested loops). The live venue retries its own submits (receive-window-aware look-ups) and says
 * so; the order manager then sends once. For any other venue the order manager retries.
 */

const newOrder: NewOrder = { symbol: "BTC/USDT", side: "buy", type: "limit", price: 100, quantity: 1, intent: "entry", reduceOnly: false, reason: "retry layers" };

function manager(venue: ExecutionVenue, attempts = 3) {
  const ids = new SequentialIds("tk-rl-");
  const sleeps: number[] = [];
  const m = new OrderManager({
    venue,
    store: new InMemoryOrderStore(),
    mode: "live",
    clock: new ManualClock(10_000),
    newClientOrderId: () => ids.next(),
    retry: { attempts },
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { manager: m, sleeps };
}

/** A ccxt-shaped exchange whose createOrder always answers 503 without placing anything. */
class Always503 {
  id = "always-503";
  has: Record<string, boolean> = { watchOrders: false };
  options = { recvWindow: 5_000 };
  markets: Record<string, unknown> = {};
  createCalls: string[] = [];
  lookUps = 0;
  async loadMarkets() {
    this.markets = { "BTC/USDT": { symbol: "BTC/USDT", spot: true, contract: false, taker: 0.001, maker: 0.001, limits: { amount: { min: 0.001, max: 1000 }, cost: { min: 5 } } } };
    return this.markets;
  }
  market(symbol: string) {
    return this.markets[symbol];
  }
  amountToPrecision(_s: string, amount: number) {
    return String(amount);
  }
  priceToPrecision(_s: string, price: number) {
    return String(price);
  }
  async createOrder(_symbol: string, _type: string, _side: string, _amount: number, _price: number, params: Record<string, unknown>) {
    this.createCalls.push(String(params.clientOrderId));
    throw new ExchangeNotAvailable("503 Service Unavailable");
  }
  async fetchOrderWithClientOrderId(clientOrderId: string) {
    this.lookUps += 1;
    throw new OrderNotFound(`Order does not exist (${clientOrderId})`);
  }
}

describe("one layer retries an order submission", () => {
  it("live venue under repeated 5xx: at most the venue's attempts in total, the order manager sends once", async () => {
    const exchange = new Always503();
    const venue = new LiveVenue({ exchange: exchange as unknown as Exchange, symbols: ["BTC/USDT"], updates: "poll", retry: { attempts: 4 }, sleep: async () => {} });
    expect(venue.retriesSubmissions).toBe(true);
    const { manager: m } = manager(venue, 3);
    await m.start();
    const order = await m.place(newOrder);
    expect(exchange.createCalls).toHaveLength(4); // not 3 × 4
    expect(new Set(exchange.createCalls).size).toBe(1); // always the same client order id
    expect(order.status).toBe("rejected");
    expect(order.error).toMatch(/^SUBMIT_FAILED/);
  });

  it("any other venue under repeated 5xx: the order manager's attempts in total, with the same client order id", async () => {
    const venue = new FakeVenue();
    const submits: string[] = [];
    venue.submit = async (request: OrderRequest): Promise<VenueOrderUpdate> => {
      submits.push(request.clientOrderId);
      throw new VenueError("VENUE_UNAVAILABLE", "503 Service Unavailable");
    };
    venue.fetchOrder = async () => undefined;
    const { manager: m, sleeps } = manager(venue, 3);
    await m.start();
    const order = await m.place(newOrder);
    expect(submits).toHaveLength(3);
    expect(new Set(submits).size).toBe(1);
    expect(sleeps).toEqual([500, 1_000]);
    expect(order.status).toBe("new");
    expect(order.error).toMatch(/^ORDER_STATE_UNKNOWN: 503/); // flagged for reconciliation
  });

  it("a venue that retries itself gets one submit from the order manager even when it throws a retryable error", async () => {
    const venue = new FakeVenue();
    Object.defineProperty(venue, "retriesSubmissions", { value: true });
    let submits = 0;
    venue.submit = async () => {
      submits += 1;
      throw new VenueError("VENUE_UNAVAILABLE", "503 Service Unavailable");
    };
    const { manager: m } = manager(venue, 5);
    await m.start();
    await m.place(newOrder);
    expect(submits).toBe(1);
  });
});
