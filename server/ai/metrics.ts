/**
 * Out-of-sample classification metrics of probability forecasts, reported next to the baselines a
 * forecast must beat to be worth anything: the base rate and always guessing the majority class.
 */

export interface CalibrationBin {
  /** Lower edge of the predicted-probability bin (bins are [bin, upper), the last one includes 1). */
  bin: number;
  upper: number;
  /** Mean predicted probability of the samples in the bin. */
  predicted: number;
  /** Share of those samples whose label was 1. */
  observed: number;
  count: number;
}

export interface ClassificationMetrics {
  samples: number;
  /** Share of correct calls with the 0.5 cut-off. */
  accuracy: number;
  /** TP / (TP + FP); null when the model never predicted "higher". */
  precision: number | null;
  /** TP / (TP + FN); null when no sample was "higher". */
  recall: number | null;
  /** Mean negative log-likelihood (natural log; probabilities clipped to [1e-15, 1 - 1e-15]). */
  logLoss: number;
  /** Mean squared error of the probability. */
  brier: number;
  /** Share of samples labelled 1 ("higher after N candles"). */
  baseRate: number;
  /** Accuracy of always guessing the more common label: max(baseRate, 1 - baseRate). */
  majorityAccuracy: number;
  /**
   * Standard error of the accuracy, sqrt(a(1 - a) / (n / labelOverlap)). Labels "higher after N
   * candles" of neighbouring samples share N - 1 price moves, so only about one in N is independent.
   */
  accuracyStdErr: number;
  /** accuracy - majorityAccuracy: the only part of the accuracy the model earned. */
  accuracyEdge: number;
  /** Log loss of always forecasting the base rate (the entropy of the labels): the model must be below it. */
  baselineLogLoss: number;
  /** Brier score of always forecasting the base rate, baseRate·(1 - baseRate). */
  baselineBrier: number;
  /** Share of samples the model called "higher". */
  predictedPositiveRate: number;
  /** Reliability diagram: only bins with samples. */
  calibration: CalibrationBin[];
}

const EPS = 1e-15;
export const CALIBRATION_BINS = 10;

function clip(p: number): number {
  return Math.min(1 - EPS, Math.max(EPS, p));
}

export function classificationMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>, labelOverlap = 1): ClassificationMetrics {
  const n = probabilities.length;
  if (!(Number.isInteger(labelOverlap) && labelOverlap >= 1)) throw new RangeError(`labelOverlap must be a whole number >= 1 (got ${labelOverlap})`);
  if (n === 0) throw new RangeError("no predictions to evaluate");
  if (labels.length !== n) throw new RangeError(`${n} predictions but ${labels.length} labels`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  let positives = 0;
  let logLoss = 0;
  let brier = 0;
  const binSum = new Float64Array(CALIBRATION_BINS);
  const binPositive = new Float64Array(CALIBRATION_BINS);
  const binCount = new Float64Array(CALIBRATION_BINS);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i];
    const y = labels[i];
    if (!Number.isFinite(p) || p < 0 || p > 1) throw new RangeError(`prediction ${i} is not a probability (${p})`);
    if (y !== 0 && y !== 1) throw new RangeError(`label ${i} must be 0 or 1 (got ${y})`);
    const call = p >= 0.5 ? 1 : 0;
    if (call === y) correct++;
    if (call === 1 && y === 1) tp++;
    if (call === 1 && y === 0) fp++;
    if (call === 0 && y === 1) fn++;
    positives += y;
    const q = clip(p);
    logLoss -= y === 1 ? Math.log(q) : Math.log(1 - q);
    brier += (p - y) * (p - y);
    const bin = Math.min(CALIBRATION_BINS - 1, Math.floor(p * CALIBRATION_BINS));
    binSum[bin] += p;
    binPositive[bin] += y;
    binCount[bin]++;
  }
  const baseRate = positives / n;
  const accuracy = correct / n;
  const majorityAccuracy = Math.max(baseRate, 1 - baseRate);
  const b = clip(baseRate);
  const baselineLogLoss = baseRate === 0 || baseRate === 1 ? 0 : -(baseRate * Math.log(b) + (1 - baseRate) * Math.log(1 - b));
  const calibration: CalibrationBin[] = [];
  for (let k = 0; k < CALIBRATION_BINS; k++) {
    if (binCount[k] === 0) continue;
    calibration.push({
      bin: k / CALIBRATION_BINS,
      upper: (k + 1) / CALIBRATION_BINS,
      predicted: binSum[k] / binCount[k],
      observed: binPositive[k] / binCount[k],
      count: binCount[k],
    });
  }
  return {
    samples: n,
    accuracy,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: tp + fn > 0 ? tp / (tp + fn) : null,
    logLoss: logLoss / n,
    brier: brier / n,
    baseRate,
    majorityAccuracy,
    accuracyStdErr: Math.sqrt((accuracy * (1 - accuracy)) / Math.max(1, n / labelOverlap)),
    accuracyEdge: accuracy - majorityAccuracy,
    baselineLogLoss,
    baselineBrier: baseRate * (1 - baseRate),
    predictedPositiveRate: (tp + fp) / n,
    calibration,
  };
}
