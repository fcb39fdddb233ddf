import { createHmac } from "node:crypto";
import ccxt, { type Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../server";

/** Real ccxt pro (binance class) streams against the simulator over loopback websockets. */

const START = Date.UTC(2025, 6, 1, 8, 0, 0);
let sim: SimulatorHandle;
let ex: Exchange;

beforeAll(async () => {
  sim = await startSimulator({ seed: 13, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], publishIntervalMs: 20 });
  ex = await createExchange({ id: "simulator" }, { simulator: sim });
  await ex.loadMarkets();
});

afterAll(async () => {
  await ex?.close();
  await sim?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(10);
  }
}

/**
 * Await a watch call while nudging the manual clock: the subscription may still be on its way
 * when the first nudge happens, so keep nudging until the stream delivers.
 */
async function untilResolved<T>(pending: Promise<T>, nudge: () => void, timeoutMs = 5_000): Promise<T> {
  let settled = false;
  const tracked = pending.finally(() => {
    settled = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!settled) {
    if (Date.now() > deadline) throw new Error("the stream never delivered");
    nudge();
    await sleep(25);
  }
  return tracked;
}

/** A raw websocket client that records every message. */
async function rawClient(url: string): Promise<{ ws: WebSocket; messages: any[] }> {
  const ws = new WebSocket(url);
  const messages: any[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, messages };
}

describe("market streams through ccxt pro", () => {
  it("watchOHLCV streams the forming candle, then its final (closed) values when the minute ends", async () => {
    const first = await ex.watchOHLCV("BTC/USDT", "1m");
    expect(first[first.length - 1][0]).toBe(START);
    const next = ex.watchOHLCV("BTC/USDT", "1m");
    sim.advance(60_000);
    const candles = await next;
    const rest = await ex.fetchOHLCV("BTC/USDT", "1m", START, 2);
    const streamed = candles.find((c) => c[0] === START);
    expect(streamed).toEqual(rest[0]);
    // The cache now also holds the next, forming minute.
    await waitFor(() => ex.ohlcvs["BTC/USDT"]["1m"].some((c: number[]) => c[0] === START + 60_000));
  });

  it("at a high speed candles close every fraction of a real second", async () => {
    const fast = await startSimulator({ seed: 1, historyDays: 0, speed: 3_000, symbols: ["ETH/USDT"], publishIntervalMs: 20 });
    const client = await createExchange({ id: "simulator" }, { simulator: fast });
    try {
      const seen = new Set<number>();
      const t0 = Date.now();
      while (seen.size < 4 && Date.now() - t0 < 5_000) {
        for (const c of await client.watchOHLCV("ETH/USDT", "1m")) seen.add(c[0]!);
      }
      expect(seen.size).toBeGreaterThanOrEqual(4);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await client.close();
      await fast.close();
    }
  });

  it("watchOrderBook keeps a local book in sync with the venue's through diff updates", async () => {
    const initial = await ex.watchOrderBook("ETH/USDT");
    const firstNonce = initial.nonce!;
    const book = await untilResolved(ex.watchOrderBook("ETH/USDT"), () => sim.advance(30_000));
    expect(book.nonce!).toBeGreaterThan(firstNonce);
    const venue = await ex.fetchOrderBook("ETH/USDT", 5);
    // The watched book object is the live local copy ccxt maintains from the diffs.
    const local = ex.orderbooks["ETH/USDT"];
    await waitFor(() => local.nonce === venue.nonce);
    expect(local.bids.slice(0, 5)).toEqual(venue.bids);
    expect(local.asks.slice(0, 5)).toEqual(venue.asks);
  });

  it("all-market ticker arrays arrive every real second", async () => {
    const { ws, messages } = await rawClient(`${sim.wsUrl}/!miniTicker@arr`);
    try {
      await waitFor(() => messages.length > 0, 3_000);
      expect(messages[0].map((t: { s: string }) => t.s)).toEqual(["BTCUSDT", "ETHUSDT"]);
      expect(messages[0][0]).toMatchObject({ e: "24hrMiniTicker", c: sim.lastPrice("BTC/USDT").toFixed(8) });
    } finally {
      ws.close();
    }
  });

  it("watchTrades streams the prints with simulated timestamps", async () => {
    const before = sim.now();
    const trades = await untilResolved(ex.watchTrades("BTC/USDT"), () => sim.advance(5_000));
    const last = trades[trades.length - 1];
    expect(last.timestamp).toBeGreaterThan(before);
    expect(last.timestamp).toBeLessThanOrEqual(sim.now());
    const tape = await ex.fetchTrades("BTC/USDT", undefined, 1000);
    expect(tape.find((t) => t.id === last.id)).toMatchObject({ price: last.price, amount: last.amount, timestamp: last.timestamp });
  });
});

describe("user data through ccxt pro", () => {
  it("watchOrders, watchMyTrades and watchBalance receive the account's executions", async () => {
    const orders = ex.watchOrders("BTC/USDT");
    const myTrades = ex.watchMyTrades("BTC/USDT");
    await waitFor(() => sim.state().userStreams >= 1);
    await ex.createOrder("BTC/USDT", "market", "buy", 0.002);
    const [o, t] = await Promise.all([orders, myTrades]);
    expect(o[o.length - 1]).toMatchObject({ symbol: "BTC/USDT", side: "buy", type: "market" });
    expect(t[t.length - 1]).toMatchObject({ symbol: "BTC/USDT", side: "buy", takerOrMaker: "taker" });
    // Binance without BNB (the simulator's default): a buy pays its commission in the coins bought.
    expect(t[t.length - 1].fee?.currency).toBe("BTC");

    const balance = ex.watchBalance();
    await ex.createOrder("BTC/USDT", "market", "sell", 0.002);
    const b = await balance;
    const venue = await ex.fetchBalance();
    expect(b.BTC.free).toBe(venue.BTC.free);
    expect(b.USDT.free).toBe(venue.USDT.free);
  });

  it("the WebSocket API refuses a subscription with a wrong signature or a stale timestamp", async () => {
    // Raw client: ccxt 4.5.84 turns this refusal into an AuthenticationError but also leaves an
    // internal promise rejected without a handler, which the test runner would report.
    const { ws, messages } = await rawClient(sim.wsApiUrl);
    try {
      const params = { apiKey: sim.defaultAccount.apiKey, timestamp: Date.now() };
      ws.send(JSON.stringify({ id: "a", method: "userDataStream.subscribe.signature", params: { ...params, signature: "0".repeat(64) } }));
      const stale = { apiKey: sim.defaultAccount.apiKey, timestamp: Date.now() - 60_000 };
      const staleSignature = createHmac("sha256", sim.defaultAccount.secret).update(`apiKey=${stale.apiKey}&timestamp=${stale.timestamp}`).digest("hex");
      ws.send(JSON.stringify({ id: "b", method: "userDataStream.subscribe.signature", params: { ...stale, signature: staleSignature } }));
      const fresh = { apiKey: sim.defaultAccount.apiKey, timestamp: Date.now() };
      const freshSignature = createHmac("sha256", sim.defaultAccount.secret).update(`apiKey=${fresh.apiKey}&timestamp=${fresh.timestamp}`).digest("hex");
      ws.send(JSON.stringify({ id: "c", method: "userDataStream.subscribe.signature", params: { ...fresh, signature: freshSignature } }));
      await waitFor(() => messages.length >= 3);
      expect(messages[0]).toMatchObject({ id: "a", status: 400, error: { code: -1022 } });
      expect(messages[1]).toMatchObject({ id: "b", status: 400, error: { code: -1021 } });
      expect(messages[2]).toMatchObject({ id: "c", status: 200, result: { subscriptionId: expect.any(Number) } });
      // ccxt maps the refusal code to its AuthenticationError.
      expect(() => ex.handleErrors(400, "", sim.wsApiUrl, "", {}, JSON.stringify(messages[0].error), messages[0].error, {}, {})).toThrow(ccxt.AuthenticationError);
    } finally {
      ws.close();
    }
  });

  it("the retired listenKey endpoints answer 410 and point to the WebSocket API (Binance retired them)", async () => {
    const headers = { "X-MBX-APIKEY": sim.defaultAccount.apiKey };
    const answer = await fetch(`${sim.restUrl}/api/v3/userDataStream`, { method: "POST", headers });
    expect(answer.status).toBe(410);
    expect(((await answer.json()) as { msg: string }).msg).toContain("userDataStream.subscribe.signature");
  });
});

describe("connection faults", () => {
  it("after the venue drops every socket, the next watch call reconnects", async () => {
    const client = await createExchange({ id: "simulator" }, { simulator: sim });
    client.options.ws = { ...client.options.ws, backoff: { base: 20 } };
    try {
      await client.watchOHLCV("ETH/USDT", "1m");
      const pending = client.watchOHLCV("ETH/USDT", "1m");
      expect(sim.faults.dropConnections()).toBeGreaterThan(0);
      await expect(pending).rejects.toBeInstanceOf(ccxt.NetworkError);
      let candles: unknown[] | null = null;
      for (let attempt = 0; attempt < 20 && candles === null; attempt++) {
        candles = await client.watchOHLCV("ETH/USDT", "1m").catch(() => null);
      }
      expect(candles?.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it("injected latency delays websocket messages too", async () => {
    const { ws, messages } = await rawClient(sim.wsApiUrl);
    try {
      sim.faults.set({ latencyMs: 120 });
      const t0 = performance.now();
      ws.send(JSON.stringify({ id: 1, method: "ping" }));
      await waitFor(() => messages.length === 1);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
      expect(messages[0]).toMatchObject({ id: 1, status: 200 });
    } finally {
      sim.faults.set({ latencyMs: 0 });
      ws.close();
    }
  });

  it("periodic drops can be switched on and off from the admin API", async () => {
    const { ws } = await rawClient(sim.wsUrl);
    const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    const res = await fetch(`${sim.restUrl}/admin/faults`, { method: "POST", body: JSON.stringify({ dropConnectionsEverySec: 0.2 }) });
    expect((await res.json()).dropConnectionsEverySec).toBe(0.2);
    await closed;
    sim.faults.set({ dropConnectionsEverySec: null });
  });

  it("one client's garbage or disconnect does not disturb another", async () => {
    const a = await rawClient(`${sim.wsUrl}/0`);
    const b = await rawClient(`${sim.restUrl.replace("http", "ws")}/stream?streams=ethusdt@trade/ethusdt@kline_1m`);
    try {
      a.ws.send("{not json");
      a.ws.send(JSON.stringify({ method: "SUBSCRIBE", params: ["nope@trade"], id: 1 }));
      a.ws.send(JSON.stringify({ method: "SUBSCRIBE", params: ["ethusdt@trade"], id: 2 }));
      await waitFor(() => a.messages.length >= 3);
      expect(a.messages[0].error.code).toBe(3);
      expect(a.messages[1]).toMatchObject({ id: 1, error: { code: 2 } });
      expect(a.messages[2]).toEqual({ result: null, id: 2 });
      a.ws.terminate();
      sim.advance(10_000);
      await waitFor(() => b.messages.some((m) => m.stream === "ethusdt@trade"));
      const wrapped = b.messages.find((m) => m.stream === "ethusdt@kline_1m");
      expect(wrapped.data).toMatchObject({ e: "kline", s: "ETHUSDT" });
    } finally {
      b.ws.close();
    }
  });
});
