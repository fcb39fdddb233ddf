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
  /**
   * Futures (issue 15), present on perpetual positions only (absent = a spot position, as before):
   * the market type, the contract's leverage and margin mode, this position's initial margin at mark
   * (quantity × mark / leverage), the liquidation price of the symbol's net position (one-way mode;
   * null when it cannot be liquidated), its liquidation risk % (share of the distance from entry to
   * liquidation the mark has covered) and the net funding this position paid (negative = received).
   */
  marketType: z.enum(["spot", "perp"]).optional(),
  leverage: z.number().optional(),
  marginMode: z.enum(["cross", "isolated"]).optional(),
  marginUsed: z.number().optional(),
  liquidationPrice: z.number().nullable().optional(),
  liquidationRiskPct: z.number().optional(),
  fundingPaid: z.number().optional(),
});
export type PositionDto = z.infer<typeof positionSchema>;
