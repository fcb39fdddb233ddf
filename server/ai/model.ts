import { z } from "zod";
import { AppError } from "../core/errors";
import type { Candle, Timeframe } from "../model/types";
import { buildDataset, checkHorizon, type Dataset } from "./dataset";
import { FEATURE_NAMES, FEATURE_SET_VERSION } from "./features";
import { contributions, fitLogistic, logit, sigmoid, type Contribution, type LogisticModel } from "./logistic";
import type { ClassificationMetrics } from "./metrics";
import { DEFAULT_WALK_FORWARD, drain, logisticFitter, walkForwardSteps, type FoldResult, type WalkForwardOptions } from "./walk-forward";

/** What is stored in ml_models.params: everything needed to predict, and what it was trained on. */
export const mlModelParamsSchema = z.object({
  kind: z.literal("logistic_l2"),
  featureSetVersion: z.number().int(),
  features: z.array(z.string()).min(1),
  horizon: z.number().int().min(1),
  lambda: z.number().positive(),
  means: z.array(z.number()),
  stds: z.array(z.number().positive()),
  weights: z.array(z.number()),
  intercept: z.number(),
  /** Open time of the first training sample's candle. */
  trainedFrom: z.number(),
  /** Open time of the newest candle any training label looked at: the model has seen prices up to its close. */
  trainedTo: z.number(),
  trainSamples: z.number().int().positive(),
  trainBaseRate: z.number().min(0).max(1),
  converged: z.boolean(),
  iterations: z.number().int(),
});
export type MlModelParams = z.infer<typeof mlModelParamsSchema>;

const calibrationBinSchema = z.object({ bin: z.number(), upper: z.number(), predicted: z.number(), observed: z.number(), count: z.number() });
const foldSchema = z.object({
  trainStart: z.number(),
  trainEnd: z.number(),
  testStart: z.number(),
  testEnd: z.number(),
  samples: z.number(),
  accuracy: z.number(),
  baseRate: z.number(),
  testFrom: z.number(),
  testTo: z.number(),
});

/** What is stored in ml_models.metrics: the walk-forward out-of-sample evaluation. */
export const mlModelMetricsSchema = z.object({
  method: z.string(),
  samples: z.number(),
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
  predictedPositiveRate: z.number(),
  calibration: z.array(calibrationBinSchema),
  folds: z.array(foldSchema),
  horizon: z.number(),
  purgeGap: z.number(),
  evaluatedFrom: z.number(),
  evaluatedTo: z.number(),
  candles: z.number(),
});
export type MlModelMetrics = z.infer<typeof mlModelMetricsSchema>;

export interface MlModelRecord {
  id: string;
  symbol: string;
  timeframe: Timeframe;
  version: number;
  createdAt: number;
  params: MlModelParams;
  metrics: MlModelMetrics;
}

export interface TrainOptions {
  horizon: number;
  /** L2 strength on standardised weights. */
  lambda?: number;
  walkForward?: Partial<Omit<WalkForwardOptions, "horizon">>;
}

export const DEFAULT_LAMBDA = 0.01;

export interface TrainedModel {
  params: MlModelParams;
  metrics: MlModelMetrics;
  dataset: Dataset;
}

/**
 * Builds the dataset, evaluates walk-forward out of sample, then fits the final model on every
 * labelled sample. Throws AppError INSUFFICIENT_HISTORY (422) when the history is too short.
 */
export function trainModel(candles: readonly Candle[], symbol: string, timeframe: Timeframe, options: TrainOptions): TrainedModel {
  return drain(trainSteps(candles, symbol, timeframe, options));
}

