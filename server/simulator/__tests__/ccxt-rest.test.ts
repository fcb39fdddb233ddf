import ccxt, { type Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../server";

/** Real ccxt (binance class) against the simulator over loopback HTTP: no mocks. */

const START = Date.UTC(2025, 4, 6, 14, 0, 0);
let sim: SimulatorHandle;
let ex: Exchange;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"] });
  ex = await createExchange({ id: "simulator" }, { simulator: sim });
  await ex.loadMarkets();
});

afterAll(async () => {
  await ex?.close();
  await sim?.close();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

const belowMarket = (pct: number) => ex.priceToPrecision("BTC/USDT", sim.lastPrice("BTC/USDT") * (1 - pct / 100));

describe("market data through ccxt", () => {
  it("loads the simulated spot markets with Binance's filters, labelled simulated", async () => {
    const btc = ex.market("BTC/USDT");
    expect(btc).toMatchObject({ id: "BTCUSDT", spot: true, active: true, base: "BTC", quote: "USDT" });
    expect(btc.precision).toMatchObject({ amount: 0.00001, price: 0.01 });
    expect(btc.limits.cost?.min).toBe(5);
    const res = await fetch(`${sim.restUrl}/api/v3/exchangeInfo`);
    expect(res.headers.get("x-simulated")).toBe("true");
    expect((await res.json()).simulated).toBe(true);
  });

  it("fetchOHLCV returns contiguous closed candles with the forming one last", async () => {
    const candles = await ex.fetchOHLCV("BTC/USDT", "1m", undefined, 30);
    expect(candles).toHaveLength(30);
    candles.forEach((c, i) => i > 0 && expect(c[0]).toBe(candles[i - 1][0]! + 60_000));
    expect(candles[29][0]).toBe(START);
    expect(candles[29][4]).toBe(sim.lastPrice("BTC/USDT"));
    const hours = await ex.fetchOHLCV("BTC/USDT", "1h", START - 6 * 3_600_000, 3);
    expect(hours.map((c) => c[0])).toEqual([0, 1, 2].map((i) => START - (6 - i) * 3_600_000));
    // 1w and 1s are served (issue 14; 1s: klines-1s.test.ts); an interval Binance does not have is refused.
    const err = await rejection(ex.publicGetKlines({ symbol: "BTCUSDT", interval: "2s" }));
    expect(err).toBeInstanceOf(ccxt.BadRequest);
  });

  it("order book, trades and ticker agree with the last price", async () => {
    const last = sim.lastPrice("BTC/USDT");
    const book = await ex.fetchOrderBook("BTC/USDT", 20);
    expect(book.bids).toHaveLength(20);
    expect(book.bids[0][0]!).toBeLessThanOrEqual(last);
    expect(book.asks[0][0]!).toBeGreaterThan(last);
    expect(book.nonce).toBeGreaterThan(0);
    const trades = await ex.fetchTrades("BTC/USDT", undefined, 10);
    expect(trades).toHaveLength(10);
    expect(trades[9].price).toBe(last);
    expect(trades[9].timestamp).toBeLessThanOrEqual(START);
    const ticker = await ex.fetchTicker("BTC/USDT");
    expect(ticker).toMatchObject({ symbol: "BTC/USDT", last, bid: book.bids[0][0], ask: book.asks[0][0] });
    expect(ticker.baseVolume).toBeGreaterThan(0);
  });
});

describe("trading through ccxt", () => {
  it("buys at market, rests a limit buy, finds it, cancels it, and lists the fills", async () => {
    const before = await ex.fetchBalance();
    expect([before.USDT.total, before.BTC.total]).toEqual([10_000, 0.05]);
    const bought = await ex.createOrder("BTC/USDT", "market", "buy", 0.01);
    expect(bought).toMatchObject({ status: "closed", filled: 0.01, type: "market", side: "buy" });
    // The default fee mode is Binance's without BNB: a buy pays its commission in the BTC bought.
    expect(bought.fee).toMatchObject({ currency: "BTC" });
    expect(bought.fee!.cost).toBeCloseTo(0.01 * 0.001, 10);

    const limit = await ex.createOrder("BTC/USDT", "limit", "buy", 0.002, Number(belowMarket(5)), { clientOrderId: "tk-limit-1" });
    expect(limit).toMatchObject({ status: "open", filled: 0, clientOrderId: "tk-limit-1" });
    expect((await ex.fetchOrder(limit.id!, "BTC/USDT")).status).toBe("open");
    expect((await ex.fetchOrder("", "BTC/USDT", { clientOrderId: "tk-limit-1" })).id).toBe(limit.id);
    expect((await ex.fetchOpenOrders("BTC/USDT")).map((o) => o.id)).toEqual([limit.id]);
    const balance = await ex.fetchBalance();
    expect(balance.USDT.used).toBeGreaterThan(0);
    expect((await ex.cancelOrder(limit.id!, "BTC/USDT")).status).toBe("canceled");
    expect(await ex.fetchOpenOrders("BTC/USDT")).toEqual([]);

    const mine = await ex.fetchMyTrades("BTC/USDT");
    expect(mine.map((t) => t.order)).toEqual(bought.trades.map(() => bought.id));
    const after = await ex.fetchBalance();
    expect(after.USDT.used).toBe(0);
    expect(after.BTC.total).toBeCloseTo(0.06 - 0.00001, 8);
    expect(after.USDT.total).toBeCloseTo(10_000 - bought.cost!, 6);
    const all = await ex.fetchOrders("BTC/USDT");
    expect(all.map((o) => o.status)).toEqual(["closed", "canceled"]);
  });

  it("a resting limit fills when the simulated market trades through it", async () => {
    const order = await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, Number(belowMarket(0.05)));
    let status = order.status;
    for (let minute = 0; minute < 24 * 60 && status !== "closed"; minute += 10) {
      sim.advance(10 * 60_000);
      status = (await ex.fetchOrder(order.id!, "BTC/USDT")).status;
    }
    const filled = await ex.fetchOrder(order.id!, "BTC/USDT");
    expect(filled).toMatchObject({ status: "closed", filled: 0.001, price: order.price });
    const trades = await ex.fetchMyTrades("BTC/USDT", undefined, undefined, { orderId: order.id });
    expect(trades[0]).toMatchObject({ takerOrMaker: "maker", price: order.price });
  });

  it("a market order larger than the book is partially filled and expires", async () => {
    const thin = await startSimulator({ historyDays: 0, startTime: START, manualClock: true, symbols: ["ETH/USDT"], orderBook: { levels: 4, levelQuote: 100 } });
    const client = await createExchange({ id: "simulator" }, { simulator: thin });
    try {
      const order = await client.createOrder("ETH/USDT", "market", "sell", 0.5);
      expect(order.status).toBe("expired");
      expect(order.filled).toBeGreaterThan(0);
      expect(order.filled).toBeLessThan(0.5);
      expect(order.trades.length).toBe(4);
    } finally {
      await client.close();
      await thin.close();
    }
  });
});

describe("venue errors raise ccxt's own exception classes", () => {
  it("insufficient balance → InsufficientFunds", async () => {
    expect(await rejection(ex.createOrder("BTC/USDT", "market", "buy", 1))).toBeInstanceOf(ccxt.InsufficientFunds);
  });

  it("wrong secret or unknown key → AuthenticationError", async () => {
    const wrongSecret = await createExchange({ id: "simulator", apiKey: sim.defaultAccount.apiKey, secret: "not-the-secret" }, { simulator: sim });
    const unknownKey = await createExchange({ id: "simulator", apiKey: "someone-else", secret: "x" }, { simulator: sim });
    try {
      const bad = await rejection(wrongSecret.fetchBalance());
      expect(bad).toBeInstanceOf(ccxt.AuthenticationError);
      expect(bad.message).toContain("-1022");
      const unknown = await rejection(unknownKey.fetchBalance());
      expect(unknown).toBeInstanceOf(ccxt.AuthenticationError);
      expect(unknown.message).toContain("-2015");
    } finally {
      await wrongSecret.close();
      await unknownKey.close();
    }
  });

  it("a skewed clock → InvalidNonce, and it recovers when the skew is removed", async () => {
    sim.faults.set({ clockSkewMs: 30_000 });
    const err = await rejection(ex.fetchBalance());
    expect(err).toBeInstanceOf(ccxt.InvalidNonce);
    expect(err.message).toContain("recvWindow");
    sim.faults.set({ clockSkewMs: 0 });
    expect((await ex.fetchBalance()).USDT.total).toBeGreaterThan(0);
  });

  it("filter failures → InvalidOrder (LOT_SIZE, PRICE_FILTER); NOTIONAL → BadRequest as ccxt maps -1013", async () => {
    const lot = await rejection(ex.createOrder("BTC/USDT", "limit", "buy", 9_001, Number(belowMarket(50))));
    expect(lot).toBeInstanceOf(ccxt.InvalidOrder);
    expect(lot.message).toContain("LOT_SIZE");
    const price = await rejection(ex.createOrder("BTC/USDT", "limit", "sell", 0.001, sim.lastPrice("BTC/USDT") * 2000));
    expect(price).toBeInstanceOf(ccxt.InvalidOrder);
    const notional = await rejection(ex.createOrder("BTC/USDT", "limit", "buy", 0.00002, Number(belowMarket(1))));
    expect(notional).toBeInstanceOf(ccxt.BadRequest);
    expect(notional.message).toContain("Filter failure: NOTIONAL");
  });

  it("unknown orders → OrderNotFound", async () => {
    expect(await rejection(ex.fetchOrder("123456789", "BTC/USDT"))).toBeInstanceOf(ccxt.OrderNotFound);
    expect(await rejection(ex.cancelOrder("123456789", "BTC/USDT"))).toBeInstanceOf(ccxt.OrderNotFound);
  });

  it("a 429 burst → DDoSProtection with Retry-After, then service resumes", async () => {
    sim.faults.set({ rateLimit: { count: 2, retryAfterSec: 7 } });
    const raw = await fetch(`${sim.restUrl}/api/v3/ping`);
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
    expect(await rejection(ex.fetchTicker("BTC/USDT"))).toBeInstanceOf(ccxt.DDoSProtection);
    expect((await ex.fetchTicker("BTC/USDT")).last).toBe(sim.lastPrice("BTC/USDT"));
  });

  it("5xx → ExchangeNotAvailable (500/502/503) or RequestTimeout (504), both NetworkErrors", async () => {
    sim.faults.set({ serverErrors: { count: 1, status: 503 } });
    const unavailable = await rejection(ex.fetchTicker("BTC/USDT"));
    expect(unavailable).toBeInstanceOf(ccxt.ExchangeNotAvailable);
    sim.faults.set({ serverErrors: { count: 1, status: 504 } });
    const timeout = await rejection(ex.fetchTicker("BTC/USDT"));
    expect(timeout).toBeInstanceOf(ccxt.RequestTimeout);
    expect(timeout).toBeInstanceOf(ccxt.NetworkError);
  });

  it("a 5xx on an order can hide an executed order (status unknown): the client finds it by its id", async () => {
    sim.faults.set({ serverErrors: { count: 1, status: 502, executeOrders: true } });
    const err = await rejection(ex.createOrder("BTC/USDT", "limit", "buy", 0.001, Number(belowMarket(8)), { clientOrderId: "tk-unknown-1" }));
    expect(err).toBeInstanceOf(ccxt.ExchangeNotAvailable);
    const found = await ex.fetchOrder("", "BTC/USDT", { clientOrderId: "tk-unknown-1" });
    expect(found.status).toBe("open");
    await ex.cancelOrder(found.id!, "BTC/USDT");
  });

  it("injected order rejections → InvalidOrder; latency delays responses", async () => {
    sim.faults.set({ rejectOrders: 1 });
    const rejected = await rejection(ex.createOrder("BTC/USDT", "market", "buy", 0.001));
    expect(rejected).toBeInstanceOf(ccxt.InvalidOrder);
    sim.faults.set({ latencyMs: 150 });
    const t0 = performance.now();
    await ex.fetchTime();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    sim.faults.reset();
  });
});

describe("malformed requests get Binance-shaped errors", () => {
  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${sim.restUrl}${path}`, init);
    return { status: res.status, body: await res.json() };
  };

  it("answers bad symbols, intervals, limits and parameters with {code,msg}", async () => {
    expect(await get("/api/v3/klines?symbol=NOPE&interval=1m")).toEqual({ status: 400, body: { code: -1121, msg: "Invalid symbol." } });
    expect((await get("/api/v3/klines?symbol=BTCUSDT&interval=7m")).body.code).toBe(-1120);
    expect((await get("/api/v3/klines?symbol=BTCUSDT")).body.code).toBe(-1102);
    expect((await get("/api/v3/depth?symbol=BTCUSDT&limit=abc")).body.code).toBe(-1100);
    expect((await get("/api/v3/depth?symbol=BTCUSDT&limit=0")).body.code).toBe(-1130);
    expect((await get("/api/v3/ticker/24hr?symbols=not-json")).body.code).toBe(-1130);
    expect((await get("/api/v3/nothing-here")).body.code).toBe(-1020);
  });

  it("rejects unsigned, unkeyed and garbage private requests", async () => {
    expect((await get("/api/v3/account")).body.code).toBe(-2014);
    const headers = { "X-MBX-APIKEY": sim.defaultAccount.apiKey };
    expect((await get("/api/v3/account?timestamp=1", { headers })).body.code).toBe(-1102);
    expect((await get("/api/v3/account?timestamp=1&signature=zz", { headers })).body.code).toBe(-1022);
    const garbage = await get("/api/v3/order", { method: "POST", headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" }, body: "%%%&&&=\u0000" });
    expect(garbage.status).toBe(400);
    expect(typeof garbage.body.code).toBe("number");
    // The venue is still fine afterwards.
    expect((await get("/api/v3/ping")).body).toEqual({});
  });

  it("the admin API validates fault patches and refuses advance() without a manual clock", async () => {
    const bad = await fetch(`${sim.restUrl}/admin/faults`, { method: "POST", body: JSON.stringify({ fillRatio: 3, bogus: 1 }) });
    expect(bad.status).toBe(400);
    const set = await fetch(`${sim.restUrl}/admin/faults`, { method: "POST", body: JSON.stringify({ latencyMs: 5, rejectOrders: { count: 2, msg: "maintenance" } }) });
    expect((await set.json()).rejectOrders).toEqual({ remaining: 2, code: -2010, msg: "maintenance" });
    expect((await (await fetch(`${sim.restUrl}/admin/faults`)).json()).latencyMs).toBe(5);
    await fetch(`${sim.restUrl}/admin/faults/reset`, { method: "POST" });
    expect(sim.faults.get().rejectOrders.remaining).toBe(0);
    const before = sim.now();
    const advanced = await fetch(`${sim.restUrl}/admin/advance`, { method: "POST", body: JSON.stringify({ ms: 60_000 }) });
    expect((await advanced.json()).now).toBe(before + 60_000);
    const state = await (await fetch(`${sim.restUrl}/admin/state`)).json();
    expect(state).toMatchObject({ simulated: true, manualClock: true, now: before + 60_000 });
    expect(state.accounts[0].apiKey).toBe(sim.defaultAccount.apiKey);
    expect(JSON.stringify(state)).not.toContain(sim.defaultAccount.secret);

    const running = await startSimulator({ historyDays: 0, symbols: ["BTC/USDT"] });
    try {
      const refused = await fetch(`${running.restUrl}/admin/advance`, { method: "POST", body: JSON.stringify({ ms: 1000 }) });
      expect(refused.status).toBe(409);
    } finally {
      await running.close();
    }
  });
});

describe("determinism over the wire", () => {
  it("two simulators with the same seed and start serve the same candles", async () => {
    const a = await startSimulator({ seed: 99, historyDays: 1, startTime: START, manualClock: true, symbols: ["DOGE/USDT"] });
    const b = await startSimulator({ seed: 99, historyDays: 1, startTime: START, manualClock: true, symbols: ["DOGE/USDT"] });
    try {
      const url = "/api/v3/klines?symbol=DOGEUSDT&interval=5m&limit=300";
      const [ka, kb] = await Promise.all([fetch(a.restUrl + url).then((r) => r.json()), fetch(b.restUrl + url).then((r) => r.json())]);
      expect(ka).toHaveLength(300);
      expect(ka).toEqual(kb);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
