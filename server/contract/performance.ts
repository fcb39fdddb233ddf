import { z } from "zod";
import { modeSchema } from "./common";

/** `GET /api/performance`, `GET /api/equity` and the `equity` event (percentage points for `*Pct`, `winRate`). */

export const metricsSchema = z.object({
  trades: z.number(),
  winRate: z.number().nullable(),
  profitFactor: z.number().nullable(),
  /** Wins and no losses: profitFactor is null and this is true. */
  profitFactorInfinite: z.boolean().optional(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  maxDrawdownPct: z.number().nullable(),
  maxDrawdown: z.number().nullable(),
  expectancy: z.number().nullable(),
  avgWin: z.number().nullable(),
  avgLoss: z.number().nullable(),
  totalPnl: z.number().nullable(),
  fees: z.number().nullable(),
  /**
   * Futures (issue 15): net funding paid (quote; negative = received), from the mode's ledger, so it counts
   * closed and still-open perp positions (already inside totalPnl for closed trades). Absent for spot and
   * until a funding payment is booked; absent on bySymbol when the answer is filtered to one strategy.
   */
  fundingPaid: z.number().optional(),
});
export type MetricsDto = z.infer<typeof metricsSchema>;

export const performanceSchema = z.object({
  overall: metricsSchema,
  byStrategy: z.record(z.string(), metricsSchema),
  bySymbol: z.record(z.string(), metricsSchema),
  /** Days and hours in the risk calendar's time zone (limits.timeZone). */
  daily: z.array(z.object({ day: z.string(), start: z.number().optional(), pnl: z.number(), trades: z.number().optional() })),
  hourly: z.array(z.object({ hour: z.number(), pnl: z.number(), trades: z.number().optional() })),
  drawdown: z.array(z.object({ timestamp: z.number(), drawdownPct: z.number() })),
});
export type PerformanceDto = z.infer<typeof performanceSchema>;

/** One point of `GET /api/equity`. */
export const equityPointSchema = z.object({
  timestamp: z.number(),
  equity: z.number(),
  cash: z.number(),
  realizedPnl: z.number(),
  unrealizedPnl: z.number(),
});
export type EquityPointDto = z.infer<typeof equityPointSchema>;

/** The `equity` event. */
export const equityEventSchema = equityPointSchema.extend({ mode: modeSchema });
export type EquityEventDto = z.infer<typeof equityEventSchema>;
