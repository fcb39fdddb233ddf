import { describe, expect, it } from "vitest";
import { BinanceError } from "../binance-errors";
import { SimulatorCore, type SimulatorCoreOptions } from "../core";
import { symbolInfo } from "../formats";
import type { NewOrderRequest } from "../matching-engine";

/**
 * Issue 14: the simulator refuses what Binance refuses, with Binance's code and message, and
 * publishes Binance's filter set with the values Binance publishes for the pair.
 */

const START = Date.UTC(2025, 2, 3, 9, 30, 0);
const RICH = { apiKey: "rich", secret: "s", balances: { USDT: 100_000_000, BTC: 1_000, ETH: 100 } };

function setup(options: Partial<SimulatorCoreOptions> = {}) {
  const core = new SimulatorCore({ seed: 3, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], accounts: [RICH], ...options });
  const account = core.engine.account("rich")!;
  let n = 0;
  const place = (req: Partial<NewOrderRequest> & Pick<NewOrderRequest, "side" | "type">, symbol = "BTCUSDT") =>
    core.engine.placeOrder(account, { symbol, ...req }, `c${++n}`);
  const btc = core.market("BTCUSDT")!;
  // Five minutes of trading, so the 5-minute average price is made of trades.
  core.advance(5 * 60_000);
  return { core, account, place, btc };
}

function refusal(fn: () => unknown): { code: number; msg: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof BinanceError) return { code: err.code, msg: err.msg };
    throw err;
  }
  throw new Error("expected a Binance error, the order was accepted");
}

const tick = (price: number) => Math.round(price * 100) / 100;

describe("exchangeInfo publishes Binance's filter set", () => {
  it("BTCUSDT carries every spot filter Binance lists, with Binance's values", () => {
    const { btc } = setup();
    const info = symbolInfo(btc.spec);
    expect(info.filters.map((f) => f.filterType)).toEqual([
      "PRICE_FILTER",
      "LOT_SIZE",
      "ICEBERG_PARTS",
      "MARKET_LOT_SIZE",
      "TRAILING_DELTA",
      "PERCENT_PRICE_BY_SIDE",
      "NOTIONAL",
      "MAX_NUM_ORDERS",
      "MAX_NUM_ALGO_ORDERS",
      "MAX_NUM_ICEBERG_ORDERS",
    ]);
    const byType = Object.fromEntries(info.filters.map((f) => [f.filterType, f]));
    expect(byType.PRICE_FILTER).toEqual({ filterType: "PRICE_FILTER", minPrice: "0.01000000", maxPrice: "1000000.00000000", tickSize: "0.01000000" });
    expect(byType.LOT_SIZE).toEqual({ filterType: "LOT_SIZE", minQty: "0.00001000", maxQty: "9000.00000000", stepSize: "0.00001000" });
    expect(byType.PERCENT_PRICE_BY_SIDE).toMatchObject({ bidMultiplierUp: "5", bidMultiplierDown: "0.2", askMultiplierUp: "5", askMultiplierDown: "0.2", avgPriceMins: 5 });
    expect(byType.NOTIONAL).toMatchObject({ minNotional: "5.00000000", applyMinToMarket: true, avgPriceMins: 5 });
    expect(byType.MAX_NUM_ALGO_ORDERS).toEqual({ filterType: "MAX_NUM_ALGO_ORDERS", maxNumAlgoOrders: 5 });
    expect(byType.ICEBERG_PARTS).toEqual({ filterType: "ICEBERG_PARTS", limit: 10 });
    expect(Number((byType.MARKET_LOT_SIZE as { maxQty: string }).maxQty)).toBeGreaterThan(0);
    expect(info.icebergAllowed).toBe(true);
    expect(info.allowTrailingStop).toBe(true);
  });

  it("each pair gets its own tick, step and price ceiling", () => {
    const { core } = setup();
    const eth = symbolInfo(core.market("ETHUSDT")!.spec);
    const lot = eth.filters.find((f) => f.filterType === "LOT_SIZE") as { stepSize: string };
    expect(lot.stepSize).toBe("0.00010000");
    const doge = new SimulatorCore({ seed: 3, historyDays: 0, startTime: START, manualClock: true, symbols: ["DOGE/USDT"] }).market("DOGEUSDT")!.spec;
    expect(doge.tickSize).toBe(0.00001);
    expect(doge.stepSize).toBe(1);
    expect(doge.maxPrice).toBe(1_000);
  });
});

