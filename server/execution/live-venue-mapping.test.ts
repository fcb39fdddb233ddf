import { InsufficientFunds, NetworkError, NotSupported, OrderNotFound, RateLimitExceeded, RequestTimeout, type Exchange, type Order as CcxtOrder, type Trade } from "ccxt";
import { describe, expect, it } from "vitest";
import { request } from "./__tests__/fake-venue";
import { isVenueError } from "./errors";
import { LiveVenue } from "./live-venue";
import type { VenueOrderUpdate } from "./types";

interface CreateCall {
  symbol: string;
  type: string;
  side: string;
  amount: number;
  price: number | undefined;
  params: Record<string, unknown>;
}

/**
 * A ccxt-shaped exchange scripted per test: it keeps orders by client id like Binance does, rounds
 * like a market with step 0.001 / tick 0.01, and throws real ccxt error classes when told to.
 */
class ScriptedExchange {
  id = "scripted";
  has: Record<string, boolean> = { watchOrders: false, fetchOrderTrades: true, createStopLimitOrder: true };
  options = { recvWindow: 5_000 };
  isSandboxModeEnabled = false;
  markets: Record<string, unknown> = {};
  orders = new Map<string, CcxtOrder>();
  trades = new Map<string, Trade[]>();
  createCalls: CreateCall[] = [];
  fetchCalls = 0;
  /** Scripted failures of createOrder, consumed in order: "accept-then-timeout" stores the order first. */
  createFailures: (Error | "accept-then-timeout")[] = [];
  fetchFailures: Error[] = [];
  fillOnCreate: { price: number; fee: { cost: number; currency: string } } | undefined;
  private seq = 0;

  async loadMarkets() {
    this.markets = {
      "BTC/USDT": { symbol: "BTC/USDT", spot: true, contract: false, taker: 0.001, maker: 0.001, limits: { amount: { min: 0.001, max: 1000 }, cost: { min: 5 } } },
    };
    return this.markets;
  }
  market(symbol: string) {
    const m = this.markets[symbol];
    if (!m) throw new Error(`no market ${symbol}`);
    return m;
  }
  amountToPrecision(_symbol: string, amount: number) {
    return (Math.floor(amount * 1000 + 1e-9) / 1000).toString();
  }
  priceToPrecision(_symbol: string, price: number) {
    return (Math.round(price * 100) / 100).toString();
  }
  async createOrder(symbol: string, type: string, side: string, amount: number, price: number | undefined, params: Record<string, unknown>) {
    this.createCalls.push({ symbol, type, side, amount, price, params });
    const failure = this.createFailures.shift();
    if (failure instanceof Error) throw failure;
    const clientOrderId = String(params.clientOrderId);
    const order = this.newOrder(clientOrderId, symbol, type, side, amount, price);
    if (this.fillOnCreate) {
      const trade = this.trade(order, amount, this.fillOnCreate.price, this.fillOnCreate.fee);
      Object.assign(order, { status: "closed", filled: amount, average: trade.price, trades: [trade] });
    }
    this.orders.set(clientOrderId, order);
    if (failure === "accept-then-timeout") throw new RequestTimeout("scripted timeout after accepting");
    return structuredClone(order);
  }
  async fetchOrderWithClientOrderId(clientOrderId: string) {
    this.fetchCalls += 1;
    const failure = this.fetchFailures.shift();
    if (failure) throw failure;
    const order = this.orders.get(clientOrderId);
    if (!order) throw new OrderNotFound(`scripted: Order does not exist (${clientOrderId})`);
    return structuredClone({ ...order, trades: [] });
  }
  async cancelOrderWithClientOrderId(clientOrderId: string) {
    const order = this.orders.get(clientOrderId);
    if (!order || order.status !== "open") throw new OrderNotFound("scripted: Unknown order sent.");
    order.status = "canceled";
    return structuredClone(order);
  }
  async fetchOrderTrades(id: string) {
    return structuredClone(this.trades.get(id) ?? []);
  }
  async fetchMyTrades(symbol: string, since?: number) {
    return [...this.trades.values()].flat().filter((t) => t.symbol === symbol && (since === undefined || t.timestamp! >= since));
  }
  async fetchOpenOrders() {
    return [...this.orders.values()].filter((o) => o.status === "open");
  }
  async fetchBalance() {
    return { info: {}, free: {}, used: {}, total: {}, USDT: { free: 900, used: 100, total: 1000 }, BTC: { free: 0, used: 0, total: 0 } };
  }
  newOrder(clientOrderId: string, symbol: string, type: string, side: string, amount: number, price: number | undefined): CcxtOrder {
    return {
      id: String(++this.seq),
      clientOrderId,
      symbol,
      type,
      side,
      amount,
      price: price as number,
      status: "open",
      filled: 0,
      remaining: amount,
      timestamp: 1_000,
      datetime: "",
      lastTradeTimestamp: undefined as unknown as number,
      average: undefined,
      cost: 0,
      trades: [],
      fee: undefined as unknown as CcxtOrder["fee"],
      reduceOnly: false,
      postOnly: false,
      info: {},
    };
  }
  trade(order: CcxtOrder, amount: number, price: number, fee: { cost: number; currency: string }): Trade {
    const orderId = String(order.id);
    const trade = {
      id: `t${orderId}-${(this.trades.get(orderId)?.length ?? 0) + 1}`,
      order: orderId,
      symbol: order.symbol,
      side: order.side,
      amount,
      price,
      cost: amount * price,
      timestamp: 2_000,
      takerOrMaker: "taker",
      fee,
      info: {},
    } as unknown as Trade;
    this.trades.set(orderId, [...(this.trades.get(orderId) ?? []), trade]);
    return trade;
  }
}

