import { z } from "zod";

/** `GET /api/pairs` and `POST /api/pairs/refresh`: the venue's symbols ranked by liquidity and volatility. */

export const pairThresholdsViewSchema = z.object({
  minQuoteVolume: z.number(),
  maxSpreadBps: z.number(),
  minDepthQuote: z.number(),
  minAtrPct: z.number(),
  maxAtrPct: z.number(),
  /** ATR % the volatility score is best at. */
  targetAtrPct: z.number(),
  /** Share of the score from liquidity (the rest from volatility), 0..1. */
  liquidityWeight: z.number(),
  top: z.number(),
  whitelist: z.array(z.string()).readonly(),
});

export const rankedPairSchema = z.object({
  symbol: z.string(),
  lastPrice: z.number(),
  /** 24 h traded volume in quote currency. */
  quoteVolume: z.number(),
  /** (ask − bid) / mid, basis points. */
  spreadBps: z.number(),
  depthQuote: z.number(),
  /** ATR as % of the last close. */
  atrPct: z.number(),
  /** Why a figure is missing (the pair is then not ranked). */
  error: z.string().optional(),
  /** 1 = best; null when filtered out. */
  rank: z.number().nullable(),
  selected: z.boolean(),
  score: z.number().nullable(),
  liquidityScore: z.number().nullable(),
  volatilityScore: z.number().nullable(),
  /** Percentile ranks (0..100) behind the liquidity score. */
  percentiles: z.object({ quoteVolume: z.number(), spread: z.number(), depth: z.number() }).nullable(),
  /** Filters the pair failed (empty when it passed). */
  failed: z.array(z.string()),
  /** The rank in one sentence, with the numbers. */
  reason: z.string(),
});
export type RankedPairDto = z.infer<typeof rankedPairSchema>;

export const pairListSchema = z.object({
  at: z.number(),
  thresholds: pairThresholdsViewSchema,
  pairs: z.array(rankedPairSchema),
  /** The selected symbols, best first. */
  selected: z.array(z.string()),
});
export type PairListDto = z.infer<typeof pairListSchema>;
