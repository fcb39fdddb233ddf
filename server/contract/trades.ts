import { z } from "zod";
import { modeSchema, pageSchema, positionSideSchema } from "./common";
import { orderSchema, riskCheckSchema } from "./orders";
import { signalSchema } from "./signals";

/**
 * `GET /api/trades` and `GET /api/trades/export` query: filters, sort and page. `mode` is any string
 * here (an unknown one gets the route's own 400); the browser names a Mode.
 */
export const tradesQuerySchema = z.object({
  mode: z.string().optional(),
  symbol: z.string().optional(),
  side: z.enum(["long", "short"]).optional(),
  strategy: z.string().optional(),
  result: z.enum(["win", "loss"]).optional(),
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  sort: z.enum(["closedAt", "pnl", "pnlPct", "symbol"]).default("closedAt"),
  order: z.enum(["asc", "desc"]).default("desc"),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export type TradesQueryDto = z.infer<typeof tradesQuerySchema>;
/** The columns the trade journal sorts by. */
export type TradeSortKey = TradesQueryDto["sort"];

/** `GET /api/trades` rows and the `trade:closed` event. */
export const tradeSchema = z.object({
  id: z.string(),
  mode: modeSchema,
  symbol: z.string(),
  side: positionSideSchema,
  quantity: z.number(),
  entryPrice: z.number(),
  exitPrice: z.number(),
  pnl: z.number(),
  pnlPct: z.number(),
  fees: z.number(),
  openedAt: z.number(),
  closedAt: z.number(),
  exitReason: z.string(),
  entryReason: z.string().nullable(),
  exitReasonText: z.string().nullable(),
  strategyInstanceId: z.string().nullable(),
  /** The signal that opened the trade, when there was one. */
  signalId: z.string().nullable().optional(),
});
export type TradeDto = z.infer<typeof tradeSchema>;

/** Sums over every trade matching the filters, not only the page (issue 21). */
export const tradeTotalsSchema = z.object({ pnl: z.number(), fees: z.number(), wins: z.number(), losses: z.number() });
export type TradeTotalsDto = z.infer<typeof tradeTotalsSchema>;

/** `GET /api/trades`: a page of trades and the totals of every trade matching the filters (absent on older servers). */
export const tradesPageSchema = pageSchema(tradeSchema).extend({ totals: tradeTotalsSchema.optional() });
export type TradesPageDto = z.infer<typeof tradesPageSchema>;

/** `GET /api/trades/{id}`: the trade with its entry and exit orders (and fills), its signal and the entry's risk checks. */
export const tradeDetailSchema = z.object({
  trade: tradeSchema,
  orders: z.array(orderSchema),
  signal: signalSchema.nullable(),
  riskChecks: z.array(riskCheckSchema),
});
export type TradeDetailDto = z.infer<typeof tradeDetailSchema>;