function setup(configure: (ex: ScriptedExchange) => void = () => {}) {
  const exchange = new ScriptedExchange();
  configure(exchange);
  const sleeps: number[] = [];
  const venue = new LiveVenue({
    exchange: exchange as unknown as Exchange,
    symbols: ["BTC/USDT"],
    updates: "poll",
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const updates: VenueOrderUpdate[] = [];
  venue.onUpdate((u) => updates.push(u));
  return { exchange, venue, sleeps, updates };
}

describe("live venue (ccxt adapter)", () => {
  it("sends a market buy with the quantity rounded to the market's step and the client id as a param; maps the fill and converts a base-asset fee to quote", async () => {
    const { exchange, venue } = setup((ex) => {
      ex.fillOnCreate = { price: 100, fee: { cost: 0.000123, currency: "BTC" } };
    });
    const update = await venue.submit(request({ clientOrderId: "tk-live-1", side: "buy", type: "market", quantity: 0.12345 }));
    expect(exchange.createCalls).toEqual([{ symbol: "BTC/USDT", type: "market", side: "buy", amount: 0.123, price: undefined, params: { clientOrderId: "tk-live-1" } }]);
    expect(update).toMatchObject({ clientOrderId: "tk-live-1", venueOrderId: "1", status: "filled", filledQuantity: 0.123, quantity: 0.123 });
    expect(update.fills).toEqual([
      expect.objectContaining({ clientOrderId: "tk-live-1", venueTradeId: "t1-1", price: 100, quantity: 0.123, fee: 0.0123, liquidity: "taker" }),
    ]);
    expect(update.fee).toBe(0.0123);
  });

  it("a buy whose commission Binance took out of the BTC bought reports it as baseFee, so the holding is quantity − baseFee", async () => {
    const { venue } = setup((ex) => {
      ex.fillOnCreate = { price: 65_432.1, fee: { cost: 0.000123, currency: "BTC" } };
    });
    const update = await venue.submit(request({ clientOrderId: "tk-live-13", side: "buy", type: "market", quantity: 0.123 }));
    const [fill] = update.fills;
    expect(fill).toMatchObject({ quantity: 0.123, baseFee: 0.000123, fee: 8.0481483 }); // 0.000123 × 65 432.1
    expect(update.fee).toBe(8.0481483);
  });

  it("a fee paid in the quote asset (or BNB) reports no baseFee", async () => {
    const quote = setup((ex) => {
      ex.fillOnCreate = { price: 100, fee: { cost: 0.1, currency: "USDT" } };
    });
    const sold = await quote.venue.submit(request({ clientOrderId: "tk-live-14", side: "sell", type: "market", quantity: 1 }));
    expect(sold.fills[0].fee).toBe(0.1);
    expect(sold.fills[0]).not.toHaveProperty("baseFee");
    const bnb = setup((ex) => {
      ex.fillOnCreate = { price: 100, fee: { cost: 0.0002, currency: "BNB" } };
    });
    const bought = await bnb.venue.submit(request({ clientOrderId: "tk-live-15", side: "buy", type: "market", quantity: 1 }));
    expect(bought.fills[0]).not.toHaveProperty("baseFee");
  });

  it("sends a stop-loss-limit as a limit with the unified stopLossPrice, prices rounded to the tick, GTC by default", async () => {
    const { exchange, venue } = setup();
    const update = await venue.submit(request({ clientOrderId: "tk-live-2", side: "sell", type: "stop_loss_limit", quantity: 1, price: 94.504, stopPrice: 95.001 }));
    expect(exchange.createCalls[0]).toEqual({
      symbol: "BTC/USDT",
      type: "limit",
      side: "sell",
      amount: 1,
      price: 94.5,
      params: { clientOrderId: "tk-live-2", timeInForce: "GTC", stopLossPrice: 95 },
    });
    expect(update).toMatchObject({ status: "submitted", type: "stop_loss_limit" });

    await venue.submit(request({ clientOrderId: "tk-live-3", side: "sell", type: "take_profit_limit", quantity: 1, price: 110, stopPrice: 110.5, timeInForce: "IOC" }));
    expect(exchange.createCalls[1].params).toEqual({ clientOrderId: "tk-live-3", timeInForce: "IOC", takeProfitPrice: 110.5 });
  });

  it("refuses an order below the market's minimum notional before sending anything", async () => {
    const { exchange, venue } = setup();
    await venue.start();
    await expect(venue.submit(request({ clientOrderId: "tk-live-4", type: "limit", quantity: 0.01, price: 100 }))).rejects.toSatisfy(
      (e) => isVenueError(e, "INVALID_ORDER") && /minimum 5/.test((e as Error).message),
    );
    expect(exchange.createCalls).toHaveLength(0);
    await venue.stop();
  });

  it("a timeout after the venue accepted: looks the order up by client id and returns it without re-sending", async () => {
    const { exchange, venue } = setup((ex) => {
      ex.createFailures = ["accept-then-timeout"];
    });
    const update = await venue.submit(request({ clientOrderId: "tk-live-5", type: "limit", quantity: 1, price: 100 }));
    expect(update).toMatchObject({ clientOrderId: "tk-live-5", status: "submitted", venueOrderId: "1" });
    expect(exchange.createCalls).toHaveLength(1);
    expect(exchange.orders.size).toBe(1);
  });

  it("a timeout that lost the request: re-sends with the same client id only after the venue said twice, a receive window apart, that it has no such order", async () => {
    const { exchange, venue, sleeps } = setup((ex) => {
      ex.createFailures = [new RequestTimeout("scripted: request timed out")];
    });
    const update = await venue.submit(request({ clientOrderId: "tk-live-6", type: "limit", quantity: 1, price: 100 }));
    expect(update.status).toBe("submitted");
    expect(exchange.createCalls.map((c) => c.params.clientOrderId)).toEqual(["tk-live-6", "tk-live-6"]);
    expect(exchange.fetchCalls).toBe(2);
    expect(sleeps).toContain(6_000); // recvWindow 5 000 + 1 000
    expect(exchange.orders.size).toBe(1);
  });

  it("a rate-limit answer is retried with backoff without a look-up (the venue refused it)", async () => {
    const { exchange, venue, sleeps } = setup((ex) => {
      ex.createFailures = [new RateLimitExceeded("scripted: 429")];
    });
    await venue.submit(request({ clientOrderId: "tk-live-7", type: "limit", quantity: 1, price: 100 }));
    expect(exchange.createCalls).toHaveLength(2);
    expect(exchange.fetchCalls).toBe(0);
    expect(sleeps).toEqual([500]);
  });

  it("insufficient funds is final: one attempt, a clear code", async () => {
    const { exchange, venue } = setup((ex) => {
      ex.createFailures = [new InsufficientFunds("binance Account has insufficient balance for requested action.")];
    });
    await expect(venue.submit(request({ clientOrderId: "tk-live-8", type: "limit", quantity: 1, price: 100 }))).rejects.toSatisfy(
      (e) => isVenueError(e, "INSUFFICIENT_FUNDS") && !(e as { retryable: boolean }).retryable,
    );
    expect(exchange.createCalls).toHaveLength(1);
  });

  it("when neither sending nor looking up gets through, the state is reported unknown (never guessed)", async () => {
    const { exchange, venue } = setup((ex) => {
      ex.createFailures = [new NetworkError("scripted: ECONNRESET")];
      ex.fetchFailures = Array.from({ length: 20 }, () => new NetworkError("scripted: ECONNRESET"));
    });
    await expect(venue.submit(request({ clientOrderId: "tk-live-9", type: "limit", quantity: 1, price: 100 }))).rejects.toSatisfy((e) =>
      isVenueError(e, "ORDER_STATE_UNKNOWN"),
    );
    expect(exchange.createCalls).toHaveLength(1);
  });

  it("fetches the order's trades when the filled quantity is ahead of the trades in hand, and polling emits only changes", async () => {
    const { exchange, venue, updates } = setup();
    await venue.submit(request({ clientOrderId: "tk-live-10", type: "limit", quantity: 1, price: 100 }));
    expect(updates).toHaveLength(1); // the submit answer is also pushed to listeners

    expect(await venue.pollOnce()).toBe(1);
    expect(updates).toHaveLength(1); // nothing changed since

    const order = exchange.orders.get("tk-live-10")!;
    exchange.trade(order, 0.4, 100, { cost: 0.04, currency: "USDT" });
    Object.assign(order, { filled: 0.4, average: 100 });
    await venue.pollOnce();
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatchObject({ status: "partially_filled", filledQuantity: 0.4, fee: 0.04 });
    expect(updates[1].fills).toEqual([expect.objectContaining({ venueTradeId: "t1-1", quantity: 0.4, fee: 0.04 })]);
  });

  it("a perpetual whose exchange serves fetchOrderTrades for spot only (ccxt binanceusdm) gets its fills from the account's trades", async () => {
    const { exchange, venue, updates } = setup((ex) => {
      ex.fetchOrderTrades = async () => {
        throw new NotSupported("binanceusdm fetchOrderTrades() supports spot markets only");
      };
    });
    await venue.submit(request({ clientOrderId: "tk-live-16", type: "limit", quantity: 1, price: 100 }));
    const order = exchange.orders.get("tk-live-16")!;
    exchange.trade(order, 1, 100, { cost: 0.05, currency: "USDT" });
    Object.assign(order, { filled: 1, average: 100, status: "closed" });
    await venue.pollOnce();
    expect(updates.at(-1)).toMatchObject({ status: "filled", filledQuantity: 1, fee: 0.05 });
    expect(updates.at(-1)!.fills).toEqual([expect.objectContaining({ venueTradeId: "t1-1", quantity: 1, fee: 0.05 })]);
  });

  it("cancelling an order that already filled reports its final state", async () => {
    const { exchange, venue } = setup();
    await venue.submit(request({ clientOrderId: "tk-live-11", type: "limit", quantity: 1, price: 100 }));
    const order = exchange.orders.get("tk-live-11")!;
    exchange.trade(order, 1, 100, { cost: 0.1, currency: "USDT" });
    Object.assign(order, { status: "closed", filled: 1, average: 100 });
    const result = await venue.cancel("tk-live-11", "BTC/USDT");
    expect(result).toMatchObject({ status: "filled", filledQuantity: 1 });
  });

  it("fetchOrder answers undefined for an order the venue does not have; balances are mapped", async () => {
    const { venue } = setup();
    expect(await venue.fetchOrder("tk-nope", "BTC/USDT")).toBeUndefined();
    expect(await venue.fetchBalances()).toEqual([{ asset: "USDT", free: 900, locked: 100 }]);
  });

  it("fetchFills maps venue trades back to client order ids it has seen", async () => {
    const { exchange, venue } = setup((ex) => {
      ex.fillOnCreate = { price: 100, fee: { cost: 0.1, currency: "USDT" } };
    });
    await venue.submit(request({ clientOrderId: "tk-live-12", quantity: 1 }));
    const stranger = exchange.newOrder("web_1", "BTC/USDT", "market", "sell", 1, undefined);
    exchange.trade(stranger, 1, 101, { cost: 0.101, currency: "USDT" });
    const fills = await venue.fetchFills("BTC/USDT", 0);
    expect(fills.map((f) => [f.venueTradeId, f.clientOrderId])).toEqual([
      ["t1-1", "tk-live-12"],
      [`t${stranger.id}-1`, undefined],
    ]);
  });

  it("reports what it can do from the exchange's capabilities", () => {
    const { venue } = setup();
    expect(venue.kind).toBe("live");
    expect(venue.capabilities).toMatchObject({ exchangeStops: true, reduceOnly: false, shorting: false, pushUpdates: false });
  });
});
