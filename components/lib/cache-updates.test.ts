import { describe, expect, it } from "vitest";
import {
  appendEquityPoint,
  applyFill,
  applyOrderBook,
  applyOrder,
  applyPosition,
  applyTicker,
  isValidCandle,
  mergeCandle,
} from "./cache-updates";
import type { CandleDto, CandlesResponse, OrderDto, PositionDto } from "./types";

const bar = (time: number, close: number, closed = true): CandleDto => ({ time, open: close, high: close + 1, low: close - 1, close, volume: 1, closed });
const series = (...candles: CandleDto[]): CandlesResponse => ({ symbol: "BTC/USDT", timeframe: "1m", simulated: true, candles });

describe("streamed candles", () => {
  it("a forming update replaces the last bar; the next bar is appended and the oldest drops", () => {
    const start = series(bar(0, 100), bar(60_000, 101, false));
    const updated = mergeCandle(start, bar(60_000, 102, false), 2)!;
    expect(updated.candles.map((c) => c.close)).toEqual([100, 102]);
    const next = mergeCandle(updated, bar(120_000, 103, false), 2)!;
    expect(next.candles.map((c) => c.time)).toEqual([60_000, 120_000]);
  });
  it("a late forming update does not reopen a closed bar", () => {
    const start = series(bar(0, 100, true));
    expect(mergeCandle(start, bar(0, 99, false), 10)).toBe(start);
  });
  it("the close of the previous bar lands even after the next bar started", () => {
    const start = series(bar(0, 100, false), bar(60_000, 101, false));
    const closed = mergeCandle(start, bar(0, 100.5, true), 10)!;
    expect(closed.candles[0]).toMatchObject({ close: 100.5, closed: true });
    expect(closed.candles).toHaveLength(2);
  });
  it("rejects candles whose high/low do not bracket the body or are not numbers", () => {
    expect(isValidCandle(bar(0, 100))).toBe(true);
    expect(isValidCandle({ ...bar(0, 100), high: 50 })).toBe(false);
    expect(isValidCandle({ ...bar(0, 100), close: Number.NaN })).toBe(false);
    expect(isValidCandle(null)).toBe(false);
  });
});

const position = (id: string, quantity: number, unrealizedPnl = 0): PositionDto => ({
  id, mode: "paper", symbol: "BTC/USDT", side: "long", quantity, avgEntryPrice: 100, markPrice: 101, unrealizedPnl,
  unrealizedPct: 1, realizedPnl: 0, fees: 0.1, stopLoss: 99, takeProfit: 102, trailingStop: null, openedAt: 0,
  strategyInstanceId: null, entryReason: "test",
});

describe("open positions follow the feed", () => {
  it("a new position appears, a mark update changes its P&L, a close removes it", () => {
    const opened = applyPosition([], position("p1", 1))!;
    expect(opened).toHaveLength(1);
    const marked = applyPosition(opened, position("p1", 1, 5))!;
    expect(marked[0]!.unrealizedPnl).toBe(5);
    expect(applyPosition(marked, position("p1", 0))).toEqual([]);
    expect(applyPosition(marked, { ...position("p1", 1), status: "closed" } as PositionDto)).toEqual([]);
  });
  it("nothing is invented before the list was fetched", () => {
    expect(applyPosition(undefined, position("p1", 1))).toBeUndefined();
  });
});

const order = (id: string, status: OrderDto["status"], fills?: OrderDto["fills"]): OrderDto => ({
  clientOrderId: id, venueOrderId: null, mode: "paper", symbol: "BTC/USDT", side: "buy", type: "market", status,
  quantity: 1, price: null, stopPrice: null, filledQuantity: 0, avgFillPrice: null, fee: 0, intent: "entry",
  reduceOnly: false, reason: "test", error: null, strategyInstanceId: null, createdAt: 0, updatedAt: 0, fills,
});

describe("orders", () => {
  it("a filled order leaves the open list but stays in the recent list", () => {
    const open = applyOrder([order("o1", "submitted")], order("o1", "filled"), "open", 100)!;
    expect(open).toEqual([]);
    const all = applyOrder([order("o1", "submitted")], order("o1", "filled"), "all", 100)!;
    expect(all[0]!.status).toBe("filled");
  });
  it("new orders go first and the list stays capped", () => {
    const list = applyOrder([order("o1", "filled"), order("o2", "filled")], order("o3", "new"), "all", 2)!;
    expect(list.map((o) => o.clientOrderId)).toEqual(["o3", "o1"]);
  });
  it("an order update without fills keeps the known fills; a fill is attached once", () => {
    const fill = { clientOrderId: "o1", symbol: "BTC/USDT", side: "buy" as const, price: 100, quantity: 1, fee: 0.1, timestamp: 5 };
    const withFill = applyFill([order("o1", "submitted", [])], fill)!;
    expect(applyFill(withFill, fill)).toBe(withFill);
    const updated = applyOrder(withFill, order("o1", "filled"), "all", 10)!;
    expect(updated[0]!.fills).toHaveLength(1);
  });
});

describe("equity and tickers", () => {
  it("appends newer points, replaces same-time points, ignores older ones", () => {
    const p = (timestamp: number, equity: number) => ({ timestamp, equity, cash: 0, realizedPnl: 0, unrealizedPnl: 0 });
    let list = appendEquityPoint([p(1, 100)], p(2, 101), 10)!;
    list = appendEquityPoint(list, p(2, 102), 10)!;
    list = appendEquityPoint(list, p(0, 50), 10)!;
    expect(list.map((x) => x.equity)).toEqual([100, 102]);
  });
  it("updates the last price of a known symbol only", () => {
    const symbols = [{ symbol: "BTC/USDT", base: "BTC", quote: "USDT", last: 1, change24hPct: 0, simulated: true }];
    expect(applyTicker(symbols, { symbol: "BTC/USDT", last: 2, change24hPct: 1, timestamp: 0 })![0]!.last).toBe(2);
    expect(applyTicker(symbols, { symbol: "ETH/USDT", last: 2, change24hPct: 1, timestamp: 0 })).toBe(symbols);
  });
});

describe("order book updates", () => {
  it("a simulated snapshot stays labelled simulated when feed updates omit or deny it, and depth is capped", () => {
    const snapshot = { symbol: "BTC/USDT", timestamp: 1, simulated: true, bids: [[1, 1]] as [number, number][], asks: [], spread: null, mid: null };
    const update = { symbol: "BTC/USDT", timestamp: 2, simulated: false, bids: [[3, 1], [2, 1], [1, 1]] as [number, number][], asks: [], spread: null, mid: null };
    const next = applyOrderBook(snapshot, update, 2);
    expect(next.simulated).toBe(true);
    expect(next.bids).toEqual([[3, 1], [2, 1]]);
    expect(next.timestamp).toBe(2);
  });
});
