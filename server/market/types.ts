import type { OHLCV, OrderBook as CcxtOrderBook, Ticker as CcxtTicker, Trade as CcxtTrade } from "ccxt";
import type { Candle, OrderBook, Side, Timeframe } from "../model/types";

/**
 * The part of a ccxt (pro) exchange instance the market data layer uses. A real `ccxt.pro.binance`
 * satisfies it; tests pass a small fake. Optional members are feature-detected at run time.
 */
export interface MarketExchange {
  readonly id: string;
  /** Milliseconds between REST requests that ccxt's throttler keeps (informational; ccxt enforces it). */
  rateLimit?: number;
  has: Record<string, boolean | string | undefined>;
  fetchOHLCV(
    symbol: string,
    timeframe?: string,
    since?: number,
    limit?: number,
    params?: Record<string, unknown>,
  ): Promise<OHLCV[]>;
  watchOHLCV?(
    symbol: string,
    timeframe?: string,
    since?: number,
    limit?: number,
    params?: Record<string, unknown>,
  ): Promise<OHLCV[]>;
  watchOrderBook?(symbol: string, limit?: number, params?: Record<string, unknown>): Promise<CcxtOrderBook>;
  watchTrades?(symbol: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<CcxtTrade[]>;
  watchTicker?(symbol: string, params?: Record<string, unknown>): Promise<CcxtTicker>;
  /** The venue's clock (Binance: GET /api/v3/time). */
  fetchTime?(params?: Record<string, unknown>): Promise<number | undefined>;
}

/** A public trade print from the venue's trade stream. */
export interface MarketTrade {
  symbol: string;
  id: string;
  timestamp: number;
  price: number;
  amount: number;
  /** Taker side; undefined when the venue does not say. */
  side?: Side;
}

/** Last price and 24h statistics of one symbol. */
export interface MarketTicker {
  symbol: string;
  timestamp: number;
  last: number;
  bid?: number;
  ask?: number;
  /** Price 24h ago (the open of the rolling 24h window). */
  open24h?: number;
  high24h?: number;
  low24h?: number;
  /** last - open24h */
  change24h?: number;
  /** change24h / open24h * 100 */
  changePct24h?: number;
  baseVolume24h?: number;
  quoteVolume24h?: number;
  /** "venue" when the exchange's ticker stream sent it, "derived" when computed from 1m candles. */
  source: "venue" | "derived";
}

export type StreamKind = "ohlcv" | "orderbook" | "trades" | "ticker";
export type ConnectionState = "connecting" | "live" | "reconnecting" | "down";

export interface StreamStatus {
  symbol: string;
  stream: StreamKind;
  state: ConnectionState;
  /** Local time the stream entered `state`. */
  stateSince: number;
  /** Local time of the last message, undefined before the first one. */
  lastMessageAt?: number;
  /** Local now minus lastMessageAt at the time the status was taken. */
  lastMessageAgeMs?: number;
  /**
   * Exchange clock minus the message's own timestamp at receipt (trades, tickers, books carry one).
   * Meaningful only when the service knows the exchange clock (option `exchangeClock`).
   */
  latencyMs?: number;
  /** Connection attempts that failed since the stream was last live. */
  failures: number;
  /** Times the stream came back after an error. */
  reconnects: number;
  lastError?: string;
}

/** Where a delivered closed 1m candle came from. Higher timeframes are always "aggregated". */
export type CandleSource = "warmup" | "stream" | "backfill" | "filled" | "aggregated";

export interface CandleEvent {
  candle: Candle;
  source: CandleSource;
  /** Part of the start-up history rather than a candle that just closed (the UI may skip these). */
  warmup: boolean;
}

export type InvalidKind = "candle" | "orderbook" | "trade" | "ticker";

export interface InvalidDataReport {
  kind: InvalidKind;
  symbol: string;
  /** Where the bad item came from: "stream", "rest", "store". */
  origin: "stream" | "rest" | "store";
  reason: string;
  /** The offending item, for logs and the UI (never passed on as data). */
  item: unknown;
  /** What the service did instead. */
  action: string;
}

/** Emitted after missing closed 1m candles were recovered over REST (or filled, see holePolicy). */
export interface BackfillReport {
  symbol: string;
  /** First missing open time (inclusive). */
  from: number;
  /** End of the recovered range (exclusive). */
  to: number;
  /** Candles recovered from REST. */
  fetched: number;
  /** Minutes the venue had no candle for, filled flat with zero volume. */
  filled: number;
  /** Minutes the venue had no candle for and that were skipped (holePolicy "skip"). */
  skipped: number;
  reason: string;
}

export interface MarketEvents {
  /** A closed candle (every timeframe), exactly once per (symbol, timeframe, openTime), in order. */
  candle: CandleEvent;
  /** The forming candle of a timeframe changed. */
  "candle:update": Candle;
  orderbook: OrderBook;
  trade: MarketTrade;
  ticker: MarketTicker;
  status: StreamStatus;
  /** Data the venue's schema or sanity rules refuse (a warning: the venue sent something wrong). */
  invalid: InvalidDataReport;
  /**
   * A stream row for an already closed minute (re-sent after a reconnect, or the final update after
   * the clock closed the minute): expected, counted in candleStats() (duplicates, late), not a warning.
   */
  stale: InvalidDataReport;
  backfill: BackfillReport;
  /** A symbol's warm-up history is complete: its next closed candles are live (`warmup: false`). */
  warmup: { symbol: string; at: number };
}

/** The warm-up phase of the market data (GET /api/status `warmup`). */
export interface WarmupStatus {
  /** Every symbol's history is complete. */
  done: boolean;
  /** Mean of the symbols' progress, 0-1. */
  progress: number;
  symbols: Array<{ symbol: string; done: boolean; progress: number }>;
}

export type { OHLCV, CcxtOrderBook, CcxtTicker, CcxtTrade, Timeframe };
