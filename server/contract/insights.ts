import { z } from "zod";
import { timeframeSchema } from "./common";

/** The /api/insights payloads (docs/api.md "Insights"): GET /api/insights, GET/POST /api/insights/models. */

export const regimeLabelSchema = z.enum(["trending_up", "trending_down", "ranging", "volatile"]);
export type RegimeLabel = z.infer<typeof regimeLabelSchema>;

export const leanSchema = z.enum(["bullish", "bearish", "neutral"]);
export type Lean = z.infer<typeof leanSchema>;

export const calibrationBinSchema = z.object({
  bin: z.number(),
  upper: z.number(),
  predicted: z.number(),
  observed: z.number(),
  count: z.number(),
});
export type CalibrationBinDto = z.infer<typeof calibrationBinSchema>;

export const outOfSampleSchema = z.object({
  method: z.string(),
  accuracy: z.number(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  logLoss: z.number(),
  brier: z.number(),
  baseRate: z.number(),
  majorityAccuracy: z.number(),
  accuracyStdErr: z.number(),
  accuracyEdge: z.number(),
  baselineLogLoss: z.number(),
  baselineBrier: z.number(),
  samples: z.number(),
  evaluatedFrom: z.number(),
  evaluatedTo: z.number(),
  calibration: z.array(calibrationBinSchema),
  folds: z.array(z.object({ samples: z.number(), accuracy: z.number(), baseRate: z.number(), testFrom: z.number(), testTo: z.number() })),
});
export type OutOfSampleDto = z.infer<typeof outOfSampleSchema>;

export const contributionSchema = z.object({
  feature: z.string(),
  value: z.number(),
  standardized: z.number(),
  contribution: z.number(),
});
export type ContributionDto = z.infer<typeof contributionSchema>;

export const modelInsightSchema = z.object({
  id: z.string(),
  version: z.number(),
  trainedAt: z.number(),
  horizon: z.number(),
  probability: z.number(),
  logit: z.number(),
  intercept: z.number(),
  contributions: z.array(contributionSchema),
  outOfSample: outOfSampleSchema,
  significant: z.boolean(),
  trainSamples: z.number(),
  trainedFrom: z.number(),
  trainedTo: z.number(),
});
export type ModelInsightDto = z.infer<typeof modelInsightSchema>;

export const consensusItemSchema = z.object({
  indicator: z.string(),
  reading: z.number(),
  lean: leanSchema,
  rule: z.string(),
  detail: z.string(),
});
export type ConsensusItemDto = z.infer<typeof consensusItemSchema>;

export const riskInsightSchema = z.object({
  level: z.enum(["ok", "warn", "danger", "unknown"]),
  worst: z
    .object({ key: z.string(), label: z.string(), used: z.number().nullable(), limit: z.number().nullable(), unit: z.string().nullable(), ratio: z.number() })
    .nullable(),
  tradingState: z.string().optional(),
});
export type RiskInsightDto = z.infer<typeof riskInsightSchema>;

export const summarySchema = z.union([
  z.object({
    status: z.literal("ok"),
    label: z.string(),
    text: z.string(),
    provider: z.string(),
    model: z.string(),
    generatedAt: z.number(),
    fromCache: z.boolean(),
    nextAllowedAt: z.number(),
  }),
  z.object({
    status: z.enum(["disabled", "rate_limited", "error", "not_requested"]),
    label: z.string(),
    message: z.string(),
    nextAllowedAt: z.number().optional(),
  }),
]);
export type SummaryDto = z.infer<typeof summarySchema>;

export const insightsSchema = z.object({
  symbol: z.string(),
  timeframe: timeframeSchema,
  at: z.number(),
  candleTime: z.number(),
  close: z.number(),
  features: z.record(z.string(), z.number()),
  regime: z.object({
    label: regimeLabelSchema,
    rule: z.string(),
    evidence: z.object({
      adx: z.number(),
      plusDI: z.number(),
      minusDI: z.number(),
      ema50SlopePct: z.number().nullable(),
      volatilityPct: z.number(),
      volatilityPercentile: z.number().nullable(),
      atrPct: z.number(),
      trendAdxThreshold: z.number(),
      volatilePercentileThreshold: z.number(),
    }),
  }),
  consensus: z.object({
    items: z.array(consensusItemSchema),
    net: z.object({ lean: leanSchema, score: z.number(), bullish: z.number(), bearish: z.number(), neutral: z.number(), rule: z.string() }),
  }),
  model: modelInsightSchema.nullable(),
  modelStatus: z.string(),
  reasons: z.array(z.string()),
  risk: riskInsightSchema.optional(),
  summary: summarySchema,
});
export type InsightsDto = z.infer<typeof insightsSchema>;

export const modelSummarySchema = z.object({
  id: z.string(),
  symbol: z.string(),
  timeframe: timeframeSchema,
  version: z.number(),
  createdAt: z.number(),
  horizon: z.number(),
  trainSamples: z.number(),
  trainedFrom: z.number(),
  trainedTo: z.number(),
  outOfSample: outOfSampleSchema,
  significant: z.boolean(),
  latest: z.boolean(),
});
export type ModelSummaryDto = z.infer<typeof modelSummarySchema>;

export const trainResultSchema = z.object({
  model: modelSummarySchema,
  stored: z.boolean(),
  candles: z.number(),
  durationMs: z.number(),
});
export type TrainResultDto = z.infer<typeof trainResultSchema>;
