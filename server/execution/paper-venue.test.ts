import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock";
import type { Candle, OrderBook, OrderRequest } from "../model/types";
import { request } from "./__tests__/fake-venue";
import { isVenueError } from "./errors";
import { PaperVenue, type PaperVenueOptions } from "./paper-venue";
import { ManualScheduler } from "../core/scheduler";
import type { VenueOrderUpdate } from "./types";

const SYMBOL = "BTC/USDT";
let idCounter = 0;
const order = (overrides: Partial<OrderRequest>) => request({ clientOrderId: `tk-paper-${++idCounter}`, ...overrides });

function setup(options: Partial<PaperVenueOptions> = {}) {
  const clock = new ManualClock(1_000);
  const venue = new PaperVenue({ clock, fees: { maker: 0.001, taker: 0.002 }, balances: { USDT: 100_000, BTC: 10 }, ...options });
  const updates: VenueOrderUpdate[] = [];
  venue.onUpdate((u) => updates.push(u));
  return { clock, venue, updates };
}

function book(timestamp: number, asks: [number, number][], bids: [number, number][] = [[90, 5]]): OrderBook {
  return {
    symbol: SYMBOL,
    timestamp,
    asks: asks.map(([price, quantity]) => ({ price, quantity })),
    bids: bids.map(([price, quantity]) => ({ price, quantity })),
  };
}

function candle(openTime: number, open: number, high: number, low: number, close: number): Candle {
  return { symbol: SYMBOL, timeframe: "1m", openTime, open, high, low, close, volume: 10, closed: true };
}

const balanceOf = (venue: PaperVenue, asset: string) => venue.balanceList().find((b) => b.asset === asset)!;

