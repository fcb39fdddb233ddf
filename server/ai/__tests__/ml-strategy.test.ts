import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { TIMEFRAME_MS, type Candle, type Signal } from "../../model/types";
import { StrategyParamsError, createStrategy, listStrategyKinds, parseStrategyParams, type Strategy, type StrategyPosition } from "../../strategy";
import { trainModel } from "../model";
import { ModelRegistry } from "../model-registry";
import { MlSignalStrategy, ML_SIGNAL_KIND, minimumTrainingCandles, mlSignalParams, registerMlStrategy, type MlSignalParams } from "../ml-strategy";
import { momentumSeries, numbersIn } from "./helpers";

const closeTime = (c: Candle) => c.openTime + TIMEFRAME_MS[c.timeframe];

/** Feeds candles like the engine, following the signals so the next candle sees the position. */
function runLive(strategy: Strategy, candles: Candle[]): { signals: Signal[]; errors: string[] } {
  let position: StrategyPosition = "none";
  let entryPrice: number | undefined;
  const signals: Signal[] = [];
  const errors: string[] = [];
  for (const candle of candles) {
    let out: readonly Signal[] = [];
    try {
      out = strategy.onCandle(candle, { now: closeTime(candle), position, entryPrice });
    } catch (err) {
      errors.push((err as Error).message);
    }
    for (const s of out) {
      signals.push(s);
      if (s.action === "enter_long") [position, entryPrice] = ["long", s.price];
      else if (s.action === "exit_long") [position, entryPrice] = ["none", undefined];
    }
  }
  return { signals, errors };
}

const params = (p: Partial<MlSignalParams> = {}): MlSignalParams => mlSignalParams.parse({ horizon: 1, trainingCandles: 800, ...p });
const config = { id: "ml-1", symbols: ["BTC/USDT"], timeframe: "5m" as const };

