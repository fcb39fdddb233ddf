import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createExchange } from "../../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../../server";

/**
 * The simulator's futures websockets: raw Binance frames over loopback, then the product's own
 * createExchange({ id: "binanceusdm" }, { simulator }) client (real ccxt.pro binanceusdm, no mocks).
 */

const START = Date.UTC(2025, 4, 6, 1, 0, 0);
const HOUR = 3_600_000;

/** A websocket that records every message; `next(pred)` waits for the first match from now on or already seen. */
async function openSocket(url: string) {
  const ws = new WebSocket(url);
  const messages: unknown[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void; from: number }> = [];
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const next = <T = any>(pred: (m: any) => boolean, from = 0, timeoutMs = 5000): Promise<T> => {
    const seen = messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message on ${url}`)), timeoutMs);
      waiters.push({ pred, from, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  };
  return { ws, messages, next, send: (m: unknown) => ws.send(JSON.stringify(m)), close: () => ws.close() };
}

async function fapi(sim: SimulatorHandle, method: string, path: string) {
  const res = await fetch(`${sim.restUrl}${path}`, { method, headers: { "X-MBX-APIKEY": sim.defaultAccount.apiKey } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Resolves once ccxt's futures user-data socket is open (events before that would be missed). */
async function userStreamOpen(ex: Exchange): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const client = Object.values(ex.clients as Record<string, { url: string; connected: Promise<unknown> }>).find((c) => c.url.includes("/fstream/private/ws?listenKey="));
    if (client) {
      await client.connected;
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("user-data socket never opened");
}

describe("futures websockets, raw frames", () => {
  let sim: SimulatorHandle;
  let base: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], rateLimits: false });
    base = sim.restUrl.replace(/^http/, "ws");
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("serves the listenKey endpoints like Binance (one key per account, -1125 once deleted)", async () => {
    const first = await fapi(sim, "POST", "/fapi/v1/listenKey");
    expect(first.status).toBe(200);
    const key = first.body.listenKey as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect((await fapi(sim, "POST", "/fapi/v1/listenKey")).body.listenKey).toBe(key);
    expect((await fapi(sim, "PUT", "/fapi/v1/listenKey")).body).toEqual({ listenKey: key });
    expect((await fapi(sim, "DELETE", "/fapi/v1/listenKey")).body).toEqual({});
    const gone = await fapi(sim, "PUT", "/fapi/v1/listenKey");
    expect(gone.body.code).toBe(-1125);
    const unsigned = await fetch(`${sim.restUrl}/fapi/v1/listenKey`, { method: "POST" });
    expect(((await unsigned.json()) as { code: number }).code).toBe(-2014);
  });

  it("streams markPrice, kline, depth, bookTicker on raw and combined paths", async () => {
    const raw = await openSocket(`${base}/fstream/ws/btcusdt@markPrice@1s`);
    const mark = await raw.next((m) => m.e === "markPriceUpdate");
    expect(mark).toMatchObject({ s: "BTCUSDT", T: START + 7 * HOUR });
    expect(Object.keys(mark).sort()).toEqual(["E", "P", "T", "e", "i", "p", "r", "s"]);
    expect(Number(mark.i)).toBe(sim.lastPrice("BTC/USDT"));
    expect(Math.abs(Number(mark.p) / Number(mark.i) - 1)).toBeLessThan(0.002);
    raw.close();

    const combined = await openSocket(`${base}/fstream/stream?streams=ethusdt@kline_1m/ethusdt@depth5@100ms/ethusdt@bookTicker`);
    const kline = await combined.next((m) => m.stream === "ethusdt@kline_1m");
    expect(kline.data).toMatchObject({ e: "kline", s: "ETHUSDT", k: { s: "ETHUSDT", i: "1m", x: false } });
    expect(kline.data.k.o).toMatch(/^\d+\.\d{2}$/); // ETHUSDT tick 0.01
    const depth = await combined.next((m) => m.stream === "ethusdt@depth5@100ms");
    expect(depth.data).toMatchObject({ e: "depthUpdate", s: "ETHUSDT" });
    expect(depth.data.b).toHaveLength(5);
    expect(Number(depth.data.a[0][0]) - Number(depth.data.b[0][0])).toBeCloseTo(0.01, 8);
    const book = await combined.next((m) => m.stream === "ethusdt@bookTicker");
    expect(book.data).toMatchObject({ e: "bookTicker", s: "ETHUSDT", b: depth.data.b[0][0], a: depth.data.a[0][0] });
    // A closed candle once the minute is over.
    const from = combined.messages.length;
    sim.advance(60_000);
    const closed = await combined.next((m) => m.stream === "ethusdt@kline_1m" && m.data.k.x === true, from);
    expect(closed.data.k.t).toBe(kline.data.k.t);
    combined.close();
  });

  it("SUBSCRIBE / LIST_SUBSCRIPTIONS on /fstream/market/ws, and refuses unknown streams and paths", async () => {
    const s = await openSocket(`${base}/fstream/market/ws/0`);
    s.send({ method: "SUBSCRIBE", params: ["btcusdt@aggTrade", "btcusdt@markPrice"], id: 1 });
    expect(await s.next((m) => m.id === 1)).toEqual({ result: null, id: 1 });
    s.send({ method: "LIST_SUBSCRIPTIONS", id: 2 });
    expect((await s.next((m) => m.id === 2)).result).toEqual(["btcusdt@aggTrade", "btcusdt@markPrice"]);
    s.send({ method: "SUBSCRIBE", params: ["btcusdt@kline_1s"], id: 3 });
    expect((await s.next((m) => m.id === 3)).error.code).toBe(2);
    sim.advance(5_000);
    const trade = await s.next((m) => m.e === "aggTrade");
    expect(trade).toMatchObject({ s: "BTCUSDT", m: expect.any(Boolean) });
    expect(trade.p).toMatch(/^\d+\.\d$/);
    s.close();
    await expect(openSocket(`${base}/fstream/private/ws?listenKey=nope`)).rejects.toThrow(/400/);
    await expect(openSocket(`${base}/fstream/elsewhere`)).rejects.toThrow(/404/);
  });
});

describe("ccxt.pro binanceusdm from createExchange on the simulator", () => {
  let sim: SimulatorHandle;
  let ex: Exchange;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], rateLimits: false });
    ex = await createExchange({ id: "binanceusdm" }, { simulator: sim });
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  it("points every URL at the simulator and maps futures error codes", async () => {
    const urls = JSON.stringify(ex.urls.api);
    expect(urls).not.toMatch(/binance\.com/);
    expect((ex.urls.api as { ws: { future: string } }).ws.future).toBe(`${sim.restUrl.replace(/^http/, "ws")}/fstream/ws`);
    const err = await ex.createOrder("BTC/USDT:USDT", "market", "buy", 0.001).catch((e: Error) => e);
    expect((err as Error).constructor.name).toBe("InvalidOrder"); // -4164 notional too small
  });

  it("watchMarkPrice and watchOHLCV receive the perpetual's mark price and candles", async () => {
    const mark = await ex.watchMarkPrice("BTC/USDT:USDT");
    expect(mark.symbol).toBe("BTC/USDT:USDT");
    expect(mark.markPrice).toBeGreaterThan(0);
    expect(mark.indexPrice).toBe(sim.lastPrice("BTC/USDT"));
    const candles = await ex.watchOHLCV("BTC/USDT:USDT", "1m");
    expect(candles.length).toBeGreaterThan(0);
    expect(Number(candles.at(-1)![0]) % 60_000).toBe(0);
  }, 20_000);

  it("a fill reaches watchOrders, watchPositions and watchBalance; funding reaches watchBalance and watchPositions", async () => {
    await ex.setMarginMode("isolated", "ETH/USDT:USDT");
    await ex.setLeverage(2, "ETH/USDT:USDT");
    // First call: the REST snapshot; later calls wait for the stream.
    await ex.watchPositions(["ETH/USDT:USDT"]);
    const ordersP = ex.watchOrders("ETH/USDT:USDT");
    const positionsP = ex.watchPositions(["ETH/USDT:USDT"]);
    const balanceP = ex.watchBalance();
    await userStreamOpen(ex);

    const placed = await ex.createOrder("ETH/USDT:USDT", "market", "buy", 0.5);
    const orders = await ordersP;
    expect(orders[0]).toMatchObject({ id: placed.id, symbol: "ETH/USDT:USDT", side: "buy", type: "market" });
    // NEW then TRADE: the cache ends filled.
    let order = orders.at(-1)!;
    for (let i = 0; i < 5 && order.status !== "closed"; i++) order = (await ex.watchOrders("ETH/USDT:USDT")).at(-1)!;
    expect(order).toMatchObject({ id: placed.id, status: "closed", filled: 0.5 });
    const rawOrder = order.info as Record<string, unknown>;
    expect(rawOrder).toMatchObject({ s: "ETHUSDT", x: "TRADE", X: "FILLED", o: "MARKET", ot: "MARKET", ps: "BOTH", R: false, cp: false, N: "USDT" });

    const [position] = await positionsP;
    expect(position).toMatchObject({ symbol: "ETH/USDT:USDT", side: "long", contracts: 0.5, marginMode: "isolated" });
    const [rest] = await ex.fetchPositions(["ETH/USDT:USDT"]);
    expect(position.entryPrice).toBe(rest.entryPrice);

    const balance = await balanceP;
    const account = (await ex.fapiPrivateV2GetAccount()) as { totalWalletBalance: string };
    expect(balance.USDT.total).toBe(Number(account.totalWalletBalance));
    expect(balance.USDT.total).toBeLessThan(10_000); // the taker fee
    const totalAfterFill = balance.USDT.total!; // ccxt updates its balance object in place

    // Funding at 08:00 UTC: the balance moves by the payment, and the isolated position's wallet with it.
    const balanceAfterFunding = ex.watchBalance();
    const positionAfterFunding = ex.watchPositions(["ETH/USDT:USDT"]);
    const isolatedBefore = Number((position.info as { iw: string }).iw);
    expect(isolatedBefore).toBeGreaterThan(0);
    // The market streams only push on change, and the manual clock is frozen: wait from before the advance.
    const markAfterFunding = ex.watchMarkPrice("BTC/USDT:USDT");
    const candlesAfterFunding = ex.watchOHLCV("BTC/USDT:USDT", "1m");
    sim.advance(7 * HOUR);
    const funded = await balanceAfterFunding;
    const [income] = (await ex.fapiPrivateGetIncome({ incomeType: "FUNDING_FEE" })) as Array<{ income: string; time: number }>;
    expect(income.time).toBe(START + 7 * HOUR);
    expect(funded.USDT.total).toBeCloseTo(totalAfterFill + Number(income.income), 8);
    expect((funded.info as { a: { m: string; B: Array<{ bc: string }> } }).a).toMatchObject({ m: "FUNDING_FEE", B: [{ bc: Number(income.income).toFixed(8) }] });
    const [fundedPos] = await positionAfterFunding;
    expect(Number((fundedPos.info as { iw: string }).iw)).toBeCloseTo(isolatedBefore + Number(income.income), 8);

    // The mark-price stream now points at the next funding time.
    const mark = await markAfterFunding;
    expect((mark.info as { T: number }).T).toBe(START + 15 * HOUR);
    await candlesAfterFunding;
    // The 420 closed candles of the advance arrive in one round: wait until ccxt's cache has them.
    const cache = () => ((ex.ohlcvs as Record<string, Record<string, number[][]>>)["BTC/USDT:USDT"]?.["1m"] ?? []).at(-1)?.[0] ?? 0;
    for (let i = 0; i < 200 && cache() < START + 7 * HOUR; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cache()).toBe(START + 7 * HOUR);
  }, 30_000);
});

describe("MARGIN_CALL and liquidation on the user-data stream", () => {
  let sim: SimulatorHandle;
  const LSTART = Date.UTC(2025, 4, 6, 1, 0, 0);

  beforeAll(async () => {
    // BTC flat for 10 minutes, then up 0.05 % a minute: a 50× isolated short is margin-called, then liquidated.
    const rows = Array.from({ length: 120 }, (_, i) => {
      const open = i < 10 ? 65_000 : 65_000 * 1.0005 ** (i - 10);
      const close = i < 10 ? 65_000 : open * 1.0005;
      return { openTime: LSTART + i * 60_000, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 10 };
    });
    sim = await startSimulator({ seed: 3, historyDays: 0, startTime: LSTART, manualClock: true, symbols: ["BTC/USDT"], csv: { symbol: "BTC/USDT", rows }, rateLimits: false });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("pushes MARGIN_CALL once the margin ratio reaches 80 %, then the liquidation's ORDER_TRADE_UPDATE and ACCOUNT_UPDATE", async () => {
    const ex = await createExchange({ id: "binanceusdm" }, { simulator: sim });
    try {
      await ex.loadMarkets();
      await ex.setMarginMode("isolated", "BTC/USDT:USDT");
      await ex.setLeverage(50, "BTC/USDT:USDT");
      const { listenKey } = (await ex.fapiPrivatePostListenKey()) as { listenKey: string };
      const user = await openSocket(`${sim.restUrl.replace(/^http/, "ws")}/fstream/private/ws?listenKey=${listenKey}`);
      await ex.createOrder("BTC/USDT:USDT", "market", "sell", 0.01);
      const fill = await user.next((m) => m.e === "ORDER_TRADE_UPDATE" && m.o.x === "TRADE");
      expect(fill.o).toMatchObject({ s: "BTCUSDT", S: "SELL", X: "FILLED", q: "0.010", z: "0.010", l: "0.010" });
      const opened = await user.next((m) => m.e === "ACCOUNT_UPDATE");
      expect(opened.a).toMatchObject({ m: "ORDER", P: [{ s: "BTCUSDT", pa: "-0.010", mt: "isolated", ps: "BOTH" }] });

      for (let i = 0; i < 110 && !user.messages.some((m: any) => m.e === "ORDER_TRADE_UPDATE" && m.o.x === "CALCULATED"); i++) {
        sim.advance(60_000);
        await ex.fapiPublicGetPing(); // a request catches the engine up at once
      }
      const call = await user.next((m) => m.e === "MARGIN_CALL");
      expect(call).not.toHaveProperty("cw"); // isolated
      expect(call.p).toEqual([expect.objectContaining({ s: "BTCUSDT", ps: "BOTH", pa: "-0.010", mt: "ISOLATED" })]);
      const p = call.p[0];
      expect(Number(p.mm) / (Number(p.iw) + Number(p.up))).toBeGreaterThanOrEqual(0.8);
      const liq = await user.next((m) => m.e === "ORDER_TRADE_UPDATE" && m.o.x === "CALCULATED");
      expect(liq.o).toMatchObject({ o: "LIQUIDATION", ot: "LIQUIDATION", X: "FILLED", S: "BUY", R: true, z: "0.010" });
      expect(liq.o.c).toMatch(/^autoclose-/);
      const indexOf = (m: unknown) => user.messages.indexOf(m);
      expect(indexOf(call)).toBeLessThan(indexOf(liq));
      expect(user.messages.filter((m: any) => m.e === "MARGIN_CALL")).toHaveLength(1);
      const closed = await user.next((m) => m.e === "ACCOUNT_UPDATE" && m.a.P[0]?.pa === "0.000");
      expect(indexOf(closed)).toBeGreaterThan(indexOf(liq));
      expect(closed.a.P[0]).toMatchObject({ iw: "0.00000000", mt: "isolated" });
      user.close();
    } finally {
      await ex.close();
    }
  }, 30_000);
});
