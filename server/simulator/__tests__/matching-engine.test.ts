import { describe, expect, it } from "vitest";
import { BinanceError } from "../binance-errors";
import { SimulatorCore, type SimulatorCoreOptions } from "../core";
import type { ExecutionReport, NewOrderRequest } from "../matching-engine";

const START = Date.UTC(2025, 2, 3, 9, 30, 0);
const RICH = { apiKey: "rich", secret: "s", balances: { USDT: 1_000_000, BTC: 10, ETH: 100 } };

function setup(options: Partial<SimulatorCoreOptions> = {}) {
  const core = new SimulatorCore({ seed: 21, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], accounts: [RICH], ...options });
  const account = core.engine.account(options.accounts?.[0]?.apiKey ?? "rich")!;
  const reports: ExecutionReport[] = [];
  core.addListener({ onExecutionReport: (_a, r) => reports.push(r), onBalanceUpdate: () => {} });
  let n = 0;
  const place = (req: Partial<NewOrderRequest> & Pick<NewOrderRequest, "side" | "type">, clientOrderId = `c${++n}`) =>
    core.engine.placeOrder(account, { symbol: "BTCUSDT", ...req }, clientOrderId);
  const btc = core.market("BTCUSDT")!;
  return { core, account, reports, place, btc };
}

function binanceCode(fn: () => unknown): { code: number; msg: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof BinanceError) return { code: err.code, msg: err.msg };
    throw err;
  }
  throw new Error("expected a Binance error");
}

/** Advance a manual clock in 1-minute steps until `done` holds (at most `maxMinutes`). */
function advanceUntil(core: SimulatorCore, done: () => boolean, maxMinutes = 24 * 60): number {
  for (let minute = 1; minute <= maxMinutes; minute++) {
    core.advance(60_000);
    if (done()) return minute;
  }
  throw new Error("condition never held");
}

