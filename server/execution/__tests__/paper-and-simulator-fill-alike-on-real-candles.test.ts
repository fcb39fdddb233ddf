import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { createLogger } from "../../core/logger";
import type { Candle, Instrument, OrderRequest } from "../../model/types";
import { SimulatorCore } from "../../simulator/core";
import { parseReplayCsv } from "../../simulator/csv";
import type { SymbolMarket } from "../../simulator/market";
import type { SimOrder } from "../../simulator/matching-engine";
import { createLocalVenue, type ExecutionVenue, type MarketPrint } from "..";

/**
 * Issue 14, "one fill model", as the app runs it: the paper venue the composition builds for paper
 * mode (createLocalVenue: limitFillRule "queue") and live orders on the simulator give the same
 * fills on the same orders and the same candles (fixtures/btcusdt-1m-90.csv, 90 BTCUSDT minutes
 * replayed by the simulator from the CSV). Paper gets what the app feeds it: the book, the market's
 * public trades (market data `trade`), tickers and closed candles; or, without a trade stream, only
 * the closed candles, which it replays as the prints they stand for.
 */

const rows = parseReplayCsv(readFileSync(path.join(import.meta.dirname, "fixtures", "btcusdt-1m-90.csv"), "utf8"), "btcusdt-1m-90.csv");
const RICH = { apiKey: "k", secret: "s", balances: { USDT: 10_000_000, BTC: 1_000 } };
const PLACED_AFTER_MINUTES = 5;

interface Scenario {
  core: SimulatorCore;
  market: SymbolMarket;
  simOrders: SimOrder[];
  paper: ExecutionVenue;
  clock: ManualClock;
  paperFills: Map<string, Map<string, { quantity: number; price: number; timestamp: number }>>;
  prints: Set<(print: MarketPrint) => void>;
  ids: string[];
}

function setUp(): Scenario {
  const core = new SimulatorCore({ seed: 7, historyDays: 0, startTime: rows[0].openTime, manualClock: true, symbols: ["BTC/USDT"], csv: { symbol: "BTC/USDT", rows }, accounts: [RICH] });
  const account = core.engine.account("k")!;
  core.advance(PLACED_AFTER_MINUTES * 60_000);
  const market = core.market("BTCUSDT")!;
  const spec = market.spec;
  const instrument: Instrument = { symbol: "BTC/USDT", base: "BTC", quote: "USDT", tickSize: spec.tickSize, stepSize: spec.stepSize, minQty: spec.minQty, maxQty: spec.maxQty, minNotional: spec.minNotional };
  const clock = new ManualClock(core.now());
  const prints = new Set<(print: MarketPrint) => void>();
  const paper = createLocalVenue(
    "paper",
    {
      clock,
      logger: createLogger("silent"),
      fees: { maker: 0.001, taker: 0.001 },
      instruments: new Map([["BTC/USDT", instrument]]),
      exchange: undefined as never,
      venue: { id: "simulator", simulated: true, testnet: false },
      symbols: ["BTC/USDT"],
      prints: (listener) => {
        prints.add(listener);
        return () => prints.delete(listener);
      },
    },
    { USDT: 10_000_000, BTC: 1_000 },
  );
  const paperFills: Scenario["paperFills"] = new Map();
  paper.onUpdate((u) => {
    const byTrade = paperFills.get(u.clientOrderId) ?? new Map();
    for (const f of u.fills) byTrade.set(f.venueTradeId, { quantity: f.quantity, price: f.price, timestamp: f.timestamp });
    paperFills.set(u.clientOrderId, byTrade);
  });

  // What a trader would rest: at the best bid (behind the queue the book shows there), at the lowest
  // low still to come (touched, never traded through), a little above it (traded through), and a
  // sell at the highest high to come.
  const later = rows.slice(PLACED_AFTER_MINUTES + 1);
  const lowest = Math.min(...later.map((r) => r.low));
  const highest = Math.max(...later.map((r) => r.high));
  const last = market.lastPrice;
  const bestBid = market.book.sides.bids[0];
  expect(bestBid.price, "a calibrated BTCUSDT book: the last trade is at the bid, one tick under the ask").toBe(last);
  expect(market.book.sides.asks[0].priceTicks - bestBid.priceTicks).toBe(1);
  const orders = [
    { id: "at-best-bid", side: "BUY" as const, price: bestBid.price, qty: 3 },
    { id: "touch-low", side: "BUY" as const, price: lowest, qty: 30 },
    { id: "through-low", side: "BUY" as const, price: Math.round((lowest + (last - lowest) * 0.3) * 100) / 100, qty: 25 },
    { id: "touch-high", side: "SELL" as const, price: highest, qty: 30 },
  ];

  // Paper sees the book the simulator shows when the orders arrive (the app streams it).
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
      reason: "paper and simulator fill alike",
      createdAt: core.now(),
    };
    void paper.submit(request);
  }
  // The orders reach paper's matching engine 50 ms later (its latency), on the next book the app streams.
  clock.set(core.now() + 50);
  paper.onMarket({
    type: "book",
    book: { symbol: "BTC/USDT", timestamp: clock.now(), bids: bids.map((l) => ({ price: l.price, quantity: l.qty })), asks: asks.map((l) => ({ price: l.price, quantity: l.qty })) },
  });
  return { core, market, simOrders, paper, clock, paperFills, prints, ids: orders.map((o) => o.id) };
}

