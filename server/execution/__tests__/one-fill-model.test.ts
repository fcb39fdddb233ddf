import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { createLogger } from "../../core/logger";
import type { Instrument, OrderRequest } from "../../model/types";
import { SimulatorCore } from "../../simulator/core";
import { parseReplayCsv } from "../../simulator/csv";
import { PaperVenue } from "../paper-venue";
import { restingFill } from "../fill-model";

/**
 * Issue 14, "one fill model": the paper venue (limitFillRule "queue") and the simulator's matching
 * engine fill resting limit orders by the same rules (execution/fill-model.ts), so the same orders
 * on the same prices give the same fills. The prices are 90 one-minute candles (fixture made once
 * from the project's own price model, see fixtures/btcusdt-1m-90.csv) replayed by the simulator;
 * the paper venue is fed the simulator's book at placement and every market trade it printed.
 */

const fixture = readFileSync(path.join(import.meta.dirname, "fixtures", "btcusdt-1m-90.csv"), "utf8");
const rows = parseReplayCsv(fixture, "btcusdt-1m-90.csv");
const RICH = { apiKey: "k", secret: "s", balances: { USDT: 10_000_000, BTC: 1_000 } };

describe("the shared fill model", () => {
  it("through the limit fills up to the print; a touch fills after the queue ahead", () => {
    expect(restingFill({ side: "buy", limit: 100, remaining: 5, queueAhead: 3 }, { price: 99, units: 4 })).toEqual({ fill: 4, queueAhead: 0, used: 4 });
    expect(restingFill({ side: "buy", limit: 100, remaining: 5, queueAhead: 3 }, { price: 100, units: 4 })).toEqual({ fill: 1, queueAhead: 0, used: 4 });
    expect(restingFill({ side: "buy", limit: 100, remaining: 5, queueAhead: 3 }, { price: 100, units: 2 })).toEqual({ fill: 0, queueAhead: 1, used: 2 });
    expect(restingFill({ side: "sell", limit: 100, remaining: 5, queueAhead: 0 }, { price: 99, units: 9 })).toEqual({ fill: 0, queueAhead: 0, used: 0 });
    expect(restingFill({ side: "sell", limit: 100, remaining: 5, queueAhead: 0 }, { price: 101, units: 9 })).toEqual({ fill: 5, queueAhead: 0, used: 5 });
  });
});

describe("paper and live-on-simulator give the same fills on the same candles", () => {
  it("resting buys and sells below and above the market fill in the same parts, at the same times", () => {
    const core = new SimulatorCore({ seed: 1, historyDays: 0, startTime: rows[0].openTime, manualClock: true, symbols: ["BTC/USDT"], csv: { symbol: "BTC/USDT", rows }, accounts: [RICH] });
    const account = core.engine.account("k")!;
    core.advance(5 * 60_000);
    const market = core.market("BTCUSDT")!;
    const spec = market.spec;
    const instrument: Instrument = { symbol: "BTC/USDT", base: "BTC", quote: "USDT", tickSize: spec.tickSize, stepSize: spec.stepSize, minQty: spec.minQty, maxQty: spec.maxQty, minNotional: spec.minNotional };

    // Orders a trader would rest: at the lowest low still to come (touched, never traded through),
    // a little above it (traded through), and a sell at the highest high to come.
    const later = rows.slice(6);
    const lowest = Math.min(...later.map((r) => r.low));
    const highest = Math.max(...later.map((r) => r.high));
    const last = market.lastPrice;
    expect(lowest).toBeLessThan(last);
    expect(highest).toBeGreaterThan(last);
    const orders = [
      { id: "touch-low", side: "BUY" as const, price: lowest, qty: 30 },
      { id: "through-low", side: "BUY" as const, price: Math.round((lowest + (last - lowest) * 0.3) * 100) / 100, qty: 25 },
      { id: "touch-high", side: "SELL" as const, price: highest, qty: 30 },
    ];

    // The paper venue sees the same book when the orders arrive.
    const clock = new ManualClock(core.now());
    const paper = new PaperVenue({
      clock,
      fees: { maker: 0.001, taker: 0.001 },
      feeAsset: "received",
      balances: { USDT: 10_000_000, BTC: 1_000 },
      instruments: [instrument],
      logger: createLogger("silent"),
      latencyMs: 0,
      limitFillRule: "queue",
    });
    const paperFills = new Map<string, Map<string, { quantity: number; price: number; timestamp: number }>>();
    paper.onUpdate((u) => {
      const byTrade = paperFills.get(u.clientOrderId) ?? new Map();
      for (const f of u.fills) byTrade.set(f.venueTradeId, { quantity: f.quantity, price: f.price, timestamp: f.timestamp });
      paperFills.set(u.clientOrderId, byTrade);
    });
    const { bids, asks } = market.book.sides;
    paper.onMarket({ type: "trade", symbol: "BTC/USDT", price: last, timestamp: core.now() });
    paper.onMarket({
      type: "book",
      book: { symbol: "BTC/USDT", timestamp: core.now(), bids: bids.map((l) => ({ price: l.price, quantity: l.qty })), asks: asks.map((l) => ({ price: l.price, quantity: l.qty })) },
    });
    const simOrders = orders.map((o) => core.engine.placeOrder(account, { symbol: "BTCUSDT", side: o.side, type: "LIMIT", timeInForce: "GTC", price: o.price, quantity: o.qty }, o.id));
    for (const o of orders) {
      const request: OrderRequest = {
        clientOrderId: o.id,
        symbol: "BTC/USDT",
        side: o.side === "BUY" ? "buy" : "sell",
        type: "limit",
        quantity: o.qty,
        price: o.price,
        timeInForce: "GTC",
        intent: o.side === "BUY" ? "entry" : "exit",
        reduceOnly: false,
        reason: "one fill model test",
        createdAt: core.now(),
      };
      void paper.submit(request);
    }

    // Replay the rest of the candles; every market trade the simulator printed goes to the paper venue.
    let lastTradeId = market.lastTradeId;
    const own = new Set<number>();
    for (let minute = 6; minute < rows.length; minute++) {
      core.advance(60_000);
      for (const f of account.fills) own.add(f.tradeId);
      for (const t of market.tradesAfter(lastTradeId, 1_000)) {
        lastTradeId = t.id;
        if (own.has(t.id)) continue;
        clock.set(t.time);
        paper.onMarket({ type: "trade", symbol: "BTC/USDT", price: t.price, timestamp: t.time, quantity: t.qty });
      }
    }

    for (const [i, o] of orders.entries()) {
      const sim = simOrders[i].fills.map((f) => ({ quantity: f.qty, price: f.price, timestamp: f.time }));
      const pap = [...(paperFills.get(o.id)?.values() ?? [])];
      expect(pap, `${o.id}: paper fills`).toEqual(sim);
    }
    // The model at work: the touch filled only what traded at the low (a partial fill, at its price),
    // the order traded through filled over several prints.
    const [touch, through, high] = simOrders;
    expect(touch.executedQty).toBeGreaterThan(0);
    expect(touch.executedQty).toBeLessThan(touch.origQty);
    expect(touch.fills.every((f) => f.price === lowest)).toBe(true);
    expect(through.fills.length).toBeGreaterThan(1);
    expect(high.executedQty).toBeGreaterThan(0);
    expect(high.executedQty).toBeLessThan(high.origQty);
  });
});