describe("market orders", () => {
  it("fees default to the asset received (Binance without BNB): a buy pays in BTC, a sell in USDT", () => {
    const { place, account } = setup();
    const buy = place({ side: "BUY", type: "MARKET", quantity: 0.5 });
    expect(buy.fills.length).toBeGreaterThan(0);
    expect(buy.fills.every((f) => f.commissionAsset === "BTC")).toBe(true);
    const buyCommission = buy.fills.reduce((s, f) => s + f.commission, 0);
    expect(buyCommission).toBeCloseTo(0.5 * 0.001, 10);
    expect(account.balance("BTC").free).toBe(10 + 0.5 - 0.0005);
    expect(account.balance("USDT").free).toBeCloseTo(1_000_000 - buy.cumQuote, 6);
    const sell = place({ side: "SELL", type: "MARKET", quantity: 0.4995 });
    expect(sell.fills.every((f) => f.commissionAsset === "USDT")).toBe(true);
    expect(account.balance("BTC").free).toBe(10);
  });

  it("a big market buy walks the book: several fills, average above the best ask, taker fee in USDT (fee mode quote)", () => {
    // The calibrated touch holds ~0.75 BTC (5 % of BTC's 15 BTC minute): 2 BTC is "big" for the
    // configured 10,000 USDT levels this test was written for.
    const { place, btc, account } = setup({ feeMode: "quote", orderBook: { levelQuote: 10_000 } });
    const bestAsk = btc.book.sides.asks[0].price;
    const order = place({ side: "BUY", type: "MARKET", quantity: 2 });
    expect(order.status).toBe("FILLED");
    expect(order.executedQty).toBe(2);
    expect(order.fills.length).toBeGreaterThan(3);
    const average = order.cumQuote / order.executedQty;
    expect(average).toBeGreaterThan(bestAsk);
    expect(order.fills[0].price).toBe(bestAsk);
    const commission = order.fills.reduce((s, f) => s + f.commission, 0);
    expect(commission).toBeCloseTo(order.cumQuote * 0.001, 6);
    expect(order.fills.every((f) => f.commissionAsset === "USDT" && !f.isMaker)).toBe(true);
    expect(account.balance("BTC").free).toBe(12);
    expect(account.balance("USDT").free).toBeCloseTo(1_000_000 - order.cumQuote - commission, 6);
    // The liquidity taken is gone from the published book.
    expect(btc.book.sides.asks[0].price).toBeGreaterThan(bestAsk);
  });

  it("a market order larger than a thin book fills partially and expires", () => {
    const { place, account, reports } = setup({ orderBook: { levels: 3, levelQuote: 1_000 } });
    const order = place({ side: "BUY", type: "MARKET", quantity: 1 });
    expect(order.status).toBe("EXPIRED");
    expect(order.executedQty).toBeGreaterThan(0);
    expect(order.executedQty).toBeLessThan(1);
    const commission = order.fills.reduce((s, f) => s + f.commission, 0);
    expect(account.balance("BTC").free).toBeCloseTo(10 + order.executedQty - commission, 8);
    expect(reports.map((r) => r.executionType)).toEqual(["NEW", "TRADE", "TRADE", "TRADE", "EXPIRED"]);
  });

  it("a quote-sized market buy spends the amount, never more", () => {
    const { place, btc } = setup();
    const order = place({ side: "BUY", type: "MARKET", quoteOrderQty: 250 });
    expect(order.status).toBe("FILLED");
    expect(order.cumQuote).toBeLessThanOrEqual(250);
    expect(order.cumQuote).toBeGreaterThan(250 - btc.book.sides.asks[0].price * 0.00001 * 2);
    expect(order.origQty).toBe(order.executedQty);
  });

  it("rejects a buy the account cannot pay for, leaving balances untouched", () => {
    const poor = { apiKey: "poor", secret: "s", balances: { USDT: 100 } };
    const { place, account } = setup({ accounts: [poor] });
    expect(binanceCode(() => place({ side: "BUY", type: "MARKET", quantity: 0.01 }))).toEqual({
      code: -2010,
      msg: "Account has insufficient balance for requested action.",
    });
    expect(binanceCode(() => place({ side: "SELL", type: "MARKET", quantity: 0.01 })).code).toBe(-2010);
    expect(account.balance("USDT")).toEqual({ free: 100, locked: 0 });
    expect(account.orders.size).toBe(0);
  });

  it("with fees in the received asset, a buy is credited the base amount minus commission", () => {
    const { place, account } = setup({ feeMode: "received" });
    const order = place({ side: "BUY", type: "MARKET", quantity: 0.1 });
    expect(order.fills.every((f) => f.commissionAsset === "BTC")).toBe(true);
    expect(account.balance("BTC").free).toBeCloseTo(10 + 0.1 * 0.999, 8);
    expect(account.balance("USDT").free).toBeCloseTo(1_000_000 - order.cumQuote, 6);
  });
});