describe("orders Binance would refuse", () => {
  it("a limit buy at 6× the average price fails PERCENT_PRICE_BY_SIDE (it used to fill)", () => {
    const { place, btc } = setup();
    const avg = btc.averagePrice(5);
    expect(refusal(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price: tick(avg * 6), quantity: 0.001 }))).toEqual({
      code: -1013,
      msg: "Filter failure: PERCENT_PRICE_BY_SIDE",
    });
    expect(refusal(() => place({ side: "SELL", type: "LIMIT", timeInForce: "GTC", price: tick(avg * 0.15), quantity: 0.001 })).msg).toBe(
      "Filter failure: PERCENT_PRICE_BY_SIDE",
    );
    // Inside the band, the same order rests.
    expect(place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price: tick(avg * 0.5), quantity: 0.001 }).status).toBe("NEW");
  });

  it("a price above PRICE_FILTER's maxPrice, or off the tick, fails PRICE_FILTER", () => {
    const { place } = setup();
    expect(refusal(() => place({ side: "SELL", type: "LIMIT", timeInForce: "GTC", price: 1_000_000.01, quantity: 0.001 }))).toEqual({ code: -1013, msg: "Filter failure: PRICE_FILTER" });
    expect(refusal(() => place({ side: "SELL", type: "LIMIT", timeInForce: "GTC", price: 70_000.001, quantity: 0.001 })).msg).toBe("Filter failure: PRICE_FILTER");
  });

  it("a market order above MARKET_LOT_SIZE's maxQty fails MARKET_LOT_SIZE, a limit of that size does not", () => {
    const { place, btc } = setup();
    const tooBig = btc.spec.marketMaxQty + 1;
    expect(refusal(() => place({ side: "SELL", type: "MARKET", quantity: tooBig }))).toEqual({ code: -1013, msg: "Filter failure: MARKET_LOT_SIZE" });
    expect(place({ side: "SELL", type: "LIMIT", timeInForce: "GTC", price: tick(btc.averagePrice(5) * 1.2), quantity: tooBig }).status).toBe("NEW");
  });

  it("a sixth untriggered stop on a symbol fails MAX_NUM_ALGO_ORDERS", () => {
    const { place, btc } = setup();
    const last = btc.lastPrice;
    for (let i = 1; i <= 5; i++) {
      const stop = tick(last * (0.9 - i * 0.01));
      expect(place({ side: "SELL", type: "STOP_LOSS_LIMIT", timeInForce: "GTC", stopPrice: stop, price: tick(stop * 0.99), quantity: 0.001 }).status).toBe("NEW");
    }
    const stop = tick(last * 0.8);
    expect(refusal(() => place({ side: "SELL", type: "STOP_LOSS_LIMIT", timeInForce: "GTC", stopPrice: stop, price: tick(stop * 0.99), quantity: 0.001 }))).toEqual({
      code: -1013,
      msg: "Filter failure: MAX_NUM_ALGO_ORDERS",
    });
    // Plain limits still go in (they count against MAX_NUM_ORDERS only).
    expect(place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price: tick(last * 0.5), quantity: 0.001 }).status).toBe("NEW");
  });

  it("the 201st open order on a symbol fails MAX_NUM_ORDERS", () => {
    const { place, btc } = setup();
    const price = tick(btc.lastPrice * 0.5);
    for (let i = 0; i < 200; i++) place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price, quantity: 0.001 });
    expect(refusal(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price, quantity: 0.001 }))).toEqual({ code: -1013, msg: "Filter failure: MAX_NUM_ORDERS" });
  });

  it("an iceberg in more than 10 parts fails ICEBERG_PARTS; a 10-part one rests and reports its icebergQty", () => {
    const { place, btc } = setup();
    const price = tick(btc.lastPrice * 0.9);
    expect(refusal(() => place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price, quantity: 0.011, icebergQty: 0.001 }))).toEqual({
      code: -1013,
      msg: "Filter failure: ICEBERG_PARTS",
    });
    const ok = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price, quantity: 0.01, icebergQty: 0.001 });
    expect(ok.status).toBe("NEW");
    expect(ok.icebergQty).toBe(0.001);
    expect(refusal(() => place({ side: "BUY", type: "LIMIT", timeInForce: "IOC", price, quantity: 0.01, icebergQty: 0.001 })).code).toBe(-1013);
  });

  it("a trailing delta outside 10-2000 basis points fails TRAILING_DELTA; inside, the stop trails the price", () => {
    const { core, place, btc } = setup();
    const sellAt = tick(btc.lastPrice * 0.5);
    expect(refusal(() => place({ side: "SELL", type: "STOP_LOSS_LIMIT", timeInForce: "GTC", trailingDelta: 5, price: sellAt, quantity: 0.001 }))).toEqual({
      code: -1013,
      msg: "Filter failure: TRAILING_DELTA",
    });
    expect(refusal(() => place({ side: "SELL", type: "STOP_LOSS_LIMIT", timeInForce: "GTC", trailingDelta: 2001, price: sellAt, quantity: 0.001 })).msg).toBe(
      "Filter failure: TRAILING_DELTA",
    );
    const order = place({ side: "SELL", type: "STOP_LOSS_LIMIT", timeInForce: "GTC", trailingDelta: 10, price: sellAt, quantity: 0.001 });
    expect(order.isWorking).toBe(false);
    let peak = btc.lastPriceTicks;
    let triggeredBelowPeak = false;
    for (let i = 0; i < 24 * 60 && !order.isWorking; i++) {
      core.advance(5_000);
      if (order.isWorking) triggeredBelowPeak = btc.lastPriceTicks <= peak * (1 - 0.001);
      peak = Math.max(peak, btc.lastPriceTicks);
    }
    expect(order.isWorking).toBe(true);
    expect(triggeredBelowPeak).toBe(true);
    expect(order.trailingTime).toBeGreaterThan(0);
  });
});

