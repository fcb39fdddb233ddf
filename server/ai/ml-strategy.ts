import { z } from "zod";
import { AppError, errorMessage } from "../core/errors";
import type { Candle, Signal, Timeframe } from "../model/types";
import {
  BaseStrategy,
  NO_SIGNALS,
  StrategyInputError,
  StrategyParamsError,
  integerParam,
  getStrategyDefinition,
  numberParam,
  protectiveParams,
  registerStrategyKind,
  type StrategyContext,
  type StrategyDefinition,
  type StrategyInstanceConfig,
} from "../strategy";
import { formatContribution, formatProbability, formatShare } from "./format";
import { FEATURE_NAMES, FeatureEngine, featureReadyCandles, featureSettlingCandles } from "./features";
import { hasSignificantEdge, modelIncompatibility, predict, trainModel, type MlModelMetrics, type MlModelParams } from "./model";
import { modelRegistry, type ModelRegistry } from "./model-registry";
import { DEFAULT_WALK_FORWARD } from "./walk-forward";

export const ML_SIGNAL_KIND = "ml_signal";
const DEFAULT_TIMEFRAME: Timeframe = "5m";

/** Where a strategy instance's model comes from. */
export const MODEL_FROM_WARMUP = "";
export const MODEL_LATEST = "latest";

export const mlSignalParams = z
  .strictObject({
    modelId: z
      .string()
      .trim()
      .max(200)
      .default(MODEL_FROM_WARMUP)
      .meta({
        title: "Model",
        description:
          'Empty: train on the warm-up window when the instance starts (no look-ahead: use this for backtests). "latest": the newest stored model ' +
          'for the symbol and timeframe (falls back to warm-up training when none exists). Or a model id such as "BTC/USDT:5m:v3".',
      }),
    enterThreshold: numberParam({
      title: "Entry probability",
      description: "Enter long when the model's probability that the close is higher after the horizon exceeds this.",
      default: 0.6,
      min: 0.5,
      max: 0.99,
      step: 0.01,
    }),
    exitThreshold: numberParam({
      title: "Exit probability",
      description: "Exit the long when the probability falls below this (must be below the entry probability).",
      default: 0.5,
      min: 0.01,
      max: 0.95,
      step: 0.01,
    }),
    horizon: integerParam({
      title: "Horizon (candles)",
      description: "Warm-up training only: the model predicts whether the close is higher this many candles later. Stored models keep their own horizon.",
      default: 5,
      min: 1,
      max: 100,
    }),
    trainingCandles: integerParam({
      title: "Training window (candles)",
      description: "Warm-up training only: closed candles the model is trained and evaluated on before the first decision.",
      default: 1500,
      min: 500,
      max: 10000,
      step: 100,
    }),
    ...protectiveParams,
  })
  .superRefine((p, ctx) => {
    if (p.exitThreshold >= p.enterThreshold) {
      ctx.addIssue({ code: "custom", path: ["exitThreshold"], message: `must be below enterThreshold (${p.enterThreshold}); it is ${p.exitThreshold}` });
    }
  });

export type MlSignalParams = z.output<typeof mlSignalParams>;

interface ActiveModel {
  /** Stored model id, or "warm-up" for a model trained by this instance. */
  id: string;
  label: string;
  params: MlModelParams;
  metrics: MlModelMetrics;
}

interface MlState {
  symbol: string;
  features: FeatureEngine;
  model: ActiveModel | undefined;
  /** Closed candles kept for warm-up training (copies, at most trainingCandles). */
  history: Candle[];
  trainingAttempted: boolean;
  /** A stored model may not decide on candles it was trained on; reported once. */
  lookAheadReported: boolean;
}

/** Closed candles a warm-up-trained model needs at least: feature warm-up, a walk-forward evaluation, the labels' horizon. */
export function minimumTrainingCandles(timeframe: Timeframe, horizon: number): number {
  const { minTrainSamples, minTestSamples, folds } = DEFAULT_WALK_FORWARD;
  const labelled = Math.ceil((minTrainSamples + horizon + Math.max(minTestSamples, folds)) / (1 - DEFAULT_WALK_FORWARD.initialTrainFraction));
  return featureReadyCandles(timeframe) + horizon + Math.max(labelled, minTrainSamples + horizon + minTestSamples);
}

/**
 * Trades on a logistic-regression model's probability that the close is higher `horizon` candles later:
 * - flat: enter long when p > enterThreshold; with allowShort, enter short when p < 1 - enterThreshold;
 * - long: exit when p < exitThreshold; short: exit when p > 1 - exitThreshold.
 * The model is a stored one (modelId) or is trained on the warm-up window at the first live candle
 * (modelId ""), which is the only choice without look-ahead in a backtest. A stored model refuses to
 * decide on candles older than the newest one its training labels looked at (reported once per symbol)
 * and resumes after them.
 * The features are the FeatureEngine's, the same code that trained the model.
 */
