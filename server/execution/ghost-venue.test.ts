import net from "node:net";
import http from "node:http";
import https from "node:https";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../core/clock";
import { request } from "./__tests__/fake-venue";
import { createGhostVenue } from "./paper-venue";
import type { VenueOrderUpdate } from "./types";

describe("ghost venue", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a ghost long round trip never touches the network and books fees on hypothetical fills at the current price", async () => {
    const connect = vi.spyOn(net.Socket.prototype, "connect");
    const httpRequest = vi.spyOn(http, "request");
    const httpsRequest = vi.spyOn(https, "request");
    const fetchSpy = vi.spyOn(globalThis, "fetch");

    const clock = new ManualClock(0);
    const venue = createGhostVenue({ clock, fees: { maker: 0.001, taker: 0.001 }, balances: { USDT: 1_000 } });
    const updates: VenueOrderUpdate[] = [];
    venue.onUpdate((u) => updates.push(u));
    expect(venue).toMatchObject({ kind: "ghost", id: "ghost", simulated: true, testnet: false });

    await venue.start();
    venue.onMarket({ type: "trade", symbol: "BTC/USDT", price: 100, timestamp: 1_000 });
    // A book is ignored: ghost fills at the current price with no slippage.
    venue.onMarket({ type: "book", book: { symbol: "BTC/USDT", timestamp: 1_000, asks: [{ price: 150, quantity: 0.001 }], bids: [] } });

    const entry = await venue.submit(request({ clientOrderId: "tk-ghost-1", side: "buy", type: "market", quantity: 2 }));
    expect(entry.status).toBe("filled");
    expect(entry.fills[0]).toMatchObject({ price: 100, quantity: 2, liquidity: "taker", fee: 0.2 });

    // The exit rule's take-profit rests and closes the hypothetical trade when the price gets there.
    await venue.submit(request({ clientOrderId: "tk-ghost-2", side: "sell", type: "limit", quantity: 2, price: 103, intent: "exit", reduceOnly: true }));
    venue.onMarket({ type: "trade", symbol: "BTC/USDT", price: 103.5, timestamp: 2_000 });
    const exit = updates.at(-1)!;
    expect(exit).toMatchObject({ clientOrderId: "tk-ghost-2", status: "filled" });
    expect(exit.fills[0]).toMatchObject({ price: 103, liquidity: "maker" });
    expect(exit.fills[0].fee).toBeCloseTo(0.206, 10);

    const usdt = (await venue.fetchBalances()).find((b) => b.asset === "USDT")!;
    expect(usdt.free).toBeCloseTo(1_000 - 200 - 0.2 + 206 - 0.206, 8);
    await venue.stop();

    expect(connect).not.toHaveBeenCalled();
    expect(httpRequest).not.toHaveBeenCalled();
    expect(httpsRequest).not.toHaveBeenCalled();
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("does not enforce balances: a ghost signal is recorded even without the cash to back it", async () => {
    const venue = createGhostVenue({ clock: new ManualClock(0), balances: { USDT: 10 } });
    venue.onMarket({ type: "trade", symbol: "ETH/USDT", price: 2_000, timestamp: 1 });
    const result = await venue.submit(request({ clientOrderId: "tk-ghost-3", symbol: "ETH/USDT", side: "buy", quantity: 1 }));
    expect(result.status).toBe("filled");
    expect(result.fills[0].price).toBe(2_000);
  });
});
