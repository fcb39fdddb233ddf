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
export type SessionEndReasonDto = z.infer<typeof sessionEndReasonSchema>;

/** The `summary` of an ended session's `report` (and of `GET /api/sessions/{id}/report?format=json`). */
export const sessionReportSummarySchema = z.object({
  reason: sessionEndReasonSchema,
  startedAt: z.number(),
  endedAt: z.number(),
  capital: z.number(),
  realizedPnl: z.number(),
  unrealizedPnl: z.number(),
  totalPnl: z.number(),
  returnPct: z.number(),
  trades: z.number(),
  wins: z.number(),
  losses: z.number(),
  /** Percentage points; null without trades. */
  winRate: z.number().nullable(),
  fees: z.number(),
  openPositionsLeft: z.number(),
  closeErrors: z.array(z.string()),
});
export type SessionReportSummaryDto = z.infer<typeof sessionReportSummarySchema>;

/** Realized P&L of a session by hour (`report.hourly`, the hourly CSV). */
export const sessionHourSchema = z.object({ hour: z.string(), pnl: z.number(), trades: z.number(), wins: z.number(), losses: z.number() });
export type SessionHourDto = z.infer<typeof sessionHourSchema>;

/** An ended session's report as the server writes it: its summary, hourly P&L and its trades (the stored rows, as in the trades CSV). */
export const sessionReportSchema = z.object({ summary: sessionReportSummarySchema, hourly: z.array(sessionHourSchema), trades: z.array(z.record(z.string(), z.unknown())) });
export type SessionReportDto = z.infer<typeof sessionReportSchema>;

export const sessionPnlSchema = z.object({ realized: z.number(), unrealized: z.number(), total: z.number(), openPositions: z.number() });
export type SessionPnlDto = z.infer<typeof sessionPnlSchema>;

export const sessionSchema = z.object({
  id: z.string(),
  mode: modeSchema,
  status: z.enum(["running", "ended"]),
  config: sessionConfigSchema,
  startedAt: timeLikeSchema,
  endsAt: timeLikeSchema.nullable(),
  endedAt: timeLikeSchema.nullable(),
  endReason: sessionEndReasonSchema.nullable(),
  /** Live P&L while the session runs; null once it ended. */
  pnl: sessionPnlSchema.nullable(),
  /**
   * The report (a SessionReportDto) once the session ended, null while it runs. Stored JSON: reports of
   * older versions may lack fields, so readers check what they use.
   */
  report: z.unknown().optional(),
});
export type SessionDto = z.infer<typeof sessionSchema>;
