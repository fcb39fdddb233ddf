import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluateConfig } from "../evaluate";
import { gridOf, optimise, randomSets, resolveSpace, walkForwardFolds } from "../optimise";
import { BacktestPool } from "../pool";
import { RELAXED_LIMITS, probeLog, randomWalk, registerTestStrategies } from "./helpers";

beforeAll(() => registerTestStrategies());
beforeEach(() => {
  probeLog.length = 0;
});

describe("parameter space", () => {
  it("a grid over given ranges and lists, with the declared step", () => {
    const space = resolveSpace("ma_crossover", { fastPeriod: { min: 5, max: 15, step: 5 }, maType: { values: ["ema", "sma"] } }, 3);
    expect(space.map((p) => [p.name, p.values])).toEqual([
      ["fastPeriod", [5, 10, 15]],
      ["maType", ["ema", "sma"]],
    ]);
    expect(gridOf(space, 100)).toHaveLength(6);
  });

  it("the default space is every numeric parameter except the protective ones, at `levels` points of the declared range", () => {
    const space = resolveSpace("rsi_reversion", undefined, 3);
    expect(space.map((p) => p.name)).toEqual(["rsiPeriod", "oversold", "overbought"]);
    expect(space[0].values).toEqual([2, 51, 100]);
  });

  it("refuses unknown parameters, ranges outside the declared ones and grids over the limit, before running anything", () => {
    expect(() => resolveSpace("ma_crossover", { fastest: { min: 1, max: 2 } }, 3)).toThrow(/no parameter fastest/);
    expect(() => resolveSpace("ma_crossover", { fastPeriod: { min: 1, max: 20 } }, 3)).toThrow(/below the declared minimum 2/);
    expect(() => resolveSpace("ma_crossover", { fastPeriod: { min: 2, max: 20, step: 0.5 } }, 3)).toThrow(/integer/);
    const big = resolveSpace("ma_crossover", { fastPeriod: { min: 2, max: 200, step: 1 }, slowPeriod: { min: 3, max: 400, step: 1 } }, 3);
    expect(() => gridOf(big, 1_000)).toThrow(/79202 parameter sets/);
  });

  it("random search draws the same sets for the same seed, inside the ranges and on the step", () => {
    const space = resolveSpace("bollinger_bounce", { period: { min: 10, max: 40, step: 2 }, stdDevMultiplier: { min: 1.5, max: 3, step: 0.1 } }, 3);
    const a = randomSets(space, 20, 42);
    expect(randomSets(space, 20, 42)).toEqual(a);
    expect(randomSets(space, 20, 43)).not.toEqual(a);
    for (const set of a) {
      expect((set.period as number) % 2).toBe(0);
      expect(set.period).toBeGreaterThanOrEqual(10);
      expect(set.period).toBeLessThanOrEqual(40);
      expect(Math.round((set.stdDevMultiplier as number) * 10) / 10).toBe(set.stdDevMultiplier);
    }
  });
});