describe("limit orders", () => {
  it("a resting buy locks its funds, fills as maker at its price once the market trades below it, then unlocks (fee mode quote)", () => {
    const { core, place, btc, account } = setup({ feeMode: "quote" });
    const limit = Math.round(btc.lastPrice * 0.999 * 100) / 100;
    const order = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.5, price: limit });
    expect(order.status).toBe("NEW");
    expect(account.balance("USDT").locked).toBeCloseTo(limit * 0.5 * 1.001, 6);
    advanceUntil(core, () => order.status === "FILLED");
    expect(order.fills.every((f) => f.isMaker && f.price === limit)).toBe(true);
    expect(order.fills.reduce((s, f) => s + f.commission, 0)).toBeCloseTo(limit * 0.5 * 0.001, 6);
    expect(account.balance("USDT").locked).toBe(0);
    expect(account.balance("USDT").free).toBeCloseTo(1_000_000 - limit * 0.5 * 1.001, 6);
    expect(account.balance("BTC").free).toBe(10.5);
  });

  it("with fees in the received asset a resting buy locks only its notional and is credited the BTC minus commission", () => {
    const { core, place, btc, account } = setup();
    const limit = Math.round(btc.lastPrice * 0.999 * 100) / 100;
    const order = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.5, price: limit });
    expect(account.balance("USDT").locked).toBeCloseTo(limit * 0.5, 6);
    advanceUntil(core, () => order.status === "FILLED");
    expect(order.fills.every((f) => f.isMaker && f.commissionAsset === "BTC")).toBe(true);
    expect(account.balance("USDT").locked).toBe(0);
    expect(account.balance("USDT").free).toBeCloseTo(1_000_000 - limit * 0.5, 6);
    expect(account.balance("BTC").free).toBe(10.4995);
  });

  it("a large resting order fills in parts across sub-steps (limited by traded volume)", () => {
    const { core, place, btc } = setup({ restingFillParticipation: 0.05 });
    const limit = Math.round(btc.lastPrice * 0.998 * 100) / 100;
    const order = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 3, price: limit });
    advanceUntil(core, () => order.executedQty > 0);
    advanceUntil(core, () => order.status === "FILLED");
    expect(order.fills.length).toBeGreaterThan(1);
  });

  it("a crossing limit takes what crosses; IOC expires the rest, FOK expires untouched", () => {
    const { place, btc, account } = setup({ feeMode: "quote", orderBook: { levels: 3, levelQuote: 1_000 } });
    const far = Math.round(btc.lastPrice * 1.05 * 100) / 100;
    const fok = place({ side: "BUY", type: "LIMIT", timeInForce: "FOK", quantity: 1, price: far });
    expect(fok).toMatchObject({ status: "EXPIRED", executedQty: 0 });
    expect(account.balance("USDT")).toEqual({ free: 1_000_000, locked: 0 });
    const ioc = place({ side: "BUY", type: "LIMIT", timeInForce: "IOC", quantity: 1, price: far });
    expect(ioc.status).toBe("EXPIRED");
    expect(ioc.executedQty).toBeGreaterThan(0);
    expect(ioc.executedQty).toBeLessThan(1);
    expect(account.balance("USDT").locked).toBe(0);
    // The IOC took the thin book's liquidity: a GTC now finds nothing to take and rests.
    const gtc = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.01, price: far });
    expect(gtc).toMatchObject({ status: "NEW", executedQty: 0 });
    expect(account.balance("USDT").locked).toBeCloseTo(far * 0.01 * 1.001, 6);
  });

  it("LIMIT_MAKER is refused when it would take, and rests when it would not", () => {
    const { place, btc } = setup();
    const ask = btc.book.sides.asks[0].price;
    expect(binanceCode(() => place({ side: "BUY", type: "LIMIT_MAKER", quantity: 0.01, price: ask })).msg).toBe("Order would immediately match and take.");
    expect(place({ side: "BUY", type: "LIMIT_MAKER", quantity: 0.01, price: btc.book.sides.bids[0].price }).status).toBe("NEW");
  });

  it("a client order id is unique among open orders only, as on Binance", () => {
    const { core, place, btc, account } = setup({ feeMode: "quote" });
    const price = Math.round(btc.lastPrice * 0.9 * 100) / 100;
    const first = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.01, price }, "tk-1");
    expect(binanceCode(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.01, price }, "tk-1")).msg).toBe("Duplicate order sent.");
    core.engine.cancelOrder(account, "BTCUSDT", { origClientOrderId: "tk-1" }, "cancel-1");
    expect(first.status).toBe("CANCELED");
    const second = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.01, price }, "tk-1");
    expect(core.engine.queryOrder(account, "BTCUSDT", { origClientOrderId: "tk-1" }).orderId).toBe(second.orderId);
    expect(binanceCode(() => core.engine.cancelOrder(account, "BTCUSDT", { orderId: first.orderId }, "x")).code).toBe(-2011);
    expect(binanceCode(() => core.engine.queryOrder(account, "BTCUSDT", { orderId: 987654 })).code).toBe(-2013);
    expect(account.balance("USDT").locked).toBeCloseTo(price * 0.01 * 1.001, 6);
  });

  it("enforces PRICE_FILTER, LOT_SIZE and NOTIONAL like Binance", () => {
    const { place, btc } = setup();
    const price = Math.round(btc.lastPrice * 0.9 * 100) / 100;
    expect(binanceCode(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.01, price: price + 0.001 })).msg).toBe("Filter failure: PRICE_FILTER");
    expect(binanceCode(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.000015, price })).msg).toBe("Filter failure: LOT_SIZE");
    expect(binanceCode(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 9_001, price })).msg).toBe("Filter failure: LOT_SIZE");
    expect(binanceCode(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.00005, price })).msg).toBe("Filter failure: NOTIONAL");
    expect(binanceCode(() => place({ side: "BUY", type: "LIMIT", quantity: 0.01, price })).code).toBe(-1102);
    expect(binanceCode(() => place({ side: "BUY", type: "MARKET", quantity: 0.01, price })).code).toBe(-1106);
    expect(binanceCode(() => place({ side: "BUY", type: "STOP_LOSS", quantity: 0.01 })).code).toBe(-1014);
  });
});