/** trainModel, yielding to the event loop between its CPU-bound parts (each fit): for a server process that also trades. */
export async function trainModelAsync(candles: readonly Candle[], symbol: string, timeframe: Timeframe, options: TrainOptions): Promise<TrainedModel> {
  const steps = trainSteps(candles, symbol, timeframe, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function* trainSteps(candles: readonly Candle[], symbol: string, timeframe: Timeframe, options: TrainOptions): Generator<void, TrainedModel> {
  const horizon = options.horizon;
  checkHorizon(horizon);
  const lambda = options.lambda ?? DEFAULT_LAMBDA;
  if (!(Number.isFinite(lambda) && lambda > 0)) throw new AppError("INVALID_LAMBDA", `lambda must be a number > 0 (got ${String(lambda)})`, 400);
  const dataset = buildDataset(candles, symbol, timeframe, horizon);
  yield;
  const n = dataset.labeledCount;
  if (n === 0) {
    throw new AppError(
      "INSUFFICIENT_HISTORY",
      `${symbol} ${timeframe}: ${dataset.candles} closed candles give no labelled sample (${dataset.warmupCandles} go into warming the features up, ${horizon} more are needed per label)`,
      422,
    );
  }
  const wf: WalkForwardOptions = { ...DEFAULT_WALK_FORWARD, ...options.walkForward, horizon };
  const rows = dataset.rows.slice(0, n);
  const labels = dataset.labels;
  const evaluation = yield* walkForwardSteps(rows, labels, wf, logisticFitter(lambda));
  const fit = fitLogistic(rows, labels, { lambda });
  const positives = labels.reduce((s, y) => s + y, 0);
  const params: MlModelParams = {
    kind: "logistic_l2",
    featureSetVersion: FEATURE_SET_VERSION,
    features: [...FEATURE_NAMES],
    horizon,
    lambda,
    means: fit.model.means,
    stds: fit.model.stds,
    weights: fit.model.weights,
    intercept: fit.model.intercept,
    trainedFrom: dataset.times[0],
    trainedTo: dataset.times[n - 1 + horizon],
    trainSamples: n,
    trainBaseRate: positives / n,
    converged: fit.converged,
    iterations: fit.iterations,
  };
  const foldTimes = (f: FoldResult) => ({ ...f, testFrom: dataset.times[f.testStart], testTo: dataset.times[f.testEnd - 1] });
  const metrics: MlModelMetrics = {
    method: `walk-forward, expanding window, ${evaluation.folds.length} test blocks, purge gap ${horizon} samples (the label horizon)`,
    ...evaluation.metrics,
    folds: evaluation.folds.map(foldTimes),
    horizon,
    purgeGap: horizon,
    evaluatedFrom: dataset.times[evaluation.folds[0].testStart],
    evaluatedTo: dataset.times[evaluation.folds[evaluation.folds.length - 1].testEnd - 1],
    candles: dataset.candles,
  };
  return { params, metrics, dataset };
}

export function logisticOf(params: MlModelParams): LogisticModel {
  return { means: params.means, stds: params.stds, weights: params.weights, intercept: params.intercept, lambda: params.lambda };
}

/** Why a stored model cannot be applied to the current feature engine, or undefined when it can. */
export function modelIncompatibility(params: MlModelParams): string | undefined {
  if (params.featureSetVersion !== FEATURE_SET_VERSION) {
    return `it was trained on feature set v${params.featureSetVersion}, the code computes v${FEATURE_SET_VERSION}: retrain it`;
  }
  const n = FEATURE_NAMES.length;
  if (params.features.length !== n || params.weights.length !== n || params.means.length !== n || params.stds.length !== n) {
    return `it has ${params.weights.length} weights for ${params.features.length} features, the feature set has ${n}: retrain it`;
  }
  if (params.features.some((f, i) => f !== FEATURE_NAMES[i])) return "its features differ from the current feature set: retrain it";
  return undefined;
}

export interface Prediction {
  /** Probability that the close is higher `horizon` candles later. */
  probability: number;
  logit: number;
  intercept: number;
  contributions: Contribution[];
}

export function predict(params: MlModelParams, vector: ArrayLike<number>): Prediction {
  const model = logisticOf(params);
  const eta = logit(model, vector);
  return { probability: sigmoid(eta), logit: eta, intercept: params.intercept, contributions: contributions(model, vector, params.features) };
}

/** Probability only (no allocation): the strategy's per-candle path. */
export function predictProbabilityOf(params: MlModelParams, vector: ArrayLike<number>): number {
  return sigmoid(logit(logisticOf(params), vector));
}

/** The parts of a metrics object the API shows as "outOfSample". */
export function outOfSampleView(metrics: MlModelMetrics) {
  return {
    method: metrics.method,
    accuracy: metrics.accuracy,
    precision: metrics.precision,
    recall: metrics.recall,
    logLoss: metrics.logLoss,
    brier: metrics.brier,
    baseRate: metrics.baseRate,
    majorityAccuracy: metrics.majorityAccuracy,
    accuracyStdErr: metrics.accuracyStdErr,
    accuracyEdge: metrics.accuracyEdge,
    baselineLogLoss: metrics.baselineLogLoss,
    baselineBrier: metrics.baselineBrier,
    samples: metrics.samples,
    calibration: metrics.calibration,
    evaluatedFrom: metrics.evaluatedFrom,
    evaluatedTo: metrics.evaluatedTo,
    folds: metrics.folds.map((f) => ({ samples: f.samples, accuracy: f.accuracy, baseRate: f.baseRate, testFrom: f.testFrom, testTo: f.testTo })),
  };
}
export type OutOfSample = ReturnType<typeof outOfSampleView>;

/** Accuracy beats always guessing the majority label by more than two standard errors. */
export function hasSignificantEdge(metrics: Pick<ClassificationMetrics, "accuracyEdge" | "accuracyStdErr">): boolean {
  return metrics.accuracyEdge > 2 * metrics.accuracyStdErr;
}
