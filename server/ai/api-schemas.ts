import { z } from "zod";
import { TIMEFRAMES, type Timeframe } from "../model/types";

/** Request shapes of the /api/insights routes (the handlers stay thin). */

const timeframe = z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]);

/**
 * A unified symbol, as the config accepts them (server/config/schema.ts): spot `BTC/USDT` or a linear
 * perpetual `BTC/USDT:USDT` (TRADING_MARKET=futures). A query value that is
 * not valid UTF-8 (`%ED%A0%80`, a lone surrogate) arrives decoded as U+FFFD characters: refused here
 * with the field's name (400), not looked up as a symbol.
 */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/;
const symbol = z
  .string("symbol is required (e.g. BTC/USDT)")
  .trim()
  .min(1, "symbol is required (e.g. BTC/USDT)")
  .max(62, "must be at most 62 characters")
  .regex(SYMBOL_PATTERN, "must look like BASE/QUOTE in capitals, e.g. BTC/USDT (BTC/USDT:USDT for a perpetual)");

export const insightsQuery = z.object({
  symbol,
  timeframe: timeframe.optional(),
  /** Ask for a fresh LLM summary (rate-limited; off unless configured). */
  summary: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === "true" || v === "1"),
});

export const trainBody = z.strictObject({
  symbol,
  timeframe: timeframe.optional(),
});

export const modelsQuery = z.object({
  symbol: symbol.optional(),
  timeframe: timeframe.optional(),
});