describe("stop orders", () => {
  it("stop-loss sell waits for the last price to fall to its stop, then sells as a limit", () => {
    const { core, place, btc, account } = setup();
    const last = btc.lastPrice;
    const stop = Math.round(last * 0.998 * 100) / 100;
    const limit = Math.round(last * 0.99 * 100) / 100;
    expect(binanceCode(() => place({ side: "SELL", type: "STOP_LOSS_LIMIT", timeInForce: "GTC", quantity: 0.2, price: limit, stopPrice: Math.round(last * 1.01 * 100) / 100 })).msg).toBe(
      "Stop price would trigger immediately.",
    );
    const order = place({ side: "SELL", type: "STOP_LOSS_LIMIT", timeInForce: "GTC", quantity: 0.2, price: limit, stopPrice: stop });
    expect(order).toMatchObject({ status: "NEW", isWorking: false });
    expect(account.balance("BTC")).toEqual({ free: 9.8, locked: 0.2 });
    advanceUntil(core, () => order.isWorking);
    const minute = btc.klines({ interval: "1m", startTime: order.workingTime - (order.workingTime % 60_000), limit: 1 })[0];
    expect(minute.low).toBeLessThanOrEqual(stop);
    advanceUntil(core, () => order.status === "FILLED", 60);
    expect(order.fills.every((f) => f.price >= limit)).toBe(true);
    expect(account.balance("BTC")).toEqual({ free: 9.8, locked: 0 });
  });

  it("take-profit sell triggers when the price rises to its stop", () => {
    const { core, place, btc } = setup();
    const last = btc.lastPrice;
    const order = place({
      side: "SELL",
      type: "TAKE_PROFIT_LIMIT",
      timeInForce: "GTC",
      quantity: 0.2,
      price: Math.round(last * 1.0005 * 100) / 100,
      stopPrice: Math.round(last * 1.001 * 100) / 100,
    });
    advanceUntil(core, () => order.isWorking);
    const minute = btc.klines({ interval: "1m", startTime: order.workingTime - (order.workingTime % 60_000), limit: 1 })[0];
    expect(minute.high).toBeGreaterThanOrEqual(order.stopPrice);
  });
});

describe("injected faults", () => {
  it("a fill-ratio cap leaves a market order partially filled and a limit order partly open", () => {
    const { core, place, btc } = setup();
    core.faults.set({ fillRatio: 0.5 });
    const market = place({ side: "BUY", type: "MARKET", quantity: 0.1 });
    expect(market).toMatchObject({ status: "EXPIRED", executedQty: 0.05 });
    const limit = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: 0.1, price: Math.round(btc.lastPrice * 1.01 * 100) / 100 });
    expect(limit).toMatchObject({ status: "PARTIALLY_FILLED", executedQty: 0.05 });
  });

  it("rejects the next N orders with the injected error", () => {
    const { core, place } = setup();
    core.faults.set({ rejectOrders: 2 });
    expect(binanceCode(() => place({ side: "BUY", type: "MARKET", quantity: 0.01 })).code).toBe(-2010);
    expect(binanceCode(() => place({ side: "BUY", type: "MARKET", quantity: 0.01 })).code).toBe(-2010);
    expect(place({ side: "BUY", type: "MARKET", quantity: 0.01 }).status).toBe("FILLED");
  });
});

