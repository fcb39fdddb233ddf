import type { Exchange, OrderBook } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createExchange } from "../../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../../server";

/**
 * Issue 15: in futures mode the dashboard showed "Feed down" because the simulator's futures
 * websocket refused the order book and ticker streams ccxt binanceusdm asks for
 * (`<sym>@depth@100ms`, `<sym>@miniTicker`). Real ccxt.pro binanceusdm from the product's
 * createExchange over loopback, plus raw frames; no mocks.
 */

const START = Date.UTC(2025, 4, 6, 1, 0, 0);
const PERP = "BTC/USDT:USDT";

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectCoherent(book: { bids: number[][]; asks: number[][] }) {
  expect(book.bids.length).toBeGreaterThan(0);
  expect(book.asks.length).toBeGreaterThan(0);
  expect(book.bids[0][0]).toBeLessThan(book.asks[0][0]);
  for (let i = 1; i < book.bids.length; i++) expect(book.bids[i][0]).toBeLessThan(book.bids[i - 1][0]);
  for (let i = 1; i < book.asks.length; i++) expect(book.asks[i][0]).toBeGreaterThan(book.asks[i - 1][0]);
  for (const [, qty] of [...book.bids, ...book.asks]) expect(qty).toBeGreaterThan(0);
}

async function restDepth(sim: SimulatorHandle, limit: number) {
  const res = await fetch(`${sim.restUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=${limit}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
}

describe("futures dashboard feeds: order book and ticker of a perpetual through ccxt binanceusdm", () => {
  let sim: SimulatorHandle;
  let ex: Exchange;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 7, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], rateLimits: false });
    ex = await createExchange({ id: "binanceusdm" }, { simulator: sim });
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  it("watchOrderBook syncs with the REST snapshot and keeps an exact, sorted book as the price moves", async () => {
    const first = await ex.watchOrderBook(PERP);
    const firstNonce = first.nonce as number;
    expect(first.symbol).toBe(PERP);
    expectCoherent(first as unknown as { bids: number[][]; asks: number[][] });

    // Move the perpetual's price several times; ccxt applies each diff (it throws on a broken pu chain).
    for (let step = 0; step < 3; step++) {
      const before = step === 0 ? firstNonce : ((ex.orderbooks as Record<string, OrderBook>)[PERP].nonce as number);
      sim.advance(15 * 60_000);
      const snap = await restDepth(sim, 1000);
      // The manual clock is frozen now: once ccxt reaches the snapshot's update id it holds that book.
      // ccxt applies the diffs to its book as they arrive (watchOrderBook would wait for one more).
      const book = await until<OrderBook>("ccxt's book to catch up with the REST snapshot", () => {
        const b = (ex.orderbooks as Record<string, OrderBook>)[PERP];
        return (b.nonce as number) >= snap.lastUpdateId ? b : undefined;
      });
      expect(book.nonce as number).toBeGreaterThan(before);
      expectCoherent(book as unknown as { bids: number[][]; asks: number[][] });
      const top = (levels: [string, string][]) => levels.slice(0, 20).map(([p, q]) => [Number(p), Number(q)]);
      expect(book.bids.slice(0, 20).map(([p, q]) => [p, q])).toEqual(top(snap.bids));
      expect(book.asks.slice(0, 20).map(([p, q]) => [p, q])).toEqual(top(snap.asks));
    }
  });

  it("watchTicker receives the perpetual's last price and 24 h figures (as GET /fapi/v1/ticker/24hr)", async () => {
    const ticker = await ex.watchTicker(PERP);
    expect(ticker.symbol).toBe(PERP);
    expect(ticker.last).toBeGreaterThan(0);
    expect(ticker.high as number).toBeGreaterThanOrEqual(ticker.last as number);
    expect(ticker.low as number).toBeLessThanOrEqual(ticker.last as number);
    expect(ticker.baseVolume).toBeGreaterThan(0);
    const rest = (await (await fetch(`${sim.restUrl}/fapi/v1/ticker/24hr?symbol=BTCUSDT`)).json()) as Record<string, string>;
    expect(Number(rest.lastPrice)).toBe(ticker.last);
    const price = (await (await fetch(`${sim.restUrl}/fapi/v1/ticker/price?symbol=BTCUSDT`)).json()) as { price: string };
    expect(rest.lastPrice).toBe(price.price);
    const fetched = await ex.fetchTicker(PERP);
    expect(fetched.last).toBe(ticker.last);
  });
});

describe("futures diff depth and ticker streams, raw frames", () => {
  let sim: SimulatorHandle;
  let base: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 9, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT"], rateLimits: false });
    base = sim.restUrl.replace(/^http/, "ws");
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("diff depth events carry Binance's futures fields, U ≤ u and pu equal to the previous event's u", async () => {
    const ws = new WebSocket(`${base}/fstream/public/ws/0`);
    const events: Record<string, unknown>[] = [];
    const replies: Record<string, unknown>[] = [];
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      (m.e === "depthUpdate" ? events : replies).push(m);
    });
    await new Promise<void>((resolve, reject) => (ws.once("open", () => resolve()), ws.once("error", reject)));
    ws.send(JSON.stringify({ method: "SUBSCRIBE", params: ["btcusdt@depth@100ms"], id: 1 }));
    await until("the SUBSCRIBE reply", () => replies.find((r) => r.id === 1));
    expect(replies.find((r) => r.id === 1)).toEqual({ result: null, id: 1 });

    for (let i = 0; events.length < 3 && i < 20; i++) {
      const seen = events.length;
      sim.advance(5 * 60_000);
      await until("a diff after the price moved", () => (events.length > seen ? true : undefined));
    }
    expect(events.length).toBeGreaterThanOrEqual(3);
    ws.close();

    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(["E", "T", "U", "a", "b", "e", "pu", "s", "u"]);
      expect(e.s).toBe("BTCUSDT");
      expect(e.U as number).toBeLessThanOrEqual(e.u as number);
      for (const [p, q] of [...(e.b as string[][]), ...(e.a as string[][])]) {
        expect(p).toMatch(/^\d+\.\d$/);
        expect(q).toMatch(/^\d+\.\d{3}$/);
      }
    }
    for (let i = 1; i < events.length; i++) {
      expect(events[i].pu).toBe(events[i - 1].u);
      expect(events[i].U).toBe((events[i - 1].u as number) + 1);
    }
    // The REST snapshot is on the same sequence: no newer than the last diff while the clock is frozen.
    expect((await restDepth(sim, 100)).lastUpdateId).toBe(events[events.length - 1].u);
  });

  it("serves @ticker, @miniTicker, !miniTicker@arr and @depth with Binance's futures event fields", async () => {
    const ws = new WebSocket(`${base}/fstream/stream?streams=btcusdt@ticker/btcusdt@miniTicker/!miniTicker@arr/btcusdt@depth`);
    const byStream = new Map<string, Record<string, unknown>>();
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (!byStream.has(m.stream)) byStream.set(m.stream, m.data);
    });
    await new Promise<void>((resolve, reject) => (ws.once("open", () => resolve()), ws.once("error", reject)));
    const ticker = await until("@ticker", () => byStream.get("btcusdt@ticker"));
    expect(Object.keys(ticker).sort()).toEqual(["C", "E", "F", "L", "O", "P", "Q", "c", "e", "h", "l", "n", "o", "p", "q", "s", "v", "w"].sort());
    expect(ticker).toMatchObject({ e: "24hrTicker", s: "BTCUSDT" });
    expect(Number(ticker.c)).toBeGreaterThan(0);
    const mini = await until("@miniTicker", () => byStream.get("btcusdt@miniTicker"));
    expect(Object.keys(mini).sort()).toEqual(["E", "c", "e", "h", "l", "o", "q", "s", "v"].sort());
    expect(mini).toMatchObject({ e: "24hrMiniTicker", s: "BTCUSDT", c: ticker.c });
    const all = await until("!miniTicker@arr", () => byStream.get("!miniTicker@arr") as unknown as Record<string, unknown>[] | undefined);
    expect(all.map((t) => t.s)).toEqual(["BTCUSDT"]);
    sim.advance(60_000);
    const diff = await until("@depth", () => byStream.get("btcusdt@depth"));
    expect(diff).toMatchObject({ e: "depthUpdate", s: "BTCUSDT" });
    ws.close();
  });
});
