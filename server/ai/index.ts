/**
 * AI insights: features computed incrementally from candles, market regime, indicator consensus, an
 * L2 logistic-regression signal evaluated walk-forward out of sample, the ml_signal strategy,
 * plain-language reasons and an optional, rate-limited LLM summary. Every number is computed from
 * candles; nothing here is canned.
 */
export {
  FEATURE_DESCRIPTIONS,
  FEATURE_NAMES,
  FEATURE_SET_VERSION,
  FeatureEngine,
  FeatureInputError,
  HIGHER_TIMEFRAME,
  featureReadyCandles,
  featureSettlingCandles,
  type FeatureName,
  type FeatureReadings,
} from "./features";
export { REGIME_THRESHOLDS, REGIME_TITLES, classifyRegime, type RegimeEvidence, type RegimeLabel, type RegimeReading } from "./regime";
export { indicatorConsensus, type ConsensusItem, type ConsensusNet, type ConsensusReading, type Lean } from "./consensus";
export { ModelInputError, contributions, fitLogistic, predictProbability, sigmoid, standardizer, type Contribution, type FitOptions, type FitResult, type LogisticModel } from "./logistic";
export { classificationMetrics, type CalibrationBin, type ClassificationMetrics } from "./metrics";
export { buildDataset, orderedClosedCandles, type Dataset } from "./dataset";
export { DEFAULT_WALK_FORWARD, logisticFitter, walkForwardEvaluate, walkForwardSteps, walkForwardFolds, type Fitter, type FoldRange, type FoldResult, type WalkForwardOptions, type WalkForwardResult } from "./walk-forward";
export {
  DEFAULT_LAMBDA,
  hasSignificantEdge,
  mlModelMetricsSchema,
  mlModelParamsSchema,
  modelIncompatibility,
  outOfSampleView,
  predict,
  trainModel,
  trainModelAsync,
  type MlModelMetrics,
  type MlModelParams,
  type MlModelRecord,
  type OutOfSample,
  type Prediction,
  type TrainOptions,
  type TrainedModel,
} from "./model";
export { ModelRegistry, modelIdOf, modelRegistry, recordFromRow, type ModelsDb } from "./model-registry";
export { ML_SIGNAL_KIND, MODEL_FROM_WARMUP, MODEL_LATEST, MlSignalStrategy, minimumTrainingCandles, mlSignalDefinition, mlSignalParams, registerMlStrategy, type MlSignalParams } from "./ml-strategy";
export { buildSnapshot, type InsightSnapshot, type ModelInsight } from "./snapshot";
export { describeConsensus, describeModel, describeRegime, enrichSignal, explainSignal, insightReasons, snapshotApplies, type RiskInsight } from "./explain";
export {
  LLM_LABEL,
  LlmCallError,
  LlmConfigError,
  MarketSummarizer,
  complete,
  llmConfigFromEnv,
  summarizerFromEnv,
  summaryPrompt,
  type LlmCompletion,
  type LlmConfig,
  type LlmProvider,
  type LlmSummary,
} from "./llm";
export { insightsQuery, modelsQuery, trainBody } from "./api-schemas";
export { InsightsService, marketCandleSource, type CandleSource, type Insights, type InsightsServiceOptions, type ModelSummary, type RiskUsageLike, type TrainResult } from "./insights-service";

import type { Logger } from "../core/logger";
import { modelRegistry } from "./model-registry";
import type { ModelsDb } from "./model-registry";

/** Fills the process-wide model registry from the database (before strategies are created). */
export function loadModelRegistry(prisma: ModelsDb, logger?: Logger) {
  return modelRegistry.loadFrom(prisma, logger);
}
