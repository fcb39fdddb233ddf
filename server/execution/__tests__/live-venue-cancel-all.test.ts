import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger";
import { createExchange } from "../../market/exchange";
import type { OrderRequest } from "../../model/types";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { LiveVenue } from "../live-venue";

/** Issue 14: cancel-all where the venue has it: one request per symbol, orders placed elsewhere included. */

let sim: SimulatorHandle;
let exchange: Exchange;
let venue: LiveVenue;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, historyDays: 0, symbols: ["BTC/USDT"], seed: 2 });
  exchange = await createExchange({ id: "simulator" }, { simulator: sim });
  venue = new LiveVenue({ exchange, symbols: ["BTC/USDT"], simulated: true, logger: createLogger("silent"), updates: "poll" });
  await venue.start();
});

afterAll(async () => {
  await venue?.stop();
  await (exchange as unknown as { close?: () => Promise<void> })?.close?.();
  await sim?.close();
});

function limitBuy(id: string, price: number): OrderRequest {
  return { clientOrderId: id, symbol: "BTC/USDT", side: "buy", type: "limit", quantity: 0.001, price, timeInForce: "GTC", intent: "entry", reduceOnly: false, reason: "test", createdAt: Date.now() };
}

describe("cancel every order of a symbol in one request", () => {
  it("cancels the bot's orders and one placed by hand, reporting each with its own client id", async () => {
    const price = Math.round(sim.lastPrice("BTC/USDT") * 0.8);
    for (const id of ["ca-1", "ca-2", "ca-3"]) await venue.submit(limitBuy(id, price));
    await exchange.createOrder("BTC/USDT", "limit", "buy", 0.001, price, { clientOrderId: "by-hand" });
    const seen: string[] = [];
    const off = venue.onUpdate((u) => u.status === "cancelled" && seen.push(u.clientOrderId));
    const cancelled = await venue.cancelAllOrders("BTC/USDT");
    off();
    expect(cancelled.map((u) => u.clientOrderId).sort()).toEqual(["by-hand", "ca-1", "ca-2", "ca-3"]);
    expect(cancelled.every((u) => u.status === "cancelled")).toBe(true);
    expect(seen.sort()).toEqual(["by-hand", "ca-1", "ca-2", "ca-3"]);
    expect(await venue.fetchOpenOrders("BTC/USDT")).toEqual([]);
    expect(await venue.cancelAllOrders("BTC/USDT")).toEqual([]);
  });
});
