import { z } from "zod";
import { orderSideSchema, timeframeSchema } from "./common";

/** One candle of `GET /api/candles` and the `candle` event (`time` is the open time, epoch ms). */
export const candleSchema = z.object({
  time: z.number(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  closed: z.boolean(),
});
export type CandleDto = z.infer<typeof candleSchema>;

/** [price, quantity], best first. */
export const bookLevelSchema = z.tuple([z.number(), z.number()]);
export type BookLevel = z.infer<typeof bookLevelSchema>;

/** `GET /api/orderbook` and the `orderbook` event. */
export const orderBookSchema = z.object({
  symbol: z.string(),
  timestamp: z.number(),
  simulated: z.boolean().optional(),
  bids: z.array(bookLevelSchema),
  asks: z.array(bookLevelSchema),
  spread: z.number().nullable(),
  mid: z.number().nullable(),
});
export type OrderBookDto = z.infer<typeof orderBookSchema>;

/** `GET /api/symbols` rows. */
export const symbolSchema = z.object({
  symbol: z.string(),
  base: z.string(),
  quote: z.string(),
  last: z.number().nullable(),
  change24hPct: z.number().nullable(),
  simulated: z.boolean(),
  tickSize: z.number().optional(),
  stepSize: z.number().optional(),
});
export type SymbolDto = z.infer<typeof symbolSchema>;

/** `GET /api/candles`. */
export const candlesResponseSchema = z.object({
  symbol: z.string(),
  timeframe: timeframeSchema,
  simulated: z.boolean(),
  candles: z.array(candleSchema),
});
export type CandlesResponse = z.infer<typeof candlesResponseSchema>;

/** The `candle` event: closed candles carry the stream's sequence number, forming ones repeat the last. */
export const candleEventSchema = z.object({ symbol: z.string(), timeframe: timeframeSchema, seq: z.number().optional(), candle: candleSchema });
export type CandleEventDto = z.infer<typeof candleEventSchema>;

/** The `ticker` event. */
export const tickerEventSchema = z.object({ symbol: z.string(), last: z.number(), change24hPct: z.number().nullable(), timestamp: z.number() });
export type TickerEventDto = z.infer<typeof tickerEventSchema>;

/** `market:trade` event: one print of the venue's public trades, for the trades tape. */
export const marketTradeSchema = z.object({
  symbol: z.string(),
  price: z.number(),
  quantity: z.number(),
  /** The aggressor's side. */
  side: orderSideSchema.nullable(),
  timestamp: z.number(),
  simulated: z.boolean().optional(),
});
export type MarketTradeDto = z.infer<typeof marketTradeSchema>;
