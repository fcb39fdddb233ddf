import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRealtimeHarness } from "./harness";
import type { OrderBook } from "../../server/model/types";
import { RateGate } from "../../server/realtime/rate-gate";

/**
 * Issue 21: the Order book page's trades tape and 50 levels. Public trades go only to the clients watching
 * that symbol's book, at most 20 a second per symbol; books carry the market service's depth. The realtime
 * layer on a real HTTP server with Socket.IO clients; the engine is its event buses.
 */

let harness: Awaited<ReturnType<typeof startRealtimeHarness>>;
const bus = { emit: (...args: Parameters<typeof harness.bus.emit>) => harness.bus.emit(...args) };
const marketEvents = { emit: (...args: Parameters<typeof harness.marketEvents.emit>) => harness.marketEvents.emit(...args) };

beforeAll(async () => {
  harness = await startRealtimeHarness({ orderBookDepth: 50 });
});

afterAll(() => harness.close());

interface TradeMessage {
  symbol: string;
  price: number;
  quantity: number;
  side: "buy" | "sell" | null;
  timestamp: number;
  simulated: boolean;
}

async function client(orderbook?: string) {
  const socket = harness.connectClient();
  const trades: TradeMessage[] = [];
  const books: Array<{ symbol: string; bids: unknown[]; asks: unknown[] }> = [];
  socket.on("market:trade", (m: TradeMessage) => trades.push(m));
  socket.on("orderbook", (m) => books.push(m));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const roundTrip = () => new Promise<void>((resolve) => socket.emit("subscribe", {}, () => resolve()));
  if (orderbook) await new Promise<void>((resolve) => socket.emit("subscribe", { orderbook }, () => resolve()));
  return { socket, trades, books, roundTrip };
}

describe("the trades tape and the 50-level book on the feed", () => {
  it("a burst of 50 BTC trades reaches the BTC book's watcher as 20 in that second, and nobody else", async () => {
    const btc = await client("BTC/USDT");
    const eth = await client("ETH/USDT");
    const none = await client();
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      marketEvents.emit("trade", { symbol: "BTC/USDT", id: String(i), timestamp: t0 + i, price: 60_000 + i, amount: 0.001, side: i % 2 ? "sell" : "buy" });
    }
    marketEvents.emit("trade", { symbol: "ETH/USDT", id: "e1", timestamp: t0, price: 3_000, amount: 0.5 });
    await expect.poll(() => btc.trades.length, { timeout: 10_000 }).toBe(20);
    await expect.poll(() => eth.trades.length, { timeout: 10_000 }).toBe(1);
    // Everything the server sent before these answers has arrived: no more than 20, nothing for the others.
    await Promise.all([btc.roundTrip(), eth.roundTrip(), none.roundTrip()]);
    expect(btc.trades).toHaveLength(20);
    expect(none.trades).toHaveLength(0);
    expect(btc.trades[0]).toEqual({ symbol: "BTC/USDT", price: 60_000, quantity: 0.001, side: "buy", timestamp: t0, simulated: true });
    expect(btc.trades.map((t) => t.price)).toEqual(Array.from({ length: 20 }, (_, i) => 60_000 + i));
    expect(eth.trades[0]).toMatchObject({ symbol: "ETH/USDT", side: null });
  });

  it("an order book of 60 levels is sent with the 50 the server keeps", async () => {
    const watcher = await client("SOL/USDT");
    const levels = (from: number, dir: number) => Array.from({ length: 60 }, (_, i) => ({ price: from + dir * i, quantity: 1 }));
    const book: OrderBook = { symbol: "SOL/USDT", timestamp: Date.now(), bids: levels(99, -1), asks: levels(101, 1) };
    bus.emit("orderbook", book);
    await expect.poll(() => watcher.books.length, { timeout: 10_000 }).toBe(1);
    expect(watcher.books[0]!.bids).toHaveLength(50);
    expect(watcher.books[0]!.asks).toHaveLength(50);
  });
});

describe("RateGate", () => {
  it("lets 20 through in any second per symbol, and more as the second slides on", () => {
    let now = 1_000;
    const gate = new RateGate(20, 1000, () => now);
    const passed = Array.from({ length: 30 }, () => gate.pass("BTC/USDT")).filter(Boolean).length;
    expect(passed).toBe(20);
    expect(gate.pass("ETH/USDT")).toBe(true);
    now += 999;
    expect(gate.pass("BTC/USDT")).toBe(false);
    now += 1;
    expect(gate.pass("BTC/USDT")).toBe(true);
    expect(gate.pass("BTC/USDT")).toBe(true);
  });

  it("refuses a limit that is not a whole number or a window that is not positive", () => {
    expect(() => new RateGate(0, 1000)).toThrow(/max/);
    expect(() => new RateGate(2.5, 1000)).toThrow(/max/);
    expect(() => new RateGate(20, 0)).toThrow(/windowMs/);
  });
});
