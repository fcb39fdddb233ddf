import type { Timeframe } from "../lib/types";

/** The /api/insights payloads as the browser sees them (see docs/api.md "Insights"). */

export type RegimeLabel = "trending_up" | "trending_down" | "ranging" | "volatile";
export type Lean = "bullish" | "bearish" | "neutral";

export interface CalibrationBinDto {
  bin: number;
  upper: number;
  predicted: number;
  observed: number;
  count: number;
}

export interface OutOfSampleDto {
  method: string;
  accuracy: number;
  precision: number | null;
  recall: number | null;
  logLoss: number;
  brier: number;
  baseRate: number;
  majorityAccuracy: number;
  accuracyStdErr: number;
  accuracyEdge: number;
  baselineLogLoss: number;
  baselineBrier: number;
  samples: number;
  evaluatedFrom: number;
  evaluatedTo: number;
  calibration: CalibrationBinDto[];
  folds: { samples: number; accuracy: number; baseRate: number; testFrom: number; testTo: number }[];
}

export interface ContributionDto {
  feature: string;
  value: number;
  standardized: number;
  contribution: number;
}

export interface ModelInsightDto {
  id: string;
  version: number;
  trainedAt: number;
  horizon: number;
  probability: number;
  logit: number;
  intercept: number;
  contributions: ContributionDto[];
  outOfSample: OutOfSampleDto;
  significant: boolean;
  trainSamples: number;
  trainedFrom: number;
  trainedTo: number;
}

export interface ConsensusItemDto {
  indicator: string;
  reading: number;
  lean: Lean;
  rule: string;
  detail: string;
}

export interface RiskInsightDto {
  level: "ok" | "warn" | "danger" | "unknown";
  worst: { key: string; label: string; used: number | null; limit: number | null; unit: string | null; ratio: number } | null;
  tradingState?: string;
}

export type SummaryDto =
  | { status: "ok"; label: string; text: string; provider: string; model: string; generatedAt: number; fromCache: boolean; nextAllowedAt: number }
  | { status: "disabled" | "rate_limited" | "error" | "not_requested"; label: string; message: string; nextAllowedAt?: number };

export interface InsightsDto {
  symbol: string;
  timeframe: Timeframe;
  at: number;
  candleTime: number;
  close: number;
  features: Record<string, number>;
  regime: {
    label: RegimeLabel;
    rule: string;
    evidence: {
      adx: number;
      plusDI: number;
      minusDI: number;
      ema50SlopePct: number | null;
      volatilityPct: number;
      volatilityPercentile: number | null;
      atrPct: number;
      trendAdxThreshold: number;
      volatilePercentileThreshold: number;
    };
  };
  consensus: { items: ConsensusItemDto[]; net: { lean: Lean; score: number; bullish: number; bearish: number; neutral: number; rule: string } };
  model: ModelInsightDto | null;
  modelStatus: string;
  reasons: string[];
  risk?: RiskInsightDto;
  summary: SummaryDto;
}

export interface ModelSummaryDto {
  id: string;
  symbol: string;
  timeframe: Timeframe;
  version: number;
  createdAt: number;
  horizon: number;
  trainSamples: number;
  trainedFrom: number;
  trainedTo: number;
  outOfSample: OutOfSampleDto;
  significant: boolean;
  latest: boolean;
}

export interface TrainResultDto {
  model: ModelSummaryDto;
  stored: boolean;
  candles: number;
  durationMs: number;
}
