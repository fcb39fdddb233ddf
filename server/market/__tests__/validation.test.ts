import type { OrderBook as CcxtOrderBook, Ticker, Trade } from "ccxt";
import { describe, expect, it } from "vitest";
import type { Candle } from "../../model/types";
import { candleProblem, orderBookFromCcxt, sequenceProblem, tickerFromCcxt, tradeFromCcxt } from "../validation";

const T = Date.UTC(2024, 0, 1, 12, 0);
const good: Candle = { symbol: "BTC/USDT", timeframe: "1m", openTime: T, open: 100, high: 110, low: 95, close: 105, volume: 3, closed: true };

describe("candle validation", () => {
  it("accepts a sound candle, including a flat zero-volume one", () => {
    expect(candleProblem(good)).toBeUndefined();
    expect(candleProblem({ ...good, open: 100, high: 100, low: 100, close: 100, volume: 0 })).toBeUndefined();
  });

  it.each<[string, Partial<Candle>, RegExp]>([
    ["high below low", { high: 90, low: 95, open: 92, close: 93 }, /low 95 is above high 90/],
    ["open above high", { open: 111 }, /open 111 is outside low..high 95..110/],
    ["open below low", { open: 94 }, /open 94 is outside/],
    ["close above high", { close: 120 }, /close 120 is outside/],
    ["close below low", { close: 90 }, /close 90 is outside/],
    ["NaN price", { close: Number.NaN }, /close NaN is not a finite positive price/],
    ["infinite price", { high: Number.POSITIVE_INFINITY }, /high Infinity is not a finite positive price/],
    ["zero price", { low: 0 }, /low 0 is not a finite positive price/],
    ["negative price", { open: -1 }, /open -1 is not a finite positive price/],
    ["missing value", { volume: undefined as unknown as number }, /volume undefined is not a finite non-negative number/],
    ["negative volume", { volume: -0.5 }, /volume -0.5 is not a finite non-negative number/],
    ["NaN volume", { volume: Number.NaN }, /volume NaN/],
    ["misaligned open time", { openTime: T + 30_000 }, /not aligned to 1m/],
    ["fractional open time", { openTime: T + 0.5 }, /not a non-negative integer/],
    ["open time misaligned for 1h", { timeframe: "1h", openTime: T + 60_000 }, /not aligned to 1h/],
    ["no symbol", { symbol: "" }, /missing symbol/],
  ])("rejects %s with the reason", (_name, patch, reason) => {
    expect(candleProblem({ ...good, ...patch })).toMatch(reason);
  });

  it("rejects duplicates and open times going backwards", () => {
    expect(sequenceProblem(undefined, T)).toBeUndefined();
    expect(sequenceProblem(T - 60_000, T)).toBeUndefined();
    expect(sequenceProblem(T, T)).toMatch(/duplicate open time 2024-01-01T12:00:00.000Z/);
    expect(sequenceProblem(T, T - 60_000)).toMatch(/goes back before/);
  });
});

function book(bids: [number, number][], asks: [number, number][], timestamp: number | undefined = T): CcxtOrderBook {
  return { bids, asks, timestamp, datetime: undefined, nonce: undefined, symbol: "BTC/USDT" } as unknown as CcxtOrderBook;
}

describe("order book validation", () => {
  it("keeps the best levels of a sound book", () => {
    const result = orderBookFromCcxt(book([[100, 1], [99, 2], [98, 3]], [[101, 1], [102, 0.5]]), "BTC/USDT", 2);
    expect(result.book).toEqual({
      symbol: "BTC/USDT",
      timestamp: T,
      bids: [{ price: 100, quantity: 1 }, { price: 99, quantity: 2 }],
      asks: [{ price: 101, quantity: 1 }, { price: 102, quantity: 0.5 }],
    });
  });

  it.each<[string, CcxtOrderBook, RegExp]>([
    ["crossed", book([[101, 1]], [[100, 1]]), /crossed book: best bid 101 >= best ask 100/],
    ["locked", book([[100, 1]], [[100, 1]]), /crossed book/],
    ["NaN price", book([[Number.NaN, 1]], [[100, 1]]), /bid level 0 price NaN/],
    ["NaN quantity", book([[99, 1]], [[100, Number.NaN]]), /ask level 0 quantity NaN/],
    ["negative quantity", book([[99, -1]], [[100, 1]]), /bid level 0 quantity -1/],
    ["bids out of order", book([[98, 1], [99, 1]], [[100, 1]]), /bids not strictly descending at level 1/],
    ["asks out of order", book([[99, 1]], [[101, 1], [100, 1]]), /asks not strictly ascending at level 1/],
    ["no arrays", { bids: null, asks: [] } as unknown as CcxtOrderBook, /without bids\/asks/],
    ["bad timestamp", book([[99, 1]], [[100, 1]], Number.NaN), /timestamp NaN/],
  ])("rejects a %s book with the reason", (_name, raw, reason) => {
    expect(orderBookFromCcxt(raw, "BTC/USDT", 20).problem).toMatch(reason);
  });
});

describe("trade and ticker validation", () => {
  const trade = { id: "1", price: 100, amount: 0.5, timestamp: T, side: "buy" } as Trade;

  it("converts a sound trade and rejects broken ones", () => {
    expect(tradeFromCcxt(trade, "BTC/USDT").trade).toEqual({ symbol: "BTC/USDT", id: "1", timestamp: T, price: 100, amount: 0.5, side: "buy" });
    expect(tradeFromCcxt({ ...trade, price: Number.NaN }, "BTC/USDT").problem).toMatch(/price NaN/);
    expect(tradeFromCcxt({ ...trade, amount: 0 }, "BTC/USDT").problem).toMatch(/amount 0/);
    expect(tradeFromCcxt({ ...trade, timestamp: undefined as unknown as number }, "BTC/USDT").problem).toMatch(/timestamp/);
  });

  it("takes the 24h change from the venue, or computes it from the 24h open", () => {
    const ticker = { symbol: "BTC/USDT", last: 110, open: 100, timestamp: T, high: 120, low: 90 } as Ticker;
    const result = tickerFromCcxt(ticker, "BTC/USDT").ticker;
    expect(result).toMatchObject({ last: 110, open24h: 100, change24h: 10, changePct24h: 10, high24h: 120, low24h: 90, source: "venue" });
    expect(tickerFromCcxt({ ...ticker, change: 9, percentage: 8.9 }, "BTC/USDT").ticker).toMatchObject({ change24h: 9, changePct24h: 8.9 });
    expect(tickerFromCcxt({ ...ticker, last: Number.NaN, close: undefined } as unknown as Ticker, "BTC/USDT").problem).toMatch(/last price NaN/);
  });
});
