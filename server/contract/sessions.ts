import { z } from "zod";
import { modeSchema, timeLikeSchema } from "./common";

/** Trading sessions: `GET /api/sessions`, `GET /api/sessions/{id}`, `POST /api/sessions`. */

export const sessionConfigSchema = z.object({
  name: z.string().optional(),
  capital: z.number().optional(),
  durationMin: z.number().optional(),
  symbols: z.array(z.string()).optional(),
  strategy: z.object({ kind: z.string(), params: z.record(z.string(), z.unknown()).optional(), timeframe: z.string().optional() }).optional(),
  stopLossPct: z.number().optional(),
  takeProfitPct: z.number().optional(),
  maxPositionQuote: z.number().optional(),
  maxOpenPositions: z.number().optional(),
  profitTarget: z.number().optional(),
  maxLoss: z.number().optional(),
});
export type SessionConfigDto = z.infer<typeof sessionConfigSchema>;

export const sessionEndReasonSchema = z.enum(["profit_target", "max_loss", "time", "manual"]);

export const sessionSchema = z.object({
  id: z.string(),
  mode: modeSchema,
  status: z.enum(["running", "ended"]),
  config: sessionConfigSchema,
  startedAt: timeLikeSchema,
  endsAt: timeLikeSchema.nullable(),
  endedAt: timeLikeSchema.nullable(),
  endReason: sessionEndReasonSchema.nullable(),
  pnl: z.object({ realized: z.number(), unrealized: z.number(), total: z.number(), openPositions: z.number() }).nullable(),
  report: z.unknown().optional(),
});
export type SessionDto = z.infer<typeof sessionSchema>;
