import { TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";
import { withRetry, type RetryOptions } from "./retry";
import type { MarketExchange } from "./types";
import { candleFromOhlcv, candleProblem, sequenceProblem } from "./validation";

export interface FetchCandlesOptions {
  symbol: string;
  timeframe: Timeframe;
  /** First open time wanted (inclusive). */
  since: number;
  /** Stop before this open time (exclusive). Default: as far as the venue has candles. */
  until?: number;
  /**
   * A time by which the venue has closed every period ending at or before it. A candle counts as closed
   * when its period ends by then, or when the venue returned a later candle. Default: only the latter.
   */
  closedBy?: number;
  /** Candles per request (Binance allows 1000). */
  pageLimit?: number;
  retry?: RetryOptions;
  /** A row the venue sent was unusable; it is dropped. */
  onInvalid?: (row: unknown, reason: string) => void;
  /** Called after every request with the number of rows it returned. */
  onRequest?: (since: number, rows: number) => void;
}

export const DEFAULT_PAGE_LIMIT = 1000;

/**
 * Pages through `fetchOHLCV` from `since`, yielding validated closed candles in order, each page as one
 * array. Retries network errors with backoff (ccxt's own throttler spaces the requests by its
 * `rateLimit`; a RateLimitExceeded reply makes the backoff at least `rateLimitedMinMs`).
 */
export async function* fetchCandlePages(
  exchange: MarketExchange,
  options: FetchCandlesOptions,
): AsyncGenerator<Candle[], void, undefined> {
  const { symbol, timeframe } = options;
  const tfMs = TIMEFRAME_MS[timeframe];
  const until = options.until ?? Number.POSITIVE_INFINITY;
  const limit = options.pageLimit ?? DEFAULT_PAGE_LIMIT;
  let cursor = options.since;
  let lastOpenTime: number | undefined;
  // The newest candle seen so far may still be forming: it is held back until a later one shows up.
  let heldBack: Candle | undefined;

  while (cursor < until) {
    const since = cursor;
    // Ask for no more than the range needs: venues weigh big pages more (Binance: 1 up to 99 candles,
    // 5 for 1000), and ccxt's throttle makes every later request wait for that weight.
    const wanted = Number.isFinite(until) ? Math.ceil((until - since) / tfMs) : limit;
    const pageSize = Math.max(1, Math.min(limit, wanted));
    const rows = await withRetry(() => exchange.fetchOHLCV(symbol, timeframe, since, pageSize), options.retry);
    options.onRequest?.(since, rows?.length ?? 0);
    if (!Array.isArray(rows) || rows.length === 0) break;

    const page: Candle[] = [];
    let sawLater = false;
    for (const row of rows) {
      if (!Array.isArray(row)) {
        options.onInvalid?.(row, "row is not an array");
        continue;
      }
      const candle = candleFromOhlcv(row, symbol, timeframe, true);
      if (typeof candle.openTime === "number" && candle.openTime < cursor) continue; // venue sent earlier rows than asked
      const problem = candleProblem(candle) ?? sequenceProblem(lastOpenTime, candle.openTime);
      if (problem) {
        options.onInvalid?.(row, problem);
        continue;
      }
      lastOpenTime = candle.openTime;
      if (heldBack) page.push(heldBack);
      heldBack = undefined;
      if (candle.openTime >= until) {
        sawLater = true;
        break;
      }
      heldBack = candle;
    }
    if (heldBack && options.closedBy !== undefined && heldBack.openTime + tfMs <= options.closedBy) {
      page.push(heldBack);
      heldBack = undefined;
    }
    if (page.length > 0) yield page;
    if (sawLater || lastOpenTime === undefined || lastOpenTime + tfMs <= cursor) break;
    cursor = lastOpenTime + tfMs;
  }
}

/** All closed candles of a range (see fetchCandlePages), in one array. */
export async function fetchClosedCandles(exchange: MarketExchange, options: FetchCandlesOptions): Promise<Candle[]> {
  const out: Candle[] = [];
  for await (const page of fetchCandlePages(exchange, options)) {
    for (const candle of page) out.push(candle);
  }
  return out;
}
