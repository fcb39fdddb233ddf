import { z } from "zod";

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
