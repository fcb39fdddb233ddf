import { z } from "zod";
import { TIMEFRAMES, type Timeframe } from "../model/types";

/** Request shapes of the /api/insights routes (the handlers stay thin). */

const timeframe = z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]);

export const insightsQuery = z.object({
  symbol: z.string().trim().min(1, "symbol is required (e.g. BTC/USDT)").max(40),
  timeframe: timeframe.optional(),
  /** Ask for a fresh LLM summary (rate-limited; off unless configured). */
  summary: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === "true" || v === "1"),
});

export const trainBody = z.strictObject({
  symbol: z.string().trim().min(1, "symbol is required (e.g. BTC/USDT)").max(40),
  timeframe: timeframe.optional(),
});

export const modelsQuery = z.object({
  symbol: z.string().trim().min(1).max(40).optional(),
  timeframe: timeframe.optional(),
});
