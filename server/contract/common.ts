import { z } from "zod";

/** Shared enums of the wire contract. */
export const modeSchema = z.enum(["ghost", "paper", "live"]);
export type Mode = z.infer<typeof modeSchema>;

export const timeframeSchema = z.enum(["1m", "5m", "15m", "1h", "4h", "1d"]);
export type Timeframe = z.infer<typeof timeframeSchema>;

export const positionSideSchema = z.enum(["long", "short"]);
export type PositionSide = z.infer<typeof positionSideSchema>;

export const orderSideSchema = z.enum(["buy", "sell"]);
export type OrderSide = z.infer<typeof orderSideSchema>;

export const tradingStateNameSchema = z.enum(["ACTIVE", "REDUCING", "HALTED"]);
export type TradingStateName = z.infer<typeof tradingStateNameSchema>;

/** A time the server sends as epoch ms (older rows: an ISO string). */
export const timeLikeSchema = z.union([z.number(), z.string()]);

/** A page of `GET /api/trades` (and other paged lists). */
export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
