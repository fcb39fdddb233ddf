import { z } from "zod";
import { AppError } from "../core/errors";
import { TIMEFRAMES, type Timeframe } from "../model/types";
import { candleDto, orderBookDto } from "../engine";
import { requireSymbol, type UseCaseDeps } from "./context";
import type { CandlesResponse, SymbolDto } from "../contract";

/** Symbols, candles and order books: what the charts read. */

export const candlesQuery = z.object({
  symbol: z.string().min(1),
  timeframe: z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]).default("1m"),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
export const orderBookQuery = z.object({ symbol: z.string().min(1), depth: z.coerce.number().int().min(1).max(100).default(20) });

export function marketUseCases({ engine }: UseCaseDeps) {
  return {
    symbols() {
      return [...engine.instruments.values()].map((i) => {
        const ticker = engine.market.lastTicker(i.symbol);
        return { symbol: i.symbol, base: i.base, quote: i.quote, last: ticker?.last ?? null, change24hPct: ticker?.changePct24h ?? null, simulated: engine.venue.simulated, tickSize: i.tickSize, stepSize: i.stepSize } satisfies SymbolDto;
      });
    },

    async candles(q: z.infer<typeof candlesQuery>) {
      requireSymbol(engine, q.symbol);
      let candles = engine.market.recentCandles(q.symbol, q.timeframe, q.limit);
      if (candles.length < q.limit) {
        const stored = await engine.candleStore.loadLatest(q.symbol, q.timeframe, q.limit);
        const newest = candles[0]?.openTime ?? Number.POSITIVE_INFINITY;
        candles = [...stored.filter((c) => c.openTime < newest), ...candles].slice(-q.limit);
      }
      const forming = engine.market.formingCandle(q.symbol, q.timeframe);
      const out = candles.map(candleDto);
      if (forming && (!candles.length || forming.openTime > candles[candles.length - 1].openTime)) out.push(candleDto(forming));
      return { symbol: q.symbol, timeframe: q.timeframe, simulated: engine.venue.simulated, candles: out } satisfies CandlesResponse;
    },

    orderBook(q: z.infer<typeof orderBookQuery>) {
      requireSymbol(engine, q.symbol);
      const book = engine.market.lastOrderBook(q.symbol);
      if (!book) throw new AppError("NO_ORDER_BOOK_YET", `no order book received for ${q.symbol} yet`, 503);
      return orderBookDto(book, q.depth, engine.venue.simulated);
    },
  };
}
