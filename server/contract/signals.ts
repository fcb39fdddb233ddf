import { z } from "zod";
import { modeSchema, timeframeSchema } from "./common";

/** Signals: `GET /api/signals`, `GET /api/signals/stats`, and a trade's signal in `GET /api/trades/:id`. */

export const signalActionSchema = z.enum(["enter_long", "exit_long", "enter_short", "exit_short"]);
export type SignalAction = z.infer<typeof signalActionSchema>;

export const signalSchema = z.object({
  id: z.string(),
  mode: modeSchema,
  timestamp: z.number(),
  strategyInstanceId: z.string(),
  symbol: z.string(),
  timeframe: timeframeSchema,
  action: signalActionSchema,
  price: z.number(),
  reason: z.string(),
  data: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).nullable(),
  outcome: z.enum(["open", "win", "loss"]).nullable(),
  exitPrice: z.number().nullable(),
  outcomePct: z.number().nullable(),
  outcomeAt: z.number().nullable(),
  /**
   * What became of the signal (issue 21; absent on older servers): an order was sent (`executed`), the risk
   * engine refused it (`blocked`, with the denial's code and sentence), or it led to no order (`skipped`,
   * e.g. ghost mode or an exit with nothing open).
   */
  execution: z
    .object({ status: z.enum(["executed", "blocked", "skipped"]), code: z.string().nullable(), message: z.string().nullable(), clientOrderId: z.string().nullable() })
    .nullable()
    .optional(),
});
export type SignalDto = z.infer<typeof signalSchema>;

/** `GET /api/signals/stats`: accuracy and expectancy of the entries (percentage points). */
export const signalStatsSchema = z.object({
  total: z.number(),
  closed: z.number(),
  wins: z.number(),
  losses: z.number(),
  accuracy: z.number().nullable(),
  avgWinPct: z.number().nullable(),
  avgLossPct: z.number().nullable(),
  expectancyPct: z.number().nullable(),
  profitFactor: z.number().nullable(),
});
export type SignalStatsDto = z.infer<typeof signalStatsSchema>;
