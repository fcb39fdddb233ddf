import { z } from "zod";
import { modeSchema, orderSideSchema } from "./common";

export const fillSchema = z.object({
  clientOrderId: z.string(),
  symbol: z.string(),
  side: orderSideSchema,
  price: z.number(),
  quantity: z.number(),
  fee: z.number(),
  timestamp: z.number(),
  liquidity: z.enum(["maker", "taker"]).optional(),
  venueTradeId: z.string().optional(),
});
export type FillDto = z.infer<typeof fillSchema>;

export const ORDER_STATUSES = ["new", "submitted", "partially_filled", "filled", "cancelled", "rejected", "expired"] as const;
export const orderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

/** `GET /api/orders` rows and the `order:update` event. */
export const orderSchema = z.object({
  clientOrderId: z.string(),
  venueOrderId: z.string().nullable(),
  mode: z.union([modeSchema, z.literal("backtest")]),
  symbol: z.string(),
  side: orderSideSchema,
  type: z.string(),
  status: orderStatusSchema,
  quantity: z.number(),
  price: z.number().nullable(),
  stopPrice: z.number().nullable(),
  filledQuantity: z.number(),
  avgFillPrice: z.number().nullable(),
  fee: z.number().nullable(),
  intent: z.enum(["entry", "exit"]),
  reduceOnly: z.boolean(),
  reason: z.string().nullable(),
  error: z.string().nullable(),
  strategyInstanceId: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  fills: z.array(fillSchema).optional(),
});
export type OrderDto = z.infer<typeof orderSchema>;

export const orderTypeSchema = z.enum(["market", "limit"]);

export const riskCheckSchema = z.object({ check: z.string().optional(), code: z.string(), message: z.string() });
export type RiskCheckDto = z.infer<typeof riskCheckSchema>;

/** `POST /api/positions/{id}/close` (and `POST /api/orders`): the order (possibly `rejected` with the venue's reason in `error`). */
export const closePositionResultSchema = z.object({
  order: orderSchema,
  dust: z.unknown().optional(),
  riskChecks: z.array(riskCheckSchema).optional(),
});
export type ClosePositionResultDto = z.infer<typeof closePositionResultSchema>;

/** Manual order ticket body of `POST /api/orders` (and `/api/orders/preview`). */
export const manualOrderInputSchema = z.object({
  symbol: z.string(),
  side: orderSideSchema,
  type: orderTypeSchema,
  quantity: z.number(),
  price: z.number().optional(),
  stopLoss: z.number().optional(),
  takeProfit: z.number().optional(),
});
export type ManualOrderInput = z.infer<typeof manualOrderInputSchema>;

/** `POST /api/orders/preview`: the risk engine's decision on an order ticket, nothing sent. */
export const orderPreviewSchema = z.object({
  allowed: z.boolean(),
  /** The denying check's code (e.g. MAX_POSITION_PCT), null when allowed. */
  code: z.string().nullable(),
  message: z.string(),
  checks: z.array(z.object({ check: z.string(), code: z.string(), message: z.string(), allowed: z.boolean().optional() })),
  /** What would be sent: quantity after sizing to the step, its notional at the reference price. */
  order: z.object({ symbol: z.string(), side: orderSideSchema, type: orderTypeSchema, quantity: z.number(), price: z.number().nullable(), notional: z.number().nullable() }),
});
export type OrderPreviewDto = z.infer<typeof orderPreviewSchema>;