describe("NOTIONAL for market orders is checked on the 5-minute average price", () => {
  it("a market buy worth 5 USDT at the last price but not at the average price is refused", () => {
    // Four quiet minutes at 10, then the price doubles: the average lags the last price.
    const rows = [
      ...Array.from({ length: 4 }, (_, i) => ({ openTime: START + i * 60_000, open: 10, high: 10, low: 10, close: 10, volume: 1_000 })),
      ...Array.from({ length: 20 }, (_, i) => ({ openTime: START + (4 + i) * 60_000, open: 20, high: 20, low: 20, close: 20, volume: 1_000 })),
    ];
    const core = new SimulatorCore({ seed: 3, historyDays: 0, startTime: START, manualClock: true, symbols: ["ABC/USDT"], csv: { symbol: "ABC/USDT", rows }, accounts: [RICH] });
    const account = core.engine.account("rich")!;
    core.advance(4 * 60_000 + 30_000);
    const market = core.market("ABCUSDT")!;
    const avg = market.averagePrice(5);
    expect(market.lastPrice).toBeGreaterThan(avg * 1.2);
    const step = market.spec.stepSize;
    const decimals = market.spec.qtyDecimals;
    // Worth at least 5 at the last price, less than 5 at the average price.
    const quantity = Number((Math.floor(4.99 / avg / step) * step).toFixed(decimals));
    expect(quantity * market.lastPrice).toBeGreaterThanOrEqual(5);
    expect(refusal(() => core.engine.placeOrder(account, { symbol: "ABCUSDT", side: "BUY", type: "MARKET", quantity }, "small"))).toEqual({
      code: -1013,
      msg: "Filter failure: NOTIONAL",
    });
    const enough = Number((Math.ceil(5.01 / avg / step) * step).toFixed(decimals));
    expect(core.engine.placeOrder(account, { symbol: "ABCUSDT", side: "BUY", type: "MARKET", quantity: enough }, "enough").status).toBe("FILLED");
  });
});