describe("paper venue", () => {
  it("market buy walks the book level by level and pays the taker fee", async () => {
    const { venue } = setup();
    venue.onBook(book(1_000, [[100, 1], [101, 2], [102, 5]]));

    const result = await venue.submit(order({ side: "buy", type: "market", quantity: 2.5 }));

    expect(result.status).toBe("filled");
    expect(result.fills).toHaveLength(1);
    const [fill] = result.fills;
    expect(fill.quantity).toBeCloseTo(2.5, 12);
    expect(fill.price).toBeCloseTo((100 * 1 + 101 * 1.5) / 2.5, 10); // 100.6
    expect(fill.liquidity).toBe("taker");
    expect(fill.fee).toBeCloseTo(251.5 * 0.002, 8);
    expect(balanceOf(venue, "BTC").free).toBeCloseTo(12.5, 10);
    expect(balanceOf(venue, "USDT").free).toBeCloseTo(100_000 - 251.5 - 0.503, 8);

    // The liquidity used is gone from this snapshot: the next buy starts at the rest of 101.
    const second = await venue.submit(order({ side: "buy", type: "market", quantity: 1 }));
    expect(second.fills[0].price).toBeCloseTo((101 * 0.5 + 102 * 0.5) / 1, 10);
  });

  it("without a book a market order fills at the last price moved by the configured slippage", async () => {
    const { venue } = setup({ slippageBps: 10 });
    venue.onTrade(SYMBOL, 200, 1_000);
    const buy = await venue.submit(order({ side: "buy", quantity: 1 }));
    const sell = await venue.submit(order({ side: "sell", quantity: 1 }));
    expect(buy.fills[0].price).toBeCloseTo(200 * 1.001, 10);
    expect(sell.fills[0].price).toBeCloseTo(200 * 0.999, 10);
  });

  it("a market order with no price known is rejected, not filled at a made-up price", async () => {
    const { venue } = setup();
    const result = await venue.submit(order({ side: "buy", quantity: 1 }));
    expect(result.status).toBe("rejected");
    expect(result.errorCode).toBe("NO_MARKET_PRICE");
    expect(result.fills).toHaveLength(0);
  });

  it("a limit buy rests below the market and fills at its price with the maker fee when the price touches it", async () => {
    const { venue, updates } = setup();
    venue.onTrade(SYMBOL, 100, 1_000);
    const placed = await venue.submit(order({ side: "buy", type: "limit", quantity: 1, price: 98 }));
    expect(placed.status).toBe("submitted");
    expect(balanceOf(venue, "USDT").locked).toBeCloseTo(98 * 1.002, 8);

    venue.onTrade(SYMBOL, 99, 2_000);
    expect(updates.at(-1)!.status).toBe("submitted");

    venue.onTrade(SYMBOL, 98, 3_000);
    const last = updates.at(-1)!;
    expect(last.status).toBe("filled");
    expect(last.fills[0]).toMatchObject({ price: 98, quantity: 1, liquidity: "maker", timestamp: 3_000 });
    expect(last.fills[0].fee).toBeCloseTo(98 * 0.001, 10);
    expect(balanceOf(venue, "USDT").locked).toBeCloseTo(0, 8);
    expect(balanceOf(venue, "USDT").free).toBeCloseTo(100_000 - 98 - 0.098, 8);
  });

  it("with the cross rule a touch is not enough: the price must trade through the limit", async () => {
    const { venue, updates } = setup({ limitFillRule: "cross" });
    venue.onTrade(SYMBOL, 100, 1_000);
    await venue.submit(order({ side: "sell", type: "limit", quantity: 1, price: 102 }));
    venue.onTrade(SYMBOL, 102, 2_000);
    expect(updates.at(-1)!.status).toBe("submitted");
    venue.onTrade(SYMBOL, 102.5, 3_000);
    expect(updates.at(-1)!.status).toBe("filled");
    expect(updates.at(-1)!.fills[0].price).toBe(102);
  });

  it("a resting limit inside a closed candle's range fills at the limit, stamped at the candle close", async () => {
    const { venue, updates } = setup();
    venue.onCandle(candle(0, 100, 101, 99.5, 100.5));
    await venue.submit(order({ side: "buy", type: "limit", quantity: 1, price: 98 }));
    venue.onCandle(candle(60_000, 100.5, 101, 98.5, 99)); // low 98.5: not touched
    expect(updates.at(-1)!.status).toBe("submitted");
    venue.onCandle(candle(120_000, 99, 99.5, 97.5, 98.8));
    expect(updates.at(-1)!.status).toBe("filled");
    expect(updates.at(-1)!.fills[0]).toMatchObject({ price: 98, liquidity: "maker", timestamp: 180_000 });
  });

  it("thin book: a marketable GTC limit fills what the book holds within the limit and rests the rest", async () => {
    const { venue, updates } = setup();
    venue.onBook(book(1_000, [[100, 0.4], [100.5, 0.3], [103, 10]]));
    const result = await venue.submit(order({ side: "buy", type: "limit", quantity: 1, price: 101 }));
    expect(result.status).toBe("partially_filled");
    expect(result.filledQuantity).toBeCloseTo(0.7, 12);
    expect(result.fills[0].price).toBeCloseTo((100 * 0.4 + 100.5 * 0.3) / 0.7, 10);
    expect(result.fills[0].liquidity).toBe("taker");

    // The remaining 0.3 rests at 101 and fills as maker when a trade reaches it.
    venue.onTrade(SYMBOL, 101, 2_000);
    const last = updates.at(-1)!;
    expect(last.status).toBe("filled");
    expect(last.fills[0]).toMatchObject({ price: 101, liquidity: "maker" });
    expect(last.fills[0].quantity).toBeCloseTo(0.3, 12);
    expect(last.filledQuantity).toBeCloseTo(1, 12);
  });

  it("a resting limit takes only what a new book shows at its price (partial fill on a book update)", async () => {
    const { venue, clock, updates } = setup();
    venue.onBook(book(1_000, [[105, 5]]));
    await venue.submit(order({ side: "buy", type: "limit", quantity: 1, price: 101 }));
    clock.set(2_000);
    venue.onBook(book(2_000, [[100.5, 0.25], [101, 0.25], [101.5, 3]]));
    const last = updates.at(-1)!;
    expect(last.status).toBe("partially_filled");
    expect(last.fills[0]).toMatchObject({ price: 101, liquidity: "maker" });
    expect(last.fills[0].quantity).toBeCloseTo(0.5, 12);
  });

  it("IOC fills what the thin book holds and expires the remainder, releasing the locked funds", async () => {
    const { venue } = setup();
    venue.onBook(book(1_000, [[100, 0.4], [100.5, 0.3], [103, 10]]));
    const result = await venue.submit(order({ side: "buy", type: "limit", quantity: 1, price: 101, timeInForce: "IOC" }));
    expect(result.status).toBe("expired");
    expect(result.filledQuantity).toBeCloseTo(0.7, 12);
    expect(result.reason).toMatch(/IOC/);
    expect(balanceOf(venue, "USDT").locked).toBeCloseTo(0, 8);
  });

  it("FOK is all or nothing", async () => {
    const { venue } = setup();
    venue.onBook(book(1_000, [[100, 0.4], [100.5, 0.3], [103, 10]]));
    const tooBig = await venue.submit(order({ side: "buy", type: "limit", quantity: 1, price: 101, timeInForce: "FOK" }));
    expect(tooBig.status).toBe("expired");
    expect(tooBig.filledQuantity).toBe(0);
    expect(tooBig.fills).toHaveLength(0);

    const fits = await venue.submit(order({ side: "buy", type: "limit", quantity: 0.6, price: 101, timeInForce: "FOK" }));
    expect(fits.status).toBe("filled");
    expect(fits.filledQuantity).toBeCloseTo(0.6, 12);
  });

  it("a market order larger than the visible book fills the book and the rest expires", async () => {
    const { venue } = setup();
    venue.onBook(book(1_000, [[100, 0.5], [101, 0.5]]));
    const result = await venue.submit(order({ side: "buy", quantity: 3 }));
    expect(result.status).toBe("expired");
    expect(result.filledQuantity).toBeCloseTo(1, 12);
    expect(result.reason).toMatch(/book exhausted/);
  });

  it("latency: the order fills at the price of its arrival time, not of its submit time", async () => {
    const scheduler = new ManualScheduler();
    const { venue, clock, updates } = setup({ latencyMs: 500, scheduler, slippageBps: 0 });
    venue.onTrade(SYMBOL, 100, 1_000);
    const ack = await venue.submit(order({ side: "buy", quantity: 1 }));
    expect(ack.status).toBe("submitted");
    expect(ack.fills).toHaveLength(0);
    expect(venue.inFlight).toBe(1);

    clock.set(1_300);
    venue.onTrade(SYMBOL, 101, 1_300);
    expect(venue.inFlight).toBe(1);

    clock.set(1_500);
    scheduler.runDue(clock.now());
    const last = updates.at(-1)!;
    expect(last.status).toBe("filled");
    expect(last.fills[0]).toMatchObject({ price: 101, timestamp: 1_500 });
  });

  it("latency without timers: a later market event releases the order at the price before that event", async () => {
    const { venue, updates } = setup({ latencyMs: 500, slippageBps: 0 });
    venue.onTrade(SYMBOL, 100, 1_000);
    await venue.submit(order({ side: "buy", quantity: 1 }));
    venue.onTrade(SYMBOL, 101, 1_300);
    venue.onTrade(SYMBOL, 105, 1_600); // the order arrived at 1 500, while the price was 101
    expect(updates.at(-1)!.fills[0].price).toBe(101);
  });

  it("long BTC protected by a stop-loss-limit: the stop triggers when the price falls to it and sells as taker", async () => {
    const { venue, updates } = setup({ slippageBps: 5 });
    venue.onTrade(SYMBOL, 100, 1_000);
    const stop = await venue.submit(order({ side: "sell", type: "stop_loss_limit", quantity: 1, stopPrice: 95, price: 94.5 }));
    expect(stop.status).toBe("submitted");
    expect(balanceOf(venue, "BTC").locked).toBe(1);

    venue.onTrade(SYMBOL, 96, 2_000);
    expect(updates.at(-1)!.fills).toHaveLength(0);

    // The first trade at or below the stop is 94.8: the stop triggers there (no trade happened at 95).
    venue.onTrade(SYMBOL, 94.8, 3_000);
    const last = updates.at(-1)!;
    expect(last.status).toBe("filled");
    expect(last.fills[0].liquidity).toBe("taker");
    expect(last.fills[0].price).toBeCloseTo(94.8 * (1 - 0.0005), 10);
    expect(balanceOf(venue, "BTC")).toMatchObject({ free: 9, locked: 0 });
  });

  it("a take-profit-limit sell triggers on the way up inside a candle", async () => {
    const { venue, updates } = setup({ slippageBps: 0 });
    venue.onCandle(candle(0, 100, 100, 100, 100));
    await venue.submit(order({ side: "sell", type: "take_profit_limit", quantity: 1, stopPrice: 104, price: 103.5 }));
    venue.onCandle(candle(60_000, 100, 105, 99, 101));
    const last = updates.at(-1)!;
    expect(last.status).toBe("filled");
    expect(last.fills[0].price).toBe(104);
  });

  it("a stop gapped through its limit rests as a limit and fills only if the price comes back", async () => {
    const { venue, updates } = setup({ slippageBps: 0 });
    venue.onCandle(candle(0, 100, 100, 100, 100));
    await venue.submit(order({ side: "sell", type: "stop_loss_limit", quantity: 1, stopPrice: 95, price: 94.5 }));
    venue.onCandle(candle(60_000, 93, 94, 92, 93.5)); // opens below the limit: triggered, not fillable
    expect(updates.at(-1)!.status).toBe("submitted");
    expect(updates.at(-1)!.filledQuantity).toBe(0);
    venue.onCandle(candle(120_000, 93.5, 95, 93, 94.8)); // comes back to 94.5
    expect(updates.at(-1)!.status).toBe("filled");
    expect(updates.at(-1)!.fills[0]).toMatchObject({ price: 94.5, liquidity: "maker" });
  });

  it("a stop whose price has already traded is rejected, as Binance does", async () => {
    const { venue } = setup();
    venue.onTrade(SYMBOL, 94, 1_000);
    const result = await venue.submit(order({ side: "sell", type: "stop_loss_limit", quantity: 1, stopPrice: 95, price: 94.5 }));
    expect(result.status).toBe("rejected");
    expect(result.errorCode).toBe("WOULD_TRIGGER_IMMEDIATELY");
  });

  it("rejects an order the balance cannot pay for", async () => {
    const { venue } = setup({ balances: { USDT: 50 } });
    venue.onTrade(SYMBOL, 100, 1_000);
    const buy = await venue.submit(order({ side: "buy", quantity: 1 }));
    expect(buy.status).toBe("rejected");
    expect(buy.errorCode).toBe("INSUFFICIENT_FUNDS");
    const sell = await venue.submit(order({ side: "sell", quantity: 1 }));
    expect(sell.errorCode).toBe("INSUFFICIENT_FUNDS");
    expect(balanceOf(venue, "USDT")).toMatchObject({ free: 50, locked: 0 });
  });

  it("is idempotent by client order id: a resubmit returns the same order and does not trade twice", async () => {
    const { venue } = setup({ slippageBps: 0 });
    venue.onTrade(SYMBOL, 100, 1_000);
    const request = order({ side: "buy", quantity: 1 });
    const first = await venue.submit(request);
    const again = await venue.submit(request);
    expect(again.venueOrderId).toBe(first.venueOrderId);
    expect(balanceOf(venue, "BTC").free).toBe(11);
    expect(await venue.fetchFills(SYMBOL, 0)).toHaveLength(1);
  });

  it("cancel releases the locked funds; cancelling again returns the final state", async () => {
    const { venue } = setup();
    venue.onTrade(SYMBOL, 100, 1_000);
    const placed = await venue.submit(order({ side: "buy", type: "limit", quantity: 2, price: 90 }));
    const cancelled = await venue.cancel(placed.clientOrderId, SYMBOL);
    expect(cancelled.status).toBe("cancelled");
    expect(balanceOf(venue, "USDT")).toMatchObject({ free: 100_000, locked: 0 });
    expect((await venue.cancel(placed.clientOrderId, SYMBOL)).status).toBe("cancelled");
    await expect(venue.cancel("tk-nope", SYMBOL)).rejects.toSatisfy((e) => isVenueError(e, "ORDER_NOT_FOUND"));
  });

  it("snaps to the instrument grid and refuses orders below its minimums", async () => {
    const { venue } = setup({
      instruments: [{ symbol: SYMBOL, base: "BTC", quote: "USDT", tickSize: 0.01, stepSize: 0.001, minQty: 0.001, maxQty: 100, minNotional: 10 }],
    });
    venue.onTrade(SYMBOL, 100, 1_000);
    const snapped = await venue.submit(order({ side: "buy", type: "limit", quantity: 0.12345, price: 99.987 }));
    expect(snapped.quantity).toBe(0.123);
    expect(snapped.price).toBe(99.99);
    await expect(venue.submit(order({ side: "buy", type: "limit", quantity: 0.05, price: 99 }))).rejects.toSatisfy(
      (e) => isVenueError(e, "INVALID_ORDER") && /minimum 10/.test((e as Error).message),
    );
  });

  it("refuses malformed requests and market data with a clear error and keeps its state", async () => {
    const { venue } = setup();
    venue.onTrade(SYMBOL, 100, 1_000);
    await expect(venue.submit(order({ quantity: Number.NaN }))).rejects.toSatisfy((e) => isVenueError(e, "INVALID_ORDER"));
    await expect(venue.submit(order({ type: "limit", price: undefined }))).rejects.toSatisfy((e) => isVenueError(e, "INVALID_ORDER"));
    expect(() => venue.onTrade(SYMBOL, Number.NaN, 2_000)).toThrow(/not a positive price/);
    expect(() => venue.onCandle(candle(0, 100, 99, 98, 100))).toThrow(/not a valid candle/);
    expect(() => venue.onBook(book(2_000, [[101, 1], [100, 1]]))).toThrow(/not sorted/);
    expect(venue.lastPrice(SYMBOL)).toBe(100);
  });

  it("restores open orders after a restart so they keep resting", async () => {
    const { venue, updates } = setup();
    venue.restoreOrders([
      {
        ...order({ side: "buy", type: "limit", quantity: 1, price: 95 }),
        mode: "paper",
        status: "submitted",
        venueOrderId: "paper-O7",
        filledQuantity: 0,
        avgFillPrice: 0,
        fee: 0,
        updatedAt: 0,
      },
    ]);
    expect(await venue.fetchOpenOrders(SYMBOL)).toHaveLength(1);
    venue.onTrade(SYMBOL, 100, 1_000);
    venue.onTrade(SYMBOL, 94, 2_000);
    expect(updates.at(-1)).toMatchObject({ status: "filled", venueOrderId: "paper-O7" });
  });

  describe("exact quantities (issue 12: a position can always be closed)", () => {
    const ETH = "ETH/USDT";
    const ethInstrument = { symbol: ETH, base: "ETH", quote: "USDT", tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, maxQty: 9_000, minNotional: 5 };
    const ethBook = (timestamp: number, asks: [number, number][], bids: [number, number][] = [[1_990, 5]]): OrderBook => ({
      ...book(timestamp, asks, bids),
      symbol: ETH,
    });
    const eth = (overrides: Partial<OrderRequest>) => order({ symbol: ETH, ...overrides });

    /** A limit buy of 0.06 ETH at 2 000 filled in three pieces by thin books, then cancelled: 0.0513 held. */
    async function partiallyFilledLong(options: Partial<PaperVenueOptions> = {}) {
      const ctx = setup({ balances: { USDT: 1_000 }, instruments: [ethInstrument], ...options });
      const { venue, clock } = ctx;
      venue.onTrade(ETH, 2_010, 1_000);
      const entry = await venue.submit(eth({ side: "buy", type: "limit", quantity: 0.06, price: 2_000 }));
      const pieces = [0.0004, 0.0447, 0.0062];
      for (const [i, piece] of pieces.entries()) {
        clock.set(2_000 + i * 1_000);
        venue.onBook(ethBook(clock.now(), [[2_000, piece], [2_020, 5]]));
      }
      const entryState = (await venue.fetchOrder(entry.clientOrderId, ETH))!;
      await venue.cancel(entry.clientOrderId, ETH);
      return { ...ctx, entry: entryState, pieces };
    }

    it("partially filled long, stopped out, closes in full", async () => {
      const { venue, clock, updates, entry, pieces } = await partiallyFilledLong();
      expect(entry.status).toBe("partially_filled");
      expect(0.0004 + 0.0447 + 0.0062).toBeLessThan(0.0513); // what a float sum of the pieces gives
      expect(entry.filledQuantity).toBe(0.0513);
      expect(balanceOf(venue, "ETH")).toEqual({ asset: "ETH", free: 0.0513, locked: 0 });
      expect(balanceOf(venue, "USDT").locked).toBe(0);
      expect(pieces).toHaveLength(3);

      // The protective stop for the position's quantity is accepted (it was INSUFFICIENT_FUNDS).
      const stop = await venue.submit(eth({ side: "sell", type: "stop_loss_limit", quantity: 0.0513, stopPrice: 1_950, price: 1_940, intent: "exit", reduceOnly: true }));
      expect(stop.status).toBe("submitted");
      expect(balanceOf(venue, "ETH")).toMatchObject({ free: 0, locked: 0.0513 });

      clock.set(10_000);
      venue.onTrade(ETH, 1_948, 10_000);
      const last = updates.at(-1)!;
      expect(last).toMatchObject({ clientOrderId: stop.clientOrderId, status: "filled", filledQuantity: 0.0513 });
      expect(balanceOf(venue, "ETH")).toEqual({ asset: "ETH", free: 0, locked: 0 });
    });

    it("a market exit of the whole position is accepted after many partial fills of odd sizes", async () => {
      const { venue, clock } = setup({ balances: { USDT: 100_000 }, instruments: [{ ...ethInstrument, minNotional: 0 }] });
      venue.onTrade(ETH, 2_000, 1_000);
      let held = 0;
      const sizes = [0.0171, 0.0213, 0.0129, 0.0004, 0.0447, 0.0062, 0.0333, 0.0101];
      for (let round = 0; round < 25; round++) {
        for (const size of sizes) {
          clock.set(clock.now() + 1);
          venue.onBook(ethBook(clock.now(), [[2_000, size], [2_100, 10]]));
          const buy = await venue.submit(eth({ side: "buy", type: "limit", quantity: size, price: 2_000, timeInForce: "IOC" }));
          expect(buy.status).toBe("filled");
          held = Number((held + size).toFixed(4));
        }
      }
      expect(balanceOf(venue, "ETH").free).toBe(held);
      const exit = await venue.submit(eth({ side: "sell", type: "market", quantity: held, intent: "exit", reduceOnly: true }));
      expect(exit.errorCode).toBeUndefined();
      expect(exit.status).toBe("filled");
      expect(balanceOf(venue, "ETH")).toEqual({ asset: "ETH", free: 0, locked: 0 });
    });

    it("with the fee taken from the coins bought, the holding is the fills minus their base fees, and all of it can be sold", async () => {
      const { venue, clock, entry } = await partiallyFilledLong({ feeAsset: "received" });
      const fills = await venue.fetchFills(ETH, 0);
      expect(fills).toHaveLength(3);
      for (const fill of fills) {
        expect(fill.baseFee).toBe(Number((fill.quantity * 0.001).toFixed(8)));
        expect(fill.fee).toBe(Number((fill.baseFee! * fill.price).toFixed(8)));
      }
      // 0.0513 bought, 0.00005130 withheld: 0.0512487 held; quote paid is the notional only.
      expect(entry.filledQuantity).toBe(0.0513);
      expect(balanceOf(venue, "ETH")).toEqual({ asset: "ETH", free: 0.0512487, locked: 0 });
      expect(balanceOf(venue, "USDT")).toEqual({ asset: "USDT", free: 897.4, locked: 0 });

      // The exit sells what is held, floored to the step; dust below one step stays.
      clock.set(10_000);
      venue.onTrade(ETH, 1_990, 10_000);
      const exit = await venue.submit(eth({ side: "sell", type: "market", quantity: 0.0512487, intent: "exit", reduceOnly: true }));
      expect(exit).toMatchObject({ status: "filled", quantity: 0.0512, filledQuantity: 0.0512 });
      expect(exit.fills[0].baseFee).toBeUndefined(); // a sell pays in the quote it receives
      expect(balanceOf(venue, "ETH")).toEqual({ asset: "ETH", free: 0.0000487, locked: 0 });
    });

    it("fees default to the quote asset: a buy is credited the full quantity and no base fee is reported", async () => {
      const { venue } = await partiallyFilledLong();
      const fills = await venue.fetchFills(ETH, 0);
      expect(fills.every((f) => f.baseFee === undefined)).toBe(true);
      expect(balanceOf(venue, "USDT")).toEqual({ asset: "USDT", free: 897.2974, locked: 0 });
    });

    it("a limit buy's lock is released exactly: nothing stays locked after partial fills and a cancel", async () => {
      const { venue } = await partiallyFilledLong();
      expect(balanceOf(venue, "USDT").locked).toBe(0);
      const { venue: received } = await partiallyFilledLong({ feeAsset: "received" });
      expect(balanceOf(received, "USDT").locked).toBe(0);
    });

    it("without an instrument, quantities are taken at 8 decimals", async () => {
      const { venue } = setup({ slippageBps: 0 });
      venue.onTrade(SYMBOL, 100, 1_000);
      const buy = await venue.submit(order({ side: "buy", quantity: 0.1 + 0.2 }));
      expect(buy.quantity).toBe(0.3);
      expect(balanceOf(venue, "BTC").free).toBe(10.3);
      await expect(venue.submit(order({ side: "buy", quantity: 1e-9 }))).rejects.toSatisfy((e) => isVenueError(e, "INVALID_ORDER"));
    });
  });
});