describe("walk-forward", () => {
  it.each([
    [100, 1, false],
    [100, 4, false],
    [1_000, 7, false],
    [1_000, 7, true],
    [13, 5, true],
  ])("n=%i candles, %i folds, anchored=%s: every test fold lies after its training fold and never overlaps it", (n, k, anchored) => {
    const times = Array.from({ length: n }, (_, i) => 1_000 + i * 60);
    const folds = walkForwardFolds(times, 1_000 + n * 60, k, anchored);
    expect(folds).toHaveLength(k);
    for (const fold of folds) {
      const train = fold.inSample;
      const test = fold.outOfSample;
      expect(train.start).toBeLessThan(train.end);
      expect(test.start).toBeLessThan(test.end);
      expect(train.end).toBeLessThanOrEqual(test.start); // disjoint index ranges, training first
      expect(train.to).toBeLessThanOrEqual(test.from); // and disjoint times
      if (anchored) expect(train.start).toBe(0);
    }
    // Test folds tile the data after the first stretch without overlapping each other.
    for (let i = 1; i < folds.length; i++) expect(folds[i].outOfSample.start).toBe(folds[i - 1].outOfSample.end);
    expect(folds.at(-1)!.outOfSample.end).toBe(n);
  });

  it("an optimisation run with walk-forward never lets a training run see a candle of its test fold", async () => {
    const candles = randomWalk(1_200, { seed: 9, timeframe: "5m" });
    const report = await optimise(
      {
        base: { strategies: [{ kind: "test_probe", symbols: ["BTC/USDT"], timeframe: "5m" }], source: { type: "inline" }, riskLimits: RELAXED_LIMITS },
        space: { knob: { values: [1, 2, 3] } },
        walkForward: { folds: 3 },
        minTrades: 0,
      },
      { data: { series: [{ symbol: "BTC/USDT", timeframe: "5m", candles }] }, inProcess: true },
    );
    const folds = report.walkForward!.folds;
    expect(folds).toHaveLength(3);
    expect(report.execution.mode).toBe("in-process");
    // One probe instance per run: 3 folds × (3 training runs + 1 test run), each known by the candles it traded on.
    const runs = probeLog
      .filter((log) => log.some((r) => r.phase === "candle"))
      .map((log) => {
        const traded = log.filter((r) => r.phase === "candle");
        return { from: traded[0].openTime, to: traded.at(-1)!.closeTime, log };
      });
    expect(runs).toHaveLength(12);
    for (const fold of folds) {
      const { inSample, outOfSample } = fold;
      const training = runs.filter((r) => r.from === inSample.from && r.to === inSample.to);
      const testing = runs.filter((r) => r.from === outOfSample.from && r.to === outOfSample.to);
      expect(training.length).toBeGreaterThanOrEqual(3);
      expect(testing.length).toBeGreaterThanOrEqual(1);
      for (const run of training) {
        // Neither traded on nor warmed up with anything at or after the test fold's start.
        for (const r of run.log) expect(r.closeTime).toBeLessThanOrEqual(outOfSample.from);
      }
      for (const run of testing) {
        for (const r of run.log) {
          if (r.phase === "warm") expect(r.closeTime).toBeLessThanOrEqual(outOfSample.from);
          else expect(r.openTime).toBeGreaterThanOrEqual(outOfSample.from);
          expect(r.closeTime).toBeLessThanOrEqual(outOfSample.to);
        }
      }
      expect(fold.best).not.toBeNull();
      expect(fold.outOfSampleResult).not.toBeNull();
    }
  });
});

describe("optimisation", () => {
  it("ranks parameter sets by the objective, best first; sets the strategy refuses are counted, not run", async () => {
    const candles = randomWalk(4_000, { seed: 21 });
    const report = await optimise(
      {
        base: { strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe: "5m" }], source: { type: "inline" }, riskLimits: RELAXED_LIMITS },
        space: { fastPeriod: { values: [5, 10, 20] }, slowPeriod: { values: [10, 30] } },
        objective: "returnOverDrawdown",
        minTrades: 1,
      },
      { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles }] }, inProcess: true },
    );
    expect(report.invalid.count).toBe(2); // 10/10 and 20/10: slow must exceed fast
    expect(report.evaluations).toBe(4);
    expect(report.ranked).toHaveLength(4);
    const keys = report.ranked.map((e) => (e.tooFewTrades ? Number.NEGATIVE_INFINITY : e.objectiveInfinite ? Number.POSITIVE_INFINITY : (e.objective ?? Number.NEGATIVE_INFINITY)));
    for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeLessThanOrEqual(keys[i - 1]);
    expect(report.best).toBe(report.ranked[0]);
  });

  it("worker threads (tsx-loaded) give exactly the evaluations of the calling thread", async () => {
    const candles = randomWalk(3_000, { seed: 5 });
    const data = { series: [{ symbol: "BTC/USDT", timeframe: "1m" as const, candles }] };
    const request = (fastPeriod: number) => ({
      config: { strategies: [{ kind: "ma_crossover", params: { fastPeriod, slowPeriod: 30 }, symbols: ["BTC/USDT"], timeframe: "5m" as const }], source: { type: "inline" as const }, riskLimits: RELAXED_LIMITS },
      objective: "sharpe" as const,
      minTrades: 1,
      strategyIndex: 0,
    });
    const pool = await BacktestPool.create(data, { size: 2 });
    try {
      expect(pool.mode).toBe("workers");
      const inWorkers = await Promise.all([5, 8, 12].map((f) => pool.evaluate(request(f))));
      const here = await Promise.all([5, 8, 12].map((f) => evaluateConfig(request(f), data)));
      expect(inWorkers).toEqual(here);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
