import { TIMEFRAME_MS, type Candle, type OrderBook, type OrderBookLevel, type Timeframe } from "../model/types";
import type { CcxtOrderBook, CcxtTicker, CcxtTrade, MarketTicker, MarketTrade, OHLCV } from "./types";

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isPositive = (v: unknown): v is number => isFiniteNumber(v) && v > 0;

/**
 * Why a candle cannot be used, or undefined when it is sound. Checks one candle on its own:
 * sequence rules (monotonic, no duplicates) are checked by whoever knows the previous candle.
 */
export function candleProblem(candle: Candle): string | undefined {
  const { openTime, open, high, low, close, volume } = candle;
  if (typeof candle.symbol !== "string" || candle.symbol.length === 0) return "missing symbol";
  if (!isFiniteNumber(openTime) || !Number.isInteger(openTime) || openTime < 0) {
    return `open time ${String(openTime)} is not a non-negative integer of milliseconds`;
  }
  const tfMs = TIMEFRAME_MS[candle.timeframe];
  if (tfMs === undefined) return `unknown timeframe ${String(candle.timeframe)}`;
  if (openTime % tfMs !== 0) {
    return `open time ${new Date(openTime).toISOString()} is not aligned to ${candle.timeframe}`;
  }
  for (const [name, value] of [
    ["open", open],
    ["high", high],
    ["low", low],
    ["close", close],
  ] as const) {
    if (!isPositive(value)) return `${name} ${String(value)} is not a finite positive price`;
  }
  if (!isFiniteNumber(volume) || volume < 0) return `volume ${String(volume)} is not a finite non-negative number`;
  if (low > high) return `low ${low} is above high ${high}`;
  if (open < low || open > high) return `open ${open} is outside low..high ${low}..${high}`;
  if (close < low || close > high) return `close ${close} is outside low..high ${low}..${high}`;
  return undefined;
}

/** Why `openTime` cannot follow `previousOpenTime` in one series, or undefined when it can. */
export function sequenceProblem(previousOpenTime: number | undefined, openTime: number): string | undefined {
  if (previousOpenTime === undefined) return undefined;
  if (openTime === previousOpenTime) return `duplicate open time ${new Date(openTime).toISOString()}`;
  if (openTime < previousOpenTime) {
    return `open time ${new Date(openTime).toISOString()} goes back before ${new Date(previousOpenTime).toISOString()}`;
  }
  return undefined;
}

/** ccxt OHLCV row → Candle. Values are copied: ccxt mutates its cached rows in place. */
export function candleFromOhlcv(row: OHLCV, symbol: string, timeframe: Timeframe, closed: boolean): Candle {
  return {
    symbol,
    timeframe,
    openTime: row[0] as number,
    open: row[1] as number,
    high: row[2] as number,
    low: row[3] as number,
    close: row[4] as number,
    volume: row[5] as number,
    closed,
  };
}

/** Converts and validates a ccxt order book, keeping the best `depth` levels per side. */
export function orderBookFromCcxt(
  book: CcxtOrderBook,
  symbol: string,
  depth: number,
): { book: OrderBook; problem?: undefined } | { book?: undefined; problem: string } {
  if (!book || !Array.isArray(book.bids) || !Array.isArray(book.asks)) {
    return { problem: "order book without bids/asks arrays" };
  }
  const bids = copyLevels(book.bids, depth, "bid");
  if (typeof bids === "string") return { problem: bids };
  const asks = copyLevels(book.asks, depth, "ask");
  if (typeof asks === "string") return { problem: asks };
  for (let i = 1; i < bids.length; i++) {
    if (bids[i].price >= bids[i - 1].price) return { problem: `bids not strictly descending at level ${i}` };
  }
  for (let i = 1; i < asks.length; i++) {
    if (asks[i].price <= asks[i - 1].price) return { problem: `asks not strictly ascending at level ${i}` };
  }
  if (bids.length > 0 && asks.length > 0 && bids[0].price >= asks[0].price) {
    return { problem: `crossed book: best bid ${bids[0].price} >= best ask ${asks[0].price}` };
  }
  const timestamp = book.timestamp;
  if (timestamp !== undefined && !(isFiniteNumber(timestamp) && timestamp >= 0)) {
    return { problem: `timestamp ${String(timestamp)} is not a valid time` };
  }
  return { book: { symbol, timestamp: timestamp ?? 0, bids, asks } };
}

function copyLevels(levels: CcxtOrderBook["bids"], depth: number, side: string): OrderBookLevel[] | string {
  const n = Math.min(levels.length, depth);
  const out: OrderBookLevel[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const level = levels[i];
    const price = level?.[0];
    const quantity = level?.[1];
    if (!isPositive(price)) return `${side} level ${i} price ${String(price)} is not a finite positive number`;
    if (!isFiniteNumber(quantity) || quantity < 0) {
      return `${side} level ${i} quantity ${String(quantity)} is not a finite non-negative number`;
    }
    out[i] = { price, quantity };
  }
  return out;
}

export function tradeFromCcxt(
  trade: CcxtTrade,
  symbol: string,
): { trade: MarketTrade; problem?: undefined } | { trade?: undefined; problem: string } {
  if (!trade) return { problem: "empty trade" };
  if (!isPositive(trade.price)) return { problem: `price ${String(trade.price)} is not a finite positive number` };
  if (!isPositive(trade.amount)) return { problem: `amount ${String(trade.amount)} is not a finite positive number` };
  if (!isFiniteNumber(trade.timestamp) || trade.timestamp < 0) {
    return { problem: `timestamp ${String(trade.timestamp)} is not a valid time` };
  }
  const side = trade.side === "buy" || trade.side === "sell" ? trade.side : undefined;
  return {
    trade: {
      symbol,
      id: trade.id ?? `${trade.timestamp}-${trade.price}-${trade.amount}`,
      timestamp: trade.timestamp,
      price: trade.price,
      amount: trade.amount,
      side,
    },
  };
}

const optionalFinite = (v: unknown): number | undefined => (isFiniteNumber(v) ? v : undefined);

export function tickerFromCcxt(
  ticker: CcxtTicker,
  symbol: string,
): { ticker: MarketTicker; problem?: undefined } | { ticker?: undefined; problem: string } {
  if (!ticker) return { problem: "empty ticker" };
  const last = ticker.last ?? ticker.close;
  if (!isPositive(last)) return { problem: `last price ${String(last)} is not a finite positive number` };
  if (!isFiniteNumber(ticker.timestamp) || ticker.timestamp < 0) {
    return { problem: `timestamp ${String(ticker.timestamp)} is not a valid time` };
  }
  const open24h = isPositive(ticker.open) ? ticker.open : undefined;
  const change24h = optionalFinite(ticker.change) ?? (open24h !== undefined ? last - open24h : undefined);
  const changePct24h =
    optionalFinite(ticker.percentage) ?? (open24h !== undefined ? ((last - open24h) / open24h) * 100 : undefined);
  return {
    ticker: {
      symbol,
      timestamp: ticker.timestamp,
      last,
      bid: optionalFinite(ticker.bid),
      ask: optionalFinite(ticker.ask),
      open24h,
      high24h: optionalFinite(ticker.high),
      low24h: optionalFinite(ticker.low),
      change24h,
      changePct24h,
      baseVolume24h: optionalFinite(ticker.baseVolume),
      quoteVolume24h: optionalFinite(ticker.quoteVolume),
      source: "venue",
    },
  };
}
