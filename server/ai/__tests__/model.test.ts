import { describe, expect, it } from "vitest";
import { fitLogistic, contributions, logit, predictProbability, ModelInputError } from "../logistic";
import { classificationMetrics } from "../metrics";
import { hasSignificantEdge, predict, trainModel } from "../model";
import { walkForwardEvaluate, walkForwardFolds, type Fitter, type WalkForwardOptions } from "../walk-forward";
import { gaussian, momentumSeries, randomWalk, rng } from "./helpers";

describe("L2 logistic regression", () => {
  const normal = gaussian(rng(3));
  const u = rng(4);
  const trueW = [1.5, -0.8, 0];
  const rows = Array.from({ length: 4000 }, () => Float64Array.from([normal(), 3 + 2 * normal(), 100 + 0.01 * normal()]));
  // Labels drawn from the logistic model on the standardised features.
  const labels = rows.map((r) => {
    const z = [r[0], (r[1] - 3) / 2, (r[2] - 100) / 0.01];
    const eta = 0.3 + trueW[0] * z[0] + trueW[1] * z[1] + trueW[2] * z[2];
    return u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  });

  it("recovers the coefficients that generated the labels (within sampling error) and is deterministic", () => {
    const a = fitLogistic(rows, labels, { lambda: 1e-4 });
    const b = fitLogistic(rows, labels, { lambda: 1e-4 });
    expect(a.converged).toBe(true);
    expect(a.model).toEqual(b.model);
    // n = 4000: the standard error of each coefficient is about 0.05; 0.2 is four of them.
    expect(a.model.weights[0]).toBeCloseTo(1.5, 0);
    expect(Math.abs(a.model.weights[0] - 1.5)).toBeLessThan(0.2);
    expect(Math.abs(a.model.weights[1] + 0.8)).toBeLessThan(0.2);
    expect(Math.abs(a.model.weights[2])).toBeLessThan(0.2);
    expect(Math.abs(a.model.intercept - 0.3)).toBeLessThan(0.2);
  });

  it("a stronger penalty shrinks the weights towards zero", () => {
    const weak = fitLogistic(rows, labels, { lambda: 1e-4 }).model;
    const strong = fitLogistic(rows, labels, { lambda: 1 }).model;
    expect(Math.abs(strong.weights[0])).toBeLessThan(Math.abs(weak.weights[0]) / 2);
  });

  it("contributions are coefficient × standardised value and add up to the logit", () => {
    const { model } = fitLogistic(rows, labels, { lambda: 0.01 });
    const row = rows[17];
    const parts = contributions(model, row, ["a", "b", "c"]);
    for (const p of parts) {
      const j = ["a", "b", "c"].indexOf(p.feature);
      expect(p.contribution).toBeCloseTo(model.weights[j] * ((row[j] - model.means[j]) / model.stds[j]), 12);
    }
    expect(model.intercept + parts.reduce((s, p) => s + p.contribution, 0)).toBeCloseTo(logit(model, row), 12);
    expect(Math.abs(parts[0].contribution)).toBeGreaterThanOrEqual(Math.abs(parts[1].contribution));
    expect(predictProbability(model, row)).toBeCloseTo(1 / (1 + Math.exp(-logit(model, row))), 12);
  });

  it("separable data still gives a finite, converged fit (the penalty bounds the weights)", () => {
    const x = Array.from({ length: 200 }, (_, i) => Float64Array.from([i < 100 ? -1 - i / 100 : 1 + i / 100]));
    const y = x.map((r) => (r[0] > 0 ? 1 : 0));
    const fit = fitLogistic(x, y, { lambda: 0.01 });
    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.model.weights[0])).toBe(true);
    expect(predictProbability(fit.model, Float64Array.from([2]))).toBeGreaterThan(0.9);
  });

  it("refuses bad input with a message naming it", () => {
    expect(() => fitLogistic([], [], { lambda: 1 })).toThrow(ModelInputError);
    expect(() => fitLogistic([Float64Array.from([1, Number.NaN])], [1], { lambda: 1 })).toThrow(/row 0 feature 1 is not finite/);
    expect(() => fitLogistic([Float64Array.from([1])], [2], { lambda: 1 })).toThrow(/must be 0 or 1/);
    expect(() => fitLogistic([Float64Array.from([1]), Float64Array.from([1, 2])], [1, 0], { lambda: 1 })).toThrow(/row 1 has 2 features/);
    expect(() => fitLogistic([Float64Array.from([1])], [1], { lambda: 0 })).toThrow(/lambda/);
  });
});

describe("classification metrics", () => {
  it("matches a hand computation", () => {
    const p = [0.9, 0.8, 0.3, 0.6, 0.1];
    const y = [1, 0, 0, 1, 1];
    const m = classificationMetrics(p, y);
    // calls 1,1,0,1,0 → TP 2, FP 1, FN 1, correct 3
    expect(m.accuracy).toBeCloseTo(0.6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.baseRate).toBeCloseTo(0.6, 12);
    expect(m.majorityAccuracy).toBeCloseTo(0.6, 12);
    expect(m.brier).toBeCloseTo((0.01 + 0.64 + 0.09 + 0.16 + 0.81) / 5, 12);
    expect(m.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.6) + Math.log(0.1)) / 5, 12);
    expect(m.baselineBrier).toBeCloseTo(0.24, 12);
    expect(m.calibration.map((b) => [b.bin, b.count])).toEqual([
      [0.1, 1],
      [0.3, 1],
      [0.6, 1],
      [0.8, 1],
      [0.9, 1],
    ]);
    expect(m.calibration.find((b) => b.bin === 0.8)!.observed).toBe(0);
  });

  it("precision is null when nothing was called higher, and bad input is refused", () => {
    expect(classificationMetrics([0.1, 0.2], [1, 0]).precision).toBeNull();
    expect(() => classificationMetrics([1.2], [1])).toThrow(/not a probability/);
    expect(() => classificationMetrics([], [])).toThrow(/no predictions/);
  });
});

