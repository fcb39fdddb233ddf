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
