import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { floorToStep, roundToTick } from "../../core/decimal";
import { createLogger } from "../../core/logger";
import { createExchange } from "../../market/exchange";
import type { OrderRequest } from "../../model/types";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { LiveVenue } from "../live-venue";
import type { VenueOrderUpdate } from "../types";

/**
 * Issue 14, "the order gateway throttles to the venue's published limits": following resting orders by
 * REST polling must not eat the venue's request weight. Asked one by one (GET /api/v3/order, weight 4),
 * 110 resting orders polled every 250 ms spend Binance's 6000 a minute in seconds, and every new order
 * then waits for the next minute (the conformance burst took 40-55 s). One open-orders request per
 * symbol (weight 6) says which are still open; only the ones missing from it are asked for.
 */

const SYMBOL = "BTC/USDT";
const RESTING = 40;
let sim: SimulatorHandle;
let exchange: Exchange;
let venue: LiveVenue;
const updates: VenueOrderUpdate[] = [];
const requests: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, historyDays: 0, symbols: [SYMBOL], seed: 21, manualClock: true, accounts: [{ apiKey: "poll-key", secret: "poll-secret", balances: { USDT: 100_000 } }] });
  exchange = await createExchange({ id: "simulator" }, { simulator: sim });
  venue = new LiveVenue({ exchange, symbols: [SYMBOL], simulated: true, logger: createLogger("silent"), updates: "poll", pollIntervalMs: 3_600_000 });
  await venue.start();
  venue.onUpdate((u) => updates.push(u));
  // Outside the usage gate: every REST request the venue really sends.
  const target = exchange as unknown as { fetch2: (path: string, api: unknown, method: string, ...rest: unknown[]) => Promise<unknown> };
  const fetch2 = target.fetch2.bind(exchange);
  target.fetch2 = (path, api, method, ...rest) => {
    requests.push(`${method} ${path}`);
    return fetch2(path, api, method, ...rest);
  };
});

afterAll(async () => {
  await venue?.stop();
  await (exchange as unknown as { close?: () => Promise<void> } | undefined)?.close?.();
  await sim?.close();
});

function limitBuy(id: string, price: number): OrderRequest {
  const inst = exchange.markets![SYMBOL]!;
  const tick = Number(inst.precision.price);
  const step = Number(inst.precision.amount);
  const p = roundToTick(price, tick);
  return {
    clientOrderId: id,
    symbol: SYMBOL,
    side: "buy",
    type: "limit",
    quantity: floorToStep(12 / p + step, step),
    price: p,
    timeInForce: "GTC",
    intent: "entry",
    reduceOnly: false,
    reason: "poll weight test",
    createdAt: Date.now(),
  };
}

describe("following many resting orders by polling", () => {
  it("one poll of 40 resting orders is one open-orders request, plus one query per order that left the book; changes still arrive", async () => {
    const book = await exchange.fetchOrderBook(SYMBOL, 5);
    const bestBid = Number(book.bids[0]![0]);
    // One buy at the best bid (the market's own trades will reach it), the rest far below the market.
    await venue.submit(limitBuy("poll-at-bid", bestBid));
    for (let i = 1; i < RESTING; i++) await venue.submit(limitBuy(`poll-${i}`, bestBid * (0.8 - i * 0.001)));
    // A person cancels two of them at the venue, behind the bot's back.
    for (const id of ["poll-3", "poll-7"]) await exchange.cancelOrder(undefined as unknown as string, SYMBOL, { origClientOrderId: id });
    // The simulated market trades on until the order at the bid has a fill.
    await expect
      .poll(async () => {
        sim.advance(5_000);
        return (await exchange.fetchOpenOrders(SYMBOL)).concat(await exchange.fetchClosedOrders(SYMBOL)).find((o) => o.clientOrderId === "poll-at-bid")?.filled ?? 0;
      }, { timeout: 20_000, interval: 10 })
      .toBeGreaterThan(0);

    requests.length = 0;
    updates.length = 0;
    expect(await venue.pollOnce()).toBe(RESTING);

    const orderQueries = requests.filter((r) => r === "GET order");
    const openOrders = requests.filter((r) => r === "GET openOrders");
    expect(openOrders).toHaveLength(1);
    // The two cancelled ones, and the one at the bid if it filled completely (it left the book).
    expect(orderQueries.length).toBeLessThanOrEqual(3);
    expect(orderQueries.length).toBeGreaterThanOrEqual(2);
    const byId = new Map(updates.map((u) => [u.clientOrderId, u]));
    expect(byId.get("poll-3")?.status).toBe("cancelled");
    expect(byId.get("poll-7")?.status).toBe("cancelled");
    const atBid = byId.get("poll-at-bid");
    expect(atBid?.filledQuantity).toBeGreaterThan(0);
    expect(atBid?.fills.length).toBeGreaterThan(0);
    // Nothing else changed, so nothing else is reported.
    expect([...byId.keys()].sort()).toEqual(["poll-3", "poll-7", "poll-at-bid"].sort());

    // A second poll: the two cancelled orders are no longer followed; one open-orders request again.
    requests.length = 0;
    updates.length = 0;
    const followed = await venue.pollOnce();
    expect(followed).toBeLessThanOrEqual(RESTING - 2);
    expect(requests.filter((r) => r === "GET openOrders")).toHaveLength(1);
    expect(updates.filter((u) => u.clientOrderId !== "poll-at-bid")).toEqual([]);
  });
});
