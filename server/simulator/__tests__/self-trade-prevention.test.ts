import { describe, expect, it } from "vitest";
import { SimulatorCore } from "../core";
import { symbolInfo } from "../formats";
import type { NewOrderRequest } from "../matching-engine";

/**
 * Issue 14: self-trade prevention as Binance does it (the taker's selfTradePreventionMode, default
 * EXPIRE_MAKER): an order that would meet the same account's resting order on the other side.
 */

const START = Date.UTC(2025, 2, 3, 9, 30, 0);

function setup() {
  const core = new SimulatorCore({ seed: 8, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT"], accounts: [{ apiKey: "a", secret: "s", balances: { USDT: 1_000_000, BTC: 10 } }] });
  const account = core.engine.account("a")!;
  core.advance(5 * 60_000);
  let n = 0;
  const place = (req: Partial<NewOrderRequest> & Pick<NewOrderRequest, "side" | "type">) => core.engine.placeOrder(account, { symbol: "BTCUSDT", ...req }, `o${++n}`);
  const last = core.market("BTCUSDT")!.lastPrice;
  const tick = (p: number) => Math.round(p * 100) / 100;
  // The account's own resting sell a little above the market.
  const restingSell = () => place({ side: "SELL", type: "LIMIT", timeInForce: "GTC", price: tick(last * 1.01), quantity: 0.5 });
  return { core, account, place, last, tick, restingSell };
}

describe("self-trade prevention", () => {
  it("exchangeInfo lists Binance's modes, EXPIRE_MAKER by default", () => {
    const { core } = setup();
    const info = symbolInfo(core.market("BTCUSDT")!.spec);
    expect(info.defaultSelfTradePreventionMode).toBe("EXPIRE_MAKER");
    expect(info.allowedSelfTradePreventionModes).toEqual(["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"]);
  });

  it("default EXPIRE_MAKER: a buy priced over the account's own resting sell expires that sell, and the buy trades", () => {
    const { place, restingSell, last, tick } = setup();
    const maker = restingSell();
    const taker = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price: tick(last * 1.02), quantity: 0.1 });
    expect(maker.status).toBe("EXPIRED_IN_MATCH");
    expect(maker.preventedQuantity).toBe(0.5);
    expect(taker.selfTradePreventionMode).toBe("EXPIRE_MAKER");
    expect(taker.status).toBe("FILLED");
  });

  it("EXPIRE_TAKER: the buy expires in match and the resting sell stays", () => {
    const { account, place, restingSell, last, tick } = setup();
    const usdt = account.balance("USDT").free;
    const maker = restingSell();
    const taker = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price: tick(last * 1.02), quantity: 0.1, selfTradePreventionMode: "EXPIRE_TAKER" });
    expect(taker.status).toBe("EXPIRED_IN_MATCH");
    expect(taker.executedQty).toBe(0);
    expect(maker.status).toBe("NEW");
    expect(account.balance("USDT").free).toBe(usdt);
  });

  it("EXPIRE_BOTH expires both; a market order meets every own resting order on the other side", () => {
    const { place, restingSell } = setup();
    const maker = restingSell();
    const taker = place({ side: "BUY", type: "MARKET", quantity: 0.1, selfTradePreventionMode: "EXPIRE_BOTH" });
    expect(maker.status).toBe("EXPIRED_IN_MATCH");
    expect(taker.status).toBe("EXPIRED_IN_MATCH");
  });

  it("DECREMENT takes the overlap off both: the smaller order expires, the larger goes on with the rest", () => {
    const { account, place, restingSell, last, tick } = setup();
    const maker = restingSell();
    const taker = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price: tick(last * 1.02), quantity: 0.2, selfTradePreventionMode: "DECREMENT" });
    expect(taker.status).toBe("EXPIRED_IN_MATCH");
    expect(maker.status).toBe("NEW");
    expect(maker.origQty).toBe(0.3);
    expect(maker.preventedQuantity).toBe(0.2);
    expect(account.balance("BTC").locked).toBe(0.3);
  });

  it("NONE lets the order through; orders on the same side never conflict", () => {
    const { place, restingSell, last, tick } = setup();
    const maker = restingSell();
    const taker = place({ side: "BUY", type: "LIMIT", timeInForce: "GTC", price: tick(last * 1.02), quantity: 0.1, selfTradePreventionMode: "NONE" });
    expect(maker.status).toBe("NEW");
    expect(taker.status).toBe("FILLED");
    const sameSide = place({ side: "SELL", type: "LIMIT", timeInForce: "GTC", price: tick(last * 1.05), quantity: 0.1 });
    expect(sameSide.status).toBe("NEW");
    expect(maker.status).toBe("NEW");
  });
});
