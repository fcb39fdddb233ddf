import { AppError } from "../core/errors";
import { fitLogistic, predictProbability } from "./logistic";
import { classificationMetrics, type ClassificationMetrics } from "./metrics";

/**
 * Walk-forward out-of-sample evaluation with an expanding training window and a purge gap.
 *
 * Sample i's label looks at the close of sample i + horizon. A training sample whose label reaches
 * into the test block would teach the model the test period's prices, so each fold trains only on
 * samples j with j + horizon < testStart (trainEnd = testStart - horizon): the purge gap is exactly
 * the label horizon. Test blocks follow each other in time and never overlap; every test sample is
 * predicted by a model fitted strictly before it.
 */

/** Sample index ranges of one fold, [start, end). */
export interface FoldRange {
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

export interface WalkForwardOptions {
  horizon: number;
  /** Number of test blocks. */
  folds: number;
  /** The first training window is at least this share of the labelled samples. */
  initialTrainFraction: number;
  /** ...and at least this many samples. */
  minTrainSamples: number;
  /** Fewer out-of-sample predictions than this: the evaluation would say nothing; refused. */
  minTestSamples: number;
}

export const DEFAULT_WALK_FORWARD: Omit<WalkForwardOptions, "horizon"> = {
  folds: 5,
  initialTrainFraction: 0.4,
  minTrainSamples: 200,
  minTestSamples: 100,
};

export function walkForwardFolds(samples: number, options: WalkForwardOptions): FoldRange[] {
  const { horizon, folds, initialTrainFraction, minTrainSamples, minTestSamples } = options;
  if (!Number.isInteger(folds) || folds < 1 || folds > 50) throw new AppError("INVALID_FOLDS", `folds must be a whole number from 1 to 50 (got ${folds})`, 400);
  const initial = Math.max(minTrainSamples, Math.floor(samples * initialTrainFraction));
  const firstTest = initial + horizon;
  const testSamples = samples - firstTest;
  if (testSamples < Math.max(minTestSamples, folds)) {
    throw new AppError(
      "INSUFFICIENT_HISTORY",
      `not enough history for a walk-forward evaluation: ${samples} labelled samples leave ${Math.max(0, testSamples)} out-of-sample predictions ` +
        `after a first training window of ${initial} and a purge gap of ${horizon}; at least ${Math.max(minTestSamples, folds)} are needed ` +
        `(about ${initial + horizon + Math.max(minTestSamples, folds)} labelled samples)`,
      422,
      { samples, initialTrain: initial, horizon, needed: initial + horizon + Math.max(minTestSamples, folds) },
    );
  }
  const size = Math.floor(testSamples / folds);
  const out: FoldRange[] = [];
  for (let k = 0; k < folds; k++) {
    const testStart = firstTest + k * size;
    const testEnd = k === folds - 1 ? samples : testStart + size;
    out.push({ trainStart: 0, trainEnd: testStart - horizon, testStart, testEnd });
  }
  return out;
}

/** Fits on the training rows and returns a predictor; the default is the L2 logistic regression. */
export type Fitter = (rows: readonly Float64Array[], labels: readonly number[]) => (row: Float64Array) => number;

export function logisticFitter(lambda: number): Fitter {
  return (rows, labels) => {
    const { model } = fitLogistic(rows, labels, { lambda });
    return (row) => predictProbability(model, row);
  };
}

export interface FoldResult extends FoldRange {
  samples: number;
  accuracy: number;
  baseRate: number;
}

export interface WalkForwardResult {
  folds: FoldResult[];
  /** Out-of-sample probability of each test sample, in sample order. */
  predictions: { index: number; probability: number; label: number }[];
  metrics: ClassificationMetrics;
}

export function walkForwardEvaluate(rows: readonly Float64Array[], labels: readonly number[], options: WalkForwardOptions, fit: Fitter): WalkForwardResult {
  return drain(walkForwardSteps(rows, labels, options, fit));
}

/** Runs a step generator to completion synchronously. */
export function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * The evaluation as a generator that pauses after each fold's fit, so a caller on a shared event loop
 * can yield between the CPU-bound parts (see trainModelAsync).
 */
export function* walkForwardSteps(rows: readonly Float64Array[], labels: readonly number[], options: WalkForwardOptions, fit: Fitter): Generator<void, WalkForwardResult> {
  const n = labels.length;
  const ranges = walkForwardFolds(n, options);
  const predictions: WalkForwardResult["predictions"] = [];
  const folds: FoldResult[] = [];
  for (const range of ranges) {
    const predict = fit(rows.slice(range.trainStart, range.trainEnd), labels.slice(range.trainStart, range.trainEnd));
    yield;
    let correct = 0;
    let positives = 0;
    for (let i = range.testStart; i < range.testEnd; i++) {
      const probability = predict(rows[i]);
      predictions.push({ index: i, probability, label: labels[i] });
      if ((probability >= 0.5 ? 1 : 0) === labels[i]) correct++;
      positives += labels[i];
    }
    const samples = range.testEnd - range.testStart;
    folds.push({ ...range, samples, accuracy: correct / samples, baseRate: positives / samples });
  }
  const metrics = classificationMetrics(
    predictions.map((p) => p.probability),
    predictions.map((p) => p.label),
    options.horizon,
  );
  return { folds, predictions, metrics };
}