export class MlSignalStrategy extends BaseStrategy<MlSignalParams, MlState> {
  private readonly fixedModel: ActiveModel | undefined;

  constructor(
    config: StrategyInstanceConfig,
    params: MlSignalParams,
    private readonly registry: ModelRegistry = modelRegistry,
  ) {
    const timeframe = config.timeframe ?? DEFAULT_TIMEFRAME;
    const settling = featureSettlingCandles(timeframe);
    const warmup = params.modelId === MODEL_FROM_WARMUP || params.modelId === MODEL_LATEST ? Math.max(settling, params.trainingCandles) : settling;
    super(ML_SIGNAL_KIND, config, params, [{ timeframe, warmupCandles: warmup }]);
    if (params.modelId === MODEL_FROM_WARMUP || params.modelId === MODEL_LATEST) {
      const needed = minimumTrainingCandles(timeframe, params.horizon);
      if (params.trainingCandles < needed) {
        throw new StrategyParamsError(ML_SIGNAL_KIND, [
          { param: "trainingCandles", message: `must be at least ${needed} on ${timeframe} with a horizon of ${params.horizon} (feature warm-up plus a walk-forward evaluation); it is ${params.trainingCandles}` },
        ]);
      }
      this.fixedModel = undefined;
      return;
    }
    const record = registry.get(params.modelId);
    if (!record) {
      const known = registry.list({ timeframe }).map((m) => m.id);
      throw new AppError("MODEL_NOT_FOUND", `ML model "${params.modelId}" is not known${known.length ? ` (${timeframe} models: ${known.slice(0, 10).join(", ")})` : "; train one first (POST /api/insights/train)"}`, 400);
    }
    if (record.timeframe !== timeframe) {
      throw new AppError("MODEL_MISMATCH", `ML model ${record.id} was trained on ${record.timeframe} candles; this instance runs on ${timeframe}`, 400);
    }
    if (!config.symbols.includes(record.symbol) || config.symbols.length !== 1) {
      throw new AppError("MODEL_MISMATCH", `ML model ${record.id} is for ${record.symbol} only; give the instance exactly that symbol (it has ${config.symbols.join(", ")})`, 400);
    }
    const incompatible = modelIncompatibility(record.params);
    if (incompatible) throw new AppError("MODEL_INCOMPATIBLE", `ML model ${record.id} cannot be used: ${incompatible}`, 400);
    this.fixedModel = { id: record.id, label: `model ${record.id}`, params: record.params, metrics: record.metrics };
  }

  protected createState(symbol: string): MlState {
    let model = this.fixedModel;
    if (!model && this.params.modelId === MODEL_LATEST) {
      const record = this.registry.latest(symbol, this.timeframe);
      if (record && !modelIncompatibility(record.params)) model = { id: record.id, label: `model ${record.id}`, params: record.params, metrics: record.metrics };
    }
    return { symbol, features: new FeatureEngine(this.timeframe), model, history: [], trainingAttempted: false, lookAheadReported: false };
  }

  protected ingest(s: MlState, candle: Candle): void {
    s.features.update(candle);
    if (!s.model) {
      s.history.push({ ...candle });
      if (s.history.length > this.params.trainingCandles) s.history.shift();
    }
  }

  protected isReady(s: MlState): boolean {
    return s.features.ready;
  }

