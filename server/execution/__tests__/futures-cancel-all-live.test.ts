import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock";
import { createLogger } from "../../core/logger";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { LiveVenue } from "../live-venue";
import { OrderManager, type NewOrder } from "../order-manager";
import { InMemoryOrderStore } from "../order-store";

/**
 * Issue 15: Binance USDⓈ-M's cancel-all (DELETE /fapi/v1/allOpenOrders) answers {code: 200, msg: "The
 * operation of cancel all open order is done."} and lists no order. The kill switch's count of
 * cancelled orders and the bot's order store must still come out right: every resting perp order
 * (the bot's and one placed by hand) reported cancelled, each of the bot's ending "cancelled".
 */
const PERP = "BTC/USDT:USDT";
const logger = createLogger("silent");
let sim: SimulatorHandle;
let exchange: Exchange;
let venue: LiveVenue;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, historyDays: 0, symbols: ["BTC/USDT"], seed: 5 });
  exchange = await createExchange({ id: "binanceusdm" }, { simulator: sim });
  venue = new LiveVenue({ exchange, symbols: [PERP], simulated: true, logger, updates: "poll", pollIntervalMs: 60_000 });
  await venue.start();
});

afterAll(async () => {
  await venue?.stop();
  await (exchange as unknown as { close?: () => Promise<void> })?.close?.();
  await sim?.close();
});

describe("futures cancel-all on the simulator", () => {
  it("reports every resting perp order cancelled although the venue's answer lists none, and the bot's orders end cancelled", async () => {
    const store = new InMemoryOrderStore();
    const manager = new OrderManager({ venue, store, mode: "live", clock: systemClock, logger, sleep: async () => {} });
    await manager.start();
    const price = Math.round(sim.lastPrice("BTC/USDT") * 0.8);
    // 0.002 BTC at 80 % of the price: above the venue's 100 USDT minimum notional.
    const resting: NewOrder = { symbol: PERP, side: "buy", type: "limit", quantity: 0.002, price, timeInForce: "GTC", intent: "entry", reduceOnly: false, reason: "resting" };
    const placed = [];
    for (let i = 0; i < 3; i++) placed.push(await manager.place(resting));
    expect(placed.map((o) => o.status)).toEqual(["submitted", "submitted", "submitted"]);
    await exchange.createOrder(PERP, "limit", "buy", 0.002, price, { clientOrderId: "by-hand-perp" });
    expect((await venue.fetchOpenOrders(PERP)).length).toBe(4);

    const cancelled = await venue.cancelAllOrders(PERP);

    expect(cancelled.filter((u) => u.status === "cancelled").length).toBe(4);
    expect(cancelled.map((u) => u.clientOrderId).sort()).toEqual([...placed.map((o) => o.clientOrderId), "by-hand-perp"].sort());
    await manager.idle();
    for (const order of placed) expect((await store.loadOrder(order.clientOrderId))?.status).toBe("cancelled");
    expect(manager.openOrders()).toEqual([]);
    expect(await venue.fetchOpenOrders(PERP)).toEqual([]);
    // Nothing left: nothing reported, no error.
    expect(await venue.cancelAllOrders(PERP)).toEqual([]);
    manager.stop();
  });
});
