import { z } from "zod";
import { modeSchema, positionSideSchema } from "./common";

/** `GET /api/positions` rows and the `position:update` event. */
export const positionSchema = z.object({
  id: z.string(),
  mode: modeSchema,
  /** Sent by the server on events; "closed" means the position left the book. */
  status: z.enum(["open", "closed"]).optional(),
  symbol: z.string(),
  side: positionSideSchema,
  quantity: z.number(),
  avgEntryPrice: z.number(),
  markPrice: z.number().nullable(),
  unrealizedPnl: z.number().nullable(),
  unrealizedPct: z.number().nullable(),
  realizedPnl: z.number().nullable(),
  fees: z.number().nullable(),
  stopLoss: z.number().nullable(),
  takeProfit: z.number().nullable(),
  trailingStop: z.number().nullable(),
  openedAt: z.number(),
  strategyInstanceId: z.string().nullable(),
  entryReason: z.string().nullable(),
});
export type PositionDto = z.infer<typeof positionSchema>;
