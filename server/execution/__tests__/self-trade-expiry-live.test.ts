import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock";
import { createLogger } from "../../core/logger";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { LiveVenue } from "../live-venue";
import { OrderManager, type NewOrder } from "../order-manager";
import { InMemoryOrderStore } from "../order-store";
import { reconcile } from "../reconcile";

/**
 * Self-trade prevention (the simulator's default EXPIRE_MAKER, as Binance): the bot's own market sell
 * walking into its own resting limit buy expires that buy (EXPIRED_IN_MATCH). The bot must end with
 * it "expired", learned live from the user-data stream and, when it was down then, at reconciliation.
 */

const SYMBOL = "BTC/USDT";
const logger = createLogger("silent");
let sim: SimulatorHandle;
const opened: Array<{ exchange: Exchange; venue: LiveVenue }> = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, historyDays: 0, symbols: [SYMBOL], seed: 4 });
});

afterAll(async () => {
  for (const { exchange, venue } of opened) {
    await venue.stop();
    await (exchange as unknown as { close?: () => Promise<void> }).close?.();
  }
  await sim?.close();
});

async function connect(updates: "watch" | "poll" = "watch") {
  const exchange = await createExchange({ id: "simulator" }, { simulator: sim });
  // Poll rarely: the live case must be learned from the websocket.
  const venue = new LiveVenue({ exchange, symbols: [SYMBOL], simulated: true, logger, updates, pollIntervalMs: 60_000, safetyPollIntervalMs: 60_000 });
  opened.push({ exchange, venue });
  return venue;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const base = { symbol: SYMBOL, intent: "entry", reduceOnly: false, reason: "stp test" } as const;
const marketBuy = (quantity: number): NewOrder => ({ ...base, side: "buy", type: "market", quantity });
const marketSell = (quantity: number): NewOrder => ({ ...base, side: "sell", type: "market", quantity, intent: "exit" });
const restingBuy = (price: number): NewOrder => ({ ...base, side: "buy", type: "limit", quantity: 0.001, price, timeInForce: "GTC" });

function manager(venue: LiveVenue, store: InMemoryOrderStore) {
  return new OrderManager({ venue, store, mode: "live", clock: systemClock, logger, sleep: async () => {} });
}

describe("a resting buy expired by self-trade prevention", () => {
  it("ends expired in the store live, from the user-data stream", async () => {
    const venue = await connect("watch");
    const store = new InMemoryOrderStore();
    const om = manager(venue, store);
    await venue.start();
    await om.start();
    expect((await om.place(marketBuy(0.01))).status).toBe("filled");
    const price = Math.round(sim.lastPrice(SYMBOL) * 0.7);
    const resting = await om.place(restingBuy(price));
    expect(resting.status).toBe("submitted");
    expect((await om.place(marketSell(0.004))).status).toBe("filled");
    await waitFor(async () => (await store.loadOrder(resting.clientOrderId))?.status === "expired");
    await om.idle();
    expect(await store.loadOrder(resting.clientOrderId)).toMatchObject({ status: "expired", filledQuantity: 0 });
    expect(om.openOrders().map((o) => o.clientOrderId)).not.toContain(resting.clientOrderId);
    om.stop();
  });

  it("ends expired after a restart's reconciliation when the bot was down as it expired", async () => {
    const venue = await connect("watch");
    const store = new InMemoryOrderStore();
    const om = manager(venue, store);
    await venue.start();
    await om.start();
    expect((await om.place(marketBuy(0.01))).status).toBe("filled");
    const price = Math.round(sim.lastPrice(SYMBOL) * 0.7);
    const resting = await om.place(restingBuy(price));
    expect(resting.status).toBe("submitted");
    // The process dies: nothing it hears any more reaches the store.
    om.stop();
    await venue.stop();
    // The same account's market sell trades into the resting buy (EXPIRE_MAKER).
    const other = await connect("poll");
    const seller = manager(other, new InMemoryOrderStore());
    expect((await seller.place(marketSell(0.004))).status).toBe("filled");
    expect((await store.loadOrder(resting.clientOrderId))?.status).toBe("submitted");

    // Restart: a fresh venue, reconciliation first.
    const restarted = await connect("watch");
    const report = await reconcile({ store, venue: restarted, mode: "live", now: Date.now(), symbols: [SYMBOL], logger });
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(await store.loadOrder(resting.clientOrderId)).toMatchObject({ status: "expired", filledQuantity: 0 });
    const om2 = manager(restarted, store);
    await restarted.start();
    await om2.start();
    expect(om2.openOrders()).toEqual([]);
    om2.stop();
  });
});