describe("ml_signal strategy", () => {
  const candles = momentumSeries(1400, 31, 0.8);

  it("registers once and is created like any other kind", () => {
    registerMlStrategy();
    registerMlStrategy();
    expect(listStrategyKinds().filter((k) => k.kind === ML_SIGNAL_KIND)).toHaveLength(1);
    const s = createStrategy(ML_SIGNAL_KIND, { horizon: 1, trainingCandles: 800 }, config);
    expect(s.kind).toBe(ML_SIGNAL_KIND);
    expect(s.warmupCandles).toBe(800);
    expect(() => parseStrategyParams(ML_SIGNAL_KIND, { enterThreshold: 0.55, exitThreshold: 0.6 })).toThrow(/exitThreshold: must be below enterThreshold \(0\.55\)/);
  });

  it("trained on its warm-up window, it trades a planted momentum pattern and every reason carries the numbers of its data", () => {
    const strategy = new MlSignalStrategy(config, params(), new ModelRegistry());
    for (const c of candles.slice(0, 800)) strategy.warm(c);
    const { signals, errors } = runLive(strategy, candles.slice(800));
    expect(errors).toEqual([]);
    const entries = signals.filter((s) => s.action === "enter_long");
    const exits = signals.filter((s) => s.action === "exit_long");
    expect(entries.length).toBeGreaterThan(20);
    expect(exits.length).toBeGreaterThanOrEqual(entries.length - 1);
    for (const s of entries) {
      expect(s.data.probability as number).toBeGreaterThan(0.6);
      // "...: probability 0.81 that BTC/USDT closes higher in 1 candles, above the entry threshold 0.60; base rate 0.49,
      //  out-of-sample accuracy 79.0% vs 51.0% majority on 480 samples; strongest drivers: ..."
      const m = s.reason.match(/probability (\d\.\d\d) that .* entry threshold (\d\.\d\d); base rate (\d\.\d\d), out-of-sample accuracy ([\d.]+)% vs ([\d.]+)% majority on (\d+) samples/);
      expect(m, s.reason).not.toBeNull();
      expect(Number(m![1])).toBe(Number((s.data.probability as number).toFixed(2)));
      expect(Number(m![2])).toBe(0.6);
      expect(Number(m![3])).toBe(Number((s.data.baseRate as number).toFixed(2)));
      expect(Number(m![4])).toBe(Number((100 * (s.data.oosAccuracy as number)).toFixed(1)));
      expect(Number(m![5])).toBe(Number((100 * (s.data.majorityAccuracy as number)).toFixed(1)));
      expect(Number(m![6])).toBe(s.data.oosSamples);
      expect(s.reason).toContain(`${s.data.driver1} `);
    }
    for (const s of exits) expect(s.data.probability as number).toBeLessThan(0.5);
    // the pattern is real, so the model says so
    expect(entries[0].data.oosAccuracy as number).toBeGreaterThan(0.7);
  });

  it("is deterministic: two instances on the same history emit the same signals", () => {
    const run = () => {
      const s = new MlSignalStrategy(config, params(), new ModelRegistry());
      for (const c of candles.slice(0, 800)) s.warm(c);
      return runLive(s, candles.slice(800, 1000)).signals.map((x) => `${x.id} ${x.reason}`);
    };
    expect(run()).toEqual(run());
  });

  it("a stored model refuses to decide on candles it was trained on (reported once), then trades after them", () => {
    const registry = new ModelRegistry();
    const trained = trainModel(candles.slice(0, 1000), "BTC/USDT", "5m", { horizon: 1 });
    const record = registry.addUnstored({ symbol: "BTC/USDT", timeframe: "5m", params: trained.params, metrics: trained.metrics, createdAt: 0 });
    const strategy = new MlSignalStrategy(config, params({ modelId: record.id }), registry);
    expect(strategy.warmupCandles).toBeLessThan(800);
    for (const c of candles.slice(0, 500)) strategy.warm(c);
    const { signals, errors } = runLive(strategy, candles.slice(500));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/was trained on BTC\/USDT prices up to the candle at .* would use the future/);
    expect(signals.length).toBeGreaterThan(0);
    for (const s of signals) expect(s.timestamp).toBeGreaterThan(trained.params.trainedTo);
    expect(signals[0].reason).toContain(`model ${record.id}`);
  });

  it("refuses a model it cannot use, and a training window too short to evaluate", () => {
    const registry = new ModelRegistry();
    expect(() => new MlSignalStrategy(config, params({ modelId: "BTC/USDT:5m:v9" }), registry)).toThrow(AppError);
    const trained = trainModel(candles.slice(0, 1000), "BTC/USDT", "5m", { horizon: 1 });
    const record = registry.addUnstored({ symbol: "BTC/USDT", timeframe: "5m", params: trained.params, metrics: trained.metrics, createdAt: 0 });
    expect(() => new MlSignalStrategy({ ...config, timeframe: "1h" }, params({ modelId: record.id }), registry)).toThrow(/trained on 5m candles; this instance runs on 1h/);
    expect(() => new MlSignalStrategy({ ...config, symbols: ["ETH/USDT"] }, params({ modelId: record.id }), registry)).toThrow(/is for BTC\/USDT only/);
    const needed = minimumTrainingCandles("1d", 5);
    expect(() => new MlSignalStrategy({ ...config, timeframe: "1d" }, params({ horizon: 5, trainingCandles: 500 }), registry)).toThrow(StrategyParamsError);
    expect(needed).toBeGreaterThan(500);
  });

  it("with too little warm-up history it waits: no decision until the window has filled, then it trains and trades", () => {
    const strategy = new MlSignalStrategy(config, params(), new ModelRegistry());
    for (const c of candles.slice(0, 300)) strategy.warm(c);
    const { signals, errors } = runLive(strategy, candles.slice(300, 1300));
    expect(errors).toEqual([]);
    expect(signals.length).toBeGreaterThan(0);
    // the first decision comes after the 800-candle window
    expect(signals[0].timestamp).toBeGreaterThan(closeTime(candles[799]));
  });
});

describe("numbersIn", () => {
  it("reads signed and percent numbers in order", () => {
    expect(numbersIn("ADX 31.2, slope +0.42%, z -1.50, 1234 samples")).toEqual([31.2, 0.42, -1.5, 1234]);
  });
});