describe("walk-forward evaluation", () => {
  const options: WalkForwardOptions = { horizon: 7, folds: 4, initialTrainFraction: 0.4, minTrainSamples: 50, minTestSamples: 20 };

  it("folds: test blocks are disjoint, in time order, cover the tail, and every training range ends a purge gap before its test block", () => {
    const folds = walkForwardFolds(1000, options);
    expect(folds).toHaveLength(4);
    expect(folds[0].testStart).toBe(400 + 7);
    expect(folds[folds.length - 1].testEnd).toBe(1000);
    for (let k = 0; k < folds.length; k++) {
      const f = folds[k];
      expect(f.trainStart).toBe(0);
      // the last training label looks at sample trainEnd - 1 + horizon, which must come before the first test sample
      expect(f.trainEnd - 1 + options.horizon).toBeLessThan(f.testStart);
      expect(f.testStart - f.trainEnd).toBe(options.horizon);
      if (k > 0) expect(f.testStart).toBe(folds[k - 1].testEnd);
    }
  });

  it("never trains on a sample it tests, nor on one whose label reaches into the test block", () => {
    const n = 600;
    const rows = Array.from({ length: n }, (_, i) => Float64Array.from([i]));
    const labels = rows.map((_, i) => i % 2);
    const indexOf = new Map<Float64Array, number>(rows.map((r, i) => [r, i]));
    const log: { trained: number[]; tested: number[] }[] = [];
    const spy: Fitter = (trainRows) => {
      const entry = { trained: trainRows.map((r) => indexOf.get(r)!), tested: [] as number[] };
      log.push(entry);
      return (row) => {
        entry.tested.push(indexOf.get(row)!);
        return 0.5;
      };
    };
    const result = walkForwardEvaluate(rows, labels, options, spy);
    expect(log).toHaveLength(4);
    for (const { trained, tested } of log) {
      const lastTrainLabelReach = Math.max(...trained) + options.horizon;
      expect(lastTrainLabelReach).toBeLessThan(Math.min(...tested));
      expect(trained.filter((i) => tested.includes(i))).toEqual([]);
    }
    const allTested = log.flatMap((l) => l.tested);
    expect(new Set(allTested).size).toBe(allTested.length);
    expect(result.predictions.map((p) => p.index)).toEqual(allTested);
  });

  it("too little history is refused with the numbers", () => {
    expect(() => walkForwardFolds(60, options)).toThrow(/not enough history for a walk-forward evaluation: 60 labelled samples/);
  });
});

describe("the model on synthetic markets", () => {
  it("finds a planted pattern: accuracy well above the base rate out of sample", () => {
    const candles = momentumSeries(2500, 21, 0.8);
    const { metrics, params } = trainModel(candles, "BTC/USDT", "5m", { horizon: 1 });
    // Direction repeats 80 % of the time; the sign of ret_1 reveals it.
    expect(metrics.samples).toBeGreaterThan(1000);
    expect(Math.abs(metrics.baseRate - 0.5)).toBeLessThan(0.05);
    expect(metrics.accuracy).toBeGreaterThan(0.72);
    expect(metrics.accuracyEdge).toBeGreaterThan(0.2);
    expect(hasSignificantEdge(metrics)).toBe(true);
    expect(metrics.logLoss).toBeLessThan(metrics.baselineLogLoss - 0.1);
    expect(metrics.brier).toBeLessThan(metrics.baselineBrier);
    // ...and says why: the one-candle return is the strongest driver of a prediction.
    const last = Float64Array.from(params.means.map((m, j) => (j === 0 ? m + 3 * params.stds[0] : m)));
    const p = predict(params, last);
    expect(p.contributions[0].feature).toBe("ret_1_pct");
    expect(p.probability).toBeGreaterThan(0.8);
  });

  it("on a seeded random walk it reports accuracy near the base rate and no significant edge", () => {
    const candles = randomWalk(3000, 5);
    const { metrics } = trainModel(candles, "BTC/USDT", "5m", { horizon: 1 });
    // Under no predictability the accuracy is a binomial share with sd ≤ 0.5/√n (≈ 0.013 at n ≈ 1700);
    // 4 sd leaves a false failure probability below 1e-4.
    const sd = 0.5 / Math.sqrt(metrics.samples);
    expect(Math.abs(metrics.accuracy - 0.5)).toBeLessThan(4 * sd);
    expect(Math.abs(metrics.baseRate - 0.5)).toBeLessThan(4 * sd);
    expect(hasSignificantEdge(metrics)).toBe(false);
    expect(metrics.logLoss).toBeGreaterThan(metrics.baselineLogLoss - 0.01);
  });
});