  protected decide(s: MlState, candle: Candle, ctx: StrategyContext<MlSignalParams>): readonly Signal[] {
    const model = s.model ?? this.trainOnHistory(s);
    if (!model) return NO_SIGNALS;
    if (candle.openTime < model.params.trainedTo) {
      if (!s.lookAheadReported) {
        s.lookAheadReported = true;
        throw new StrategyInputError(
          this.instanceId,
          `${model.label} was trained on ${s.symbol} prices up to the candle at ${new Date(model.params.trainedTo).toISOString()}; deciding on the candle at ` +
            `${new Date(candle.openTime).toISOString()} would use the future, so no signal is produced until after that time (use an empty model id to train on the warm-up window instead)`,
        );
      }
      return NO_SIGNALS;
    }
    const p = ctx.params;
    const prediction = predict(model.params, s.features.vector);
    const probability = prediction.probability;
    const short = 1 - p.enterThreshold;
    const shortExit = 1 - p.exitThreshold;
    let action: Signal["action"] | undefined;
    let rule = "";
    if (ctx.position === "long" && probability < p.exitThreshold) {
      action = "exit_long";
      rule = `below the exit threshold ${formatProbability(p.exitThreshold)}`;
    } else if (ctx.position === "short" && probability > shortExit) {
      action = "exit_short";
      rule = `above the short exit threshold ${formatProbability(shortExit)}`;
    } else if (ctx.position === "none" && probability > p.enterThreshold) {
      action = "enter_long";
      rule = `above the entry threshold ${formatProbability(p.enterThreshold)}`;
    } else if (ctx.position === "none" && p.allowShort && probability < short) {
      action = "enter_short";
      rule = `below the short entry threshold ${formatProbability(short)}`;
    }
    if (!action) return NO_SIGNALS;

    const m = model.metrics;
    const top = prediction.contributions.slice(0, 3);
    const drivers = top.map((c) => `${c.feature} ${formatContribution(c.contribution)}`).join(", ");
    const edge = hasSignificantEdge(m) ? "" : " (not significantly better than guessing the majority)";
    const reason =
      `${model.label}: probability ${formatProbability(probability)} that ${s.symbol} closes higher in ${model.params.horizon} candles, ${rule}; ` +
      `base rate ${formatProbability(m.baseRate)}, out-of-sample accuracy ${formatShare(m.accuracy)} vs ${formatShare(m.majorityAccuracy)} majority on ${m.samples} samples${edge}; ` +
      `strongest drivers: ${drivers}`;
    const data: Record<string, number | string | boolean> = {
      probability,
      enterThreshold: p.enterThreshold,
      exitThreshold: p.exitThreshold,
      horizon: model.params.horizon,
      modelId: model.id,
      baseRate: m.baseRate,
      oosAccuracy: m.accuracy,
      majorityAccuracy: m.majorityAccuracy,
      oosSamples: m.samples,
      close: candle.close,
    };
    top.forEach((c, i) => {
      data[`driver${i + 1}`] = c.feature;
      data[`driver${i + 1}Contribution`] = c.contribution;
    });
    const levels =
      action === "enter_long"
        ? this.protectiveLevels("long", candle.close, p.stopLossPct, p.takeProfitPct)
        : action === "enter_short"
          ? this.protectiveLevels("short", candle.close, p.stopLossPct, p.takeProfitPct)
          : undefined;
    return [this.signal(candle, action, reason, data, levels)];
  }

  /**
   * Trains on the candles collected during warm-up (and since). Tried once the window is full, or at
   * the first decision with whatever the engine supplied; a failure (too little history) is reported
   * once and retried when the window is full.
   */
  private trainOnHistory(s: MlState): ActiveModel | undefined {
    const full = s.history.length >= this.params.trainingCandles;
    if (s.trainingAttempted && !full) return undefined;
    s.trainingAttempted = true;
    try {
      const trained = trainModel(s.history, s.symbol, this.timeframe, { horizon: this.params.horizon });
      s.model = {
        id: "warm-up",
        label: `model trained on the last ${s.history.length} ${this.timeframe} candles`,
        params: trained.params,
        metrics: trained.metrics,
      };
      s.history = [];
      return s.model;
    } catch (err) {
      if (full) s.history.splice(0, Math.ceil(s.history.length / 10)); // retry after a tenth of a window of new candles
      throw new StrategyInputError(
        this.instanceId,
        `${s.symbol}: cannot train the model on the warm-up window yet (${errorMessage(err)}); no signal until it can, retried as candles arrive`,
      );
    }
  }
}

export const mlSignalDefinition: StrategyDefinition<typeof mlSignalParams> = {
  kind: ML_SIGNAL_KIND,
  title: "ML signal (logistic regression)",
  description:
    `Goes long when a logistic-regression model's probability that the close is higher after its horizon exceeds the entry threshold, and exits when it ` +
    `falls below the exit threshold (shorts mirrored when allowed). Features: ${FEATURE_NAMES.join(", ")}. The model is trained on the warm-up window ` +
    `(default; no look-ahead) or taken from the stored models; every signal states the probability, the model's out-of-sample accuracy next to ` +
    `its base rate, and the features that drove it.`,
  paramsSchema: mlSignalParams,
  defaultTimeframe: DEFAULT_TIMEFRAME,
  presets: [
    { id: "ml-5m-warmup", label: "ML on 5m, trained on the warm-up window", timeframe: "5m", params: { modelId: MODEL_FROM_WARMUP, horizon: 5 } },
    { id: "ml-1h-latest", label: "ML on 1h, newest stored model", timeframe: "1h", params: { modelId: MODEL_LATEST, horizon: 4 } },
  ],
  create: (config, params) => new MlSignalStrategy(config, params),
};

/** Adds the ml_signal kind to the strategy registry; safe to call more than once. Call at start-up. */
export function registerMlStrategy(): void {
  try {
    getStrategyDefinition(ML_SIGNAL_KIND);
    return;
  } catch {
    registerStrategyKind(mlSignalDefinition as unknown as StrategyDefinition);
  }
}