function closedCandle(minute: number): Candle {
  const r = rows[minute];
  return { symbol: "BTC/USDT", timeframe: "1m", openTime: r.openTime, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, closed: true };
}

describe("paper mode and live on the simulator fill the same orders alike on real candles", () => {
  it("paper fed the market's public trades (plus tickers and closed candles) gets the simulator's fills, trade for trade", () => {
    const s = setUp();
    let lastTradeId = s.market.lastTradeId;
    let printsSeen = 0;
    for (let minute = PLACED_AFTER_MINUTES + 1; minute < rows.length; minute++) {
      s.core.advance(60_000);
      const own = new Set(s.simOrders.flatMap((o) => o.fills.map((f) => f.tradeId)));
      for (const t of s.market.tradesAfter(lastTradeId, 1_000)) {
        lastTradeId = t.id;
        if (own.has(t.id)) continue; // the live account's own fills are not the paper account's market
        s.clock.set(t.time);
        for (const listener of s.prints) listener({ symbol: "BTC/USDT", price: t.price, amount: t.qty, timestamp: t.time });
        printsSeen += 1;
      }
      // The app also feeds tickers (a price without a quantity) and the closed candle: neither fills again.
      s.paper.onMarket({ type: "trade", symbol: "BTC/USDT", price: rows[minute - 1].low, timestamp: s.core.now() - 1 });
      s.paper.onMarket({ type: "candle", candle: closedCandle(minute - 1) });
    }
    // The calibrated trade flow: far more than one print per 5 s (about 60 a minute at the median volume).
    expect(printsSeen / (rows.length - PLACED_AFTER_MINUTES - 1)).toBeGreaterThan(40);

    for (const [i, id] of s.ids.entries()) {
      const sim = s.simOrders[i].fills.map((f) => ({ quantity: f.qty, price: f.price, timestamp: f.time }));
      expect([...(s.paperFills.get(id)?.values() ?? [])], `${id}: paper fills`).toEqual(sim);
    }
    const [atBid, touch, through, high] = s.simOrders;
    // The queue at work: the order at the best bid waited behind the book's quantity there.
    expect(atBid.executedQty).toBeGreaterThan(0);
    expect(touch.executedQty).toBeGreaterThan(0);
    expect(touch.executedQty).toBeLessThan(touch.origQty);
    expect(through.fills.length).toBeGreaterThan(1);
    expect(high.executedQty).toBeGreaterThan(0);
    expect(high.executedQty).toBeLessThan(high.origQty);
    void s.paper.stop();
    expect(s.prints.size, "stop() unsubscribes the venue from the prints").toBe(0);
  });

  it("without a trade stream, paper replays each closed candle as its prints: the same quantity at the same price and time", () => {
    const s = setUp();
    // The minute the orders were placed in, and the rest, arrive only as closed candles.
    for (let minute = PLACED_AFTER_MINUTES; minute < rows.length; minute++) {
      if (minute > PLACED_AFTER_MINUTES) s.core.advance(60_000);
      s.clock.set(rows[minute].openTime + 60_000);
      s.paper.onMarket({ type: "candle", candle: closedCandle(minute) });
    }
    s.core.advance(55_000); // the last minute's remaining prints (the CSV's last row)
    // Per 5-second print: the simulator fills trade by trade, paper from the candle's one print per
    // sub-step; the queue model gives both the same quantity.
    const byPrint = (fills: Array<{ quantity: number; price: number; timestamp: number }>) => {
      const sums = new Map<string, number>();
      for (const f of fills) sums.set(`${f.timestamp}@${f.price}`, Math.round(((sums.get(`${f.timestamp}@${f.price}`) ?? 0) + f.quantity) * 1e8) / 1e8);
      return Object.fromEntries(sums);
    };
    for (const [i, id] of s.ids.entries()) {
      const sim = byPrint(s.simOrders[i].fills.map((f) => ({ quantity: f.qty, price: f.price, timestamp: f.time })));
      const pap = byPrint([...(s.paperFills.get(id)?.values() ?? [])]);
      expect(pap, `${id}: paper fills per print`).toEqual(sim);
      expect(Object.keys(sim).length, `${id} filled`).toBeGreaterThan(0);
    }
  });
});