describe("bookkeeping", () => {
  it("after hundreds of random orders, fills and cancels, no balance is negative and every lock is accounted for", () => {
    const { core, account, btc } = setup({ accounts: [{ apiKey: "rich", secret: "s", balances: { USDT: 50_000, BTC: 1, ETH: 10 } }] });
    const eth = core.market("ETHUSDT")!;
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const types = ["MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"] as const;
    let placed = 0;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const market = rnd() < 0.5 ? btc : eth;
      const side = rnd() < 0.5 ? "BUY" : "SELL";
      const type = types[Math.floor(rnd() * types.length)];
      const last = market.lastPrice;
      const price = Math.round(last * (0.99 + rnd() * 0.02) * 100) / 100;
      const quantity = market === btc ? Math.max(0.0002, Math.round(rnd() * 0.05 * 1e5) / 1e5) : Math.max(0.002, Math.round(rnd() * 0.5 * 1e4) / 1e4);
      const stopUp = Math.round(last * 1.002 * 100) / 100;
      const stopDown = Math.round(last * 0.998 * 100) / 100;
      const request: NewOrderRequest = { symbol: market.spec.id, side, type, quantity };
      if (type !== "MARKET") request.price = price;
      if (type === "LIMIT" || type === "STOP_LOSS_LIMIT" || type === "TAKE_PROFIT_LIMIT") request.timeInForce = (["GTC", "IOC", "FOK"] as const)[Math.floor(rnd() * 3)];
      if (type === "STOP_LOSS_LIMIT") request.stopPrice = side === "SELL" ? stopDown : stopUp;
      if (type === "TAKE_PROFIT_LIMIT") request.stopPrice = side === "SELL" ? stopUp : stopDown;
      try {
        core.engine.placeOrder(account, request, `r${i}`);
        placed += 1;
      } catch (err) {
        if (!(err instanceof BinanceError)) throw err;
        refused += 1;
      }
      if (rnd() < 0.2) {
        const open = account.openOrders();
        if (open.length) core.engine.cancelOrder(account, open[0].symbol, { orderId: open[0].orderId }, `x${i}`);
      }
      if (rnd() < 0.3) core.advance(Math.floor(rnd() * 120_000));
      for (const [asset, b] of account.balances) {
        if (b.free < 0 || b.locked < 0) throw new Error(`${asset} went negative at step ${i}: ${JSON.stringify(b)}`);
      }
    }
    expect(placed).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(0);
    const lockedByAsset = new Map<string, number>();
    for (const lock of account.locks.values()) lockedByAsset.set(lock.asset, (lockedByAsset.get(lock.asset) ?? 0) + lock.amount);
    for (const [asset, b] of account.balances) expect(b.locked).toBeCloseTo(lockedByAsset.get(asset) ?? 0, 8);
    for (const order of account.openOrders()) core.engine.cancelOrder(account, order.symbol, { orderId: order.orderId }, `end-${order.orderId}`);
    for (const b of account.balances.values()) expect(b.locked).toBe(0);
    // Value is conserved up to fees: every fill moved base and quote at its price.
    const fees = account.fills.reduce((s, f) => s + (f.commissionAsset === "USDT" ? f.commission : 0), 0);
    const spent = account.fills.reduce((s, f) => s + (f.side === "BUY" ? -f.quoteQty : f.quoteQty), 0);
    expect(account.balance("USDT").free).toBeCloseTo(50_000 + spent - fees, 6);
  });
});
