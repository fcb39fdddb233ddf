import { describe, expect, it } from "vitest";
import { createExchange } from "../../market/exchange";
import { SimulatorCore } from "../core";
import { startSimulator } from "../server";

/**
 * Issue 14: on Binance every resting order is in the book; the simulator showed only its synthetic
 * liquidity, so a bot never saw its own bid in the depth it reads. Resting limits now show in the
 * published book (REST depth snapshot, the depth diff stream, the best bid) at their price, and leave
 * it when they fill or are cancelled; the diff stream's update ids stay continuous.
 */

const START = Date.UTC(2025, 2, 3, 9, 30, 0);
const ACCOUNT = { apiKey: "k", secret: "s", balances: { USDT: 1_000_000, BTC: 10 } };

function setup() {
  // A wide uniform grid (10 bps ≈ 6.5 USDT between levels), so an order can rest inside the spread.
  const core = new SimulatorCore({ seed: 8, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT"], accounts: [ACCOUNT], orderBook: { spacingBps: 10, levelQuote: 20_000 } });
  const account = core.engine.account("k")!;
  const btc = core.market("BTCUSDT")!;
  core.advance(60_000);
  btc.book.takeDiff("fast");
  return { core, account, btc };
}

const level = (levels: Array<{ price: number; qty: number }>, price: number) => levels.find((l) => l.price === price)?.qty ?? 0;

describe("the account's resting orders are in the published book", () => {
  it("a bid inside the spread becomes the best bid of the depth snapshot and the diff stream, and leaves it when cancelled", () => {
    const { core, account, btc } = setup();
    const before = btc.book.snapshot(5);
    const [bestBid, bestAsk] = [before.bids[0]!, before.asks[0]!];
    const price = Math.round((bestBid.price + 0.01) * 100) / 100;
    expect(price).toBeLessThan(bestAsk.price);
    const order = core.engine.placeOrder(account, { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", price, quantity: 0.123 }, "own-bid");
    expect(order.status).toBe("NEW");

    const shown = btc.book.snapshot(5);
    expect(shown.bids[0]).toMatchObject({ price, qty: 0.123 });
    expect(shown.lastUpdateId).toBeGreaterThan(before.lastUpdateId);
    expect(btc.book.top.bid?.price).toBe(price);
    const diff = btc.book.takeDiff("fast")!;
    expect(diff.bids).toContainEqual([price, 0.123]);
    expect(diff.firstUpdateId).toBe(before.lastUpdateId + 1);

    core.engine.cancelOrder(account, "BTCUSDT", { orderId: order.orderId }, "cancel-own-bid");
    const after = btc.book.snapshot(5);
    expect(level(after.bids, price)).toBe(0);
    expect(btc.book.takeDiff("fast")!.bids).toContainEqual([price, 0]);
  });

  it("a resting sell at an existing ask level adds to that level's quantity; a stop waiting for its trigger is not shown", () => {
    const { core, account, btc } = setup();
    const ask = btc.book.snapshot(5).asks[2]!;
    core.engine.placeOrder(account, { symbol: "BTCUSDT", side: "SELL", type: "LIMIT", timeInForce: "GTC", price: ask.price, quantity: 0.5 }, "own-ask");
    expect(level(btc.book.snapshot(5).asks, ask.price)).toBeCloseTo(ask.qty + 0.5, 8);
    // A take-profit sell above the market waits for its trigger: not in the book until it triggers.
    const above = btc.book.snapshot(10).asks[6]!;
    core.engine.placeOrder(account, { symbol: "BTCUSDT", side: "SELL", type: "TAKE_PROFIT_LIMIT", timeInForce: "GTC", price: above.price, stopPrice: above.price, quantity: 0.2 }, "own-take-profit");
    expect(core.engine.restingLiquidity("BTCUSDT").ask.get(Math.round(above.price * 100))).toBeUndefined();
    expect(level(btc.book.snapshot(10).asks, above.price)).toBe(above.qty);
  });

  it("ccxt's watched book follows the order in through the diff stream: the same levels as the REST snapshot", async () => {
    const sim = await startSimulator({ seed: 9, historyDays: 0, startTime: START, manualClock: true, symbols: ["ETH/USDT"], publishIntervalMs: 20, accounts: [ACCOUNT], orderBook: { spacingBps: 10, levelQuote: 20_000 } });
    const ex = await createExchange({ id: "simulator" }, { simulator: sim });
    try {
      await ex.loadMarkets();
      await ex.watchOrderBook("ETH/USDT");
      const bid = Number((await ex.fetchOrderBook("ETH/USDT", 5)).bids[0]![0]);
      const price = Math.round((bid + 0.01) * 100) / 100;
      await ex.createOrder("ETH/USDT", "limit", "buy", 1.5, price, { timeInForce: "GTC" });
      const local = ex.orderbooks["ETH/USDT"]!;
      await expect.poll(() => local.bids[0]?.[0], { timeout: 5_000, interval: 20 }).toBe(price);
      const venue = await ex.fetchOrderBook("ETH/USDT", 5);
      await expect.poll(() => local.nonce, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(venue.nonce!);
      expect(local.bids[0]).toEqual([price, 1.5]);
      expect(local.bids.slice(0, 5)).toEqual(venue.bids);
    } finally {
      await (ex as unknown as { close?: () => Promise<void> }).close?.();
      await sim.close();
    }
  });
});
