import type { InsightsDto, ModelSummaryDto, TrainResultDto } from "../contract";
import type { Clock } from "../core/clock";
import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import { repeatEvery, schedulerOf, type ScheduledTask, type TaskScheduler } from "../core/scheduler";
import { TIMEFRAMES, TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";
import { orderedClosedCandles } from "./dataset";
import { insightReasons, type RiskInsight } from "./explain";
import { FeatureEngine, FeatureInputError, featureReadyCandles, featureSettlingCandles } from "./features";
import { LLM_LABEL, summarizerFromEnv, type LlmSummary, type MarketSummarizer } from "./llm";
import { DEFAULT_LAMBDA, outOfSampleView, trainModelAsync, type MlModelRecord, type OutOfSample } from "./model";
import { modelRegistry as defaultRegistry, type ModelRegistry, type ModelsDb } from "./model-registry";
import { buildSnapshot, type InsightSnapshot } from "./snapshot";
import { SYMBOL_PATTERN } from "./api-schemas";

/** A 400 naming the field, in the shape of the routes' validation errors: `field: problem`, details `[{ path, message }]`. */
function invalid(field: string, message: string, code = "VALIDATION"): AppError {
  return new AppError(code, `${field}: ${message}`, 400, [{ path: field, message }]);
}

export type CandleSource = (symbol: string, timeframe: Timeframe, limit: number) => Promise<Candle[]> | Candle[];

/** A risk limit's usage as GET /api/risk reports it. */
export interface RiskUsageLike {
  key: string;
  label: string;
  used: number | null;
  limit: number | null;
  unit: string | null;
  ratio: number | null;
}

export interface InsightsServiceOptions {
  /** Closed candles, oldest first (the newest `limit`). */
  candles: CandleSource;
  /** Where models are stored; without it models live in memory only. */
  prisma?: ModelsDb;
  clock: Clock;
  /** Timers for the retraining schedule; default: the clock's (a ManualClock runs them as it advances). */
  scheduler?: TaskScheduler;
  logger: Logger;
  registry?: ModelRegistry;
  /** Timeframe when a request names none. Default 5m. */
  defaultTimeframe?: Timeframe;
  /** Symbols insights may be asked for (unknown ones answer 404); default: any. */
  symbols?: () => readonly string[];
  /** Pairs retrainAll() trains besides those that already have a model. */
  targets?: () => readonly { symbol: string; timeframe: Timeframe }[];
  /** Risk usage for the "risk" part of the insights (e.g. from getRisk(engine).usage). */
  risk?: () => Promise<{ tradingState?: string; usage: RiskUsageLike[] }> | { tradingState?: string; usage: RiskUsageLike[] };
  /** LLM summaries; default: from the environment (off without a key). */
  summarizer?: MarketSummarizer;
  /** Candles fetched to (re)build the live feature state. Default: feature settling + 200 (volatility ranking). */
  historyCandles?: number;
  /** Candles a training run uses. Default 5000. */
  trainingCandles?: number;
  /** Prediction horizon of trained models, in candles. Default 5. */
  horizon?: number;
  lambda?: number;
  /** How long a computed insights object is served from cache. Default 5 s. */
  cacheMs?: number;
  /**
   * observe() starts tracking a market the first time one of its candles arrives (an asynchronous
   * catch-up from the candle source, off the caller's path). Default true.
   */
  trackOnObserve?: boolean;
}

/**
 * A candle source over the live market data with the stored history as the fallback (as GET /api/candles
 * does): the market's recent closed candles, completed from the store when it has fewer than asked for.
 */
export function marketCandleSource(
  market: { recentCandles(symbol: string, timeframe: Timeframe, limit: number): Candle[] },
  store: { loadLatest(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> },
): CandleSource {
  return async (symbol, timeframe, limit) => {
    // One more than asked for, in case the market counts a forming candle among them.
    const recent = market.recentCandles(symbol, timeframe, limit + 1).filter((c) => c.closed !== false).slice(-limit);
    if (recent.length >= limit) return recent;
    const stored = await store.loadLatest(symbol, timeframe, limit);
    const firstRecent = recent[0]?.openTime ?? Number.POSITIVE_INFINITY;
    return [...stored.filter((c) => c.openTime < firstRecent), ...recent].slice(-limit);
  };
}

export interface ModelSummary {
  id: string;
  symbol: string;
  timeframe: Timeframe;
  version: number;
  createdAt: number;
  horizon: number;
  trainSamples: number;
  trainedFrom: number;
  trainedTo: number;
  outOfSample: OutOfSample;
  significant: boolean;
  latest: boolean;
}

export interface Insights extends InsightSnapshot {
  /** When these insights were computed (epoch ms). */
  at: number;
  reasons: string[];
  risk?: RiskInsight;
  /** The LLM summary: "disabled" unless configured; fresh only when asked for (summary=true). */
  summary: LlmSummary | { status: "not_requested"; label: string; message: string };
}

export interface TrainResult {
  model: ModelSummary;
  stored: boolean;
  candles: number;
  durationMs: number;
}

interface LiveState {
  engine: FeatureEngine;
}

const pair = (symbol: string, timeframe: Timeframe) => `${symbol}|${timeframe}`;

/**
 * Regime, indicator consensus, the ML model's probability with its out-of-sample record, and reasons,
 * per symbol and timeframe. Computed on request from the candle source and cached briefly; the only
 * thing that may run per candle is observe() (an O(1) feature update for markets already tracked), so
 * signals can be explained with current numbers without touching the trading path otherwise.
 */
export class InsightsService {
  private readonly registry: ModelRegistry;
  private readonly summarizer: MarketSummarizer;
  private readonly states = new Map<string, LiveState>();
  private readonly cache = new Map<string, { at: number; insights: Insights }>();
  private readonly computing = new Map<string, Promise<Insights>>();
  private readonly training = new Map<string, Promise<TrainResult>>();
  private readonly defaultTimeframe: Timeframe;
  private readonly trainingCandles: number;
  private readonly horizon: number;
  private readonly lambda: number;
  private readonly cacheMs: number;
  private scheduleTimer: ScheduledTask | undefined;
  private readonly tracking = new Set<string>();

  constructor(private readonly options: InsightsServiceOptions) {
    this.registry = options.registry ?? defaultRegistry;
    this.summarizer = options.summarizer ?? summarizerFromEnv({ clock: options.clock, logger: options.logger });
    this.defaultTimeframe = options.defaultTimeframe ?? "5m";
    this.trainingCandles = options.trainingCandles ?? 5000;
    this.horizon = options.horizon ?? 5;
    this.lambda = options.lambda ?? DEFAULT_LAMBDA;
    this.cacheMs = options.cacheMs ?? 5_000;
  }

  /** Loads the stored models into the registry (call once at start-up, before strategies are created). */
  async start(): Promise<void> {
    if (!this.options.prisma) return;
    const { loaded, skipped } = await this.registry.loadFrom(this.options.prisma, this.options.logger);
    this.options.logger.info({ loaded, skipped: skipped.length }, "ML models loaded");
  }

  /** Stops the retraining schedule. */
  stop(): void {
    this.scheduleTimer?.cancel();
    this.scheduleTimer = undefined;
  }

  get llm(): MarketSummarizer {
    return this.summarizer;
  }

  private resolve(symbol: string, timeframe: Timeframe | undefined): { symbol: string; timeframe: Timeframe } {
    // The routes validate with api-schemas.ts first; a caller in code gets the same 400 naming the field.
    if (typeof symbol !== "string" || !symbol.trim()) throw invalid("symbol", "is required (e.g. BTC/USDT)");
    if (!SYMBOL_PATTERN.test(symbol)) throw invalid("symbol", "must look like BASE/QUOTE in capitals, e.g. BTC/USDT (BTC/USDT:USDT for a perpetual)");
    const tf = timeframe ?? this.defaultTimeframe;
    if (!TIMEFRAMES.includes(tf)) throw invalid("timeframe", `must be one of ${TIMEFRAMES.join(", ")} (got ${String(tf)})`, "INVALID_TIMEFRAME");
    const known = this.options.symbols?.();
    if (known && !known.includes(symbol)) throw new AppError("UNKNOWN_SYMBOL", `${symbol} is not traded here (symbols: ${known.join(", ")})`, 404);
    return { symbol, timeframe: tf };
  }

  private historyCandles(timeframe: Timeframe): number {
    return this.options.historyCandles ?? featureSettlingCandles(timeframe) + 200;
  }

  private async fetchCandles(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    let raw: Candle[];
    try {
      raw = await this.options.candles(symbol, timeframe, limit);
    } catch (err) {
      throw new AppError("CANDLES_UNAVAILABLE", `cannot load ${symbol} ${timeframe} candles: ${errorMessage(err)}`, 503);
    }
    return orderedClosedCandles(raw, symbol, timeframe);
  }

  /**
   * Brings the live feature state of a market up to date with the candle source: feeds the candles
   * newer than the last one seen, or rebuilds from scratch when there is a gap (or no state yet).
   */
  private async catchUp(symbol: string, timeframe: Timeframe): Promise<LiveState> {
    const key = pair(symbol, timeframe);
    const candles = await this.fetchCandles(symbol, timeframe, this.historyCandles(timeframe));
    let state = this.states.get(key);
    const period = TIMEFRAME_MS[timeframe];
    const continuous = state && candles.length > 0 && candles[0].openTime <= state.engine.lastCandleTime + period;
    if (!state || !continuous) {
      state = { engine: new FeatureEngine(timeframe) };
      this.states.set(key, state);
    }
    try {
      for (const candle of candles) state.engine.update(candle);
    } catch (err) {
      // The state is inconsistent with the history now: the next request rebuilds it.
      this.states.delete(key);
      if (err instanceof FeatureInputError) throw new AppError("BAD_CANDLES", `${symbol} ${timeframe}: ${err.message}`, 422);
      throw err;
    }
    if (!state.engine.ready) {
      throw new AppError(
        "INSUFFICIENT_HISTORY",
        `${symbol} ${timeframe}: ${candles.length} closed candles available, the insights need at least ${featureReadyCandles(timeframe)}`,
        422,
        { available: candles.length, needed: featureReadyCandles(timeframe) },
      );
    }
    return state;
  }

  /**
   * A closed candle from the live feed: an O(1) feature update when the market is tracked and the candle
   * is the next one. The first candle of an untracked market, or one after missed candles, schedules an
   * asynchronous catch-up from the candle source instead (see trackOnObserve).
   */
  observe(candle: Candle): void {
    if (!candle.closed) return;
    const key = pair(candle.symbol, candle.timeframe);
    const state = this.states.get(key);
    if (state) {
      const last = state.engine.lastCandleTime;
      if (candle.openTime <= last) return;
      if (candle.openTime === last + TIMEFRAME_MS[candle.timeframe]) {
        try {
          state.engine.update(candle);
        } catch (err) {
          this.options.logger.warn({ err: errorMessage(err), symbol: candle.symbol }, "insights: candle rejected");
        }
        return;
      }
    }
    // Untracked, or candles were missed: catch up from the candle source, later (the caller, the
    // engine's candle event, must not wait for a history fetch).
    if (!(this.options.trackOnObserve ?? true) || this.tracking.has(key) || !TIMEFRAMES.includes(candle.timeframe)) return;
    this.tracking.add(key);
    setImmediate(() => {
      this.catchUp(candle.symbol, candle.timeframe)
        .catch((err) => this.options.logger.debug({ err: errorMessage(err), symbol: candle.symbol, timeframe: candle.timeframe }, "insights: market not tracked yet"))
        .finally(() => this.tracking.delete(key));
    });
  }

  /**
   * The current snapshot of a tracked market, synchronously (for explainSignal at signal time);
   * undefined when the market is not tracked or not ready.
   */
  snapshotFor(symbol: string, timeframe: Timeframe): InsightSnapshot | undefined {
    const state = this.states.get(pair(symbol, timeframe));
    if (!state) return undefined;
    return buildSnapshot(symbol, state.engine, this.registry.latest(symbol, timeframe));
  }

  /** Starts tracking markets (builds their feature state) so snapshotFor() has numbers from the first signal. */
  async track(markets: readonly { symbol: string; timeframe: Timeframe }[]): Promise<void> {
    for (const m of markets) {
      try {
        await this.catchUp(m.symbol, m.timeframe);
      } catch (err) {
        this.options.logger.warn({ err: errorMessage(err), symbol: m.symbol, timeframe: m.timeframe }, "insights: cannot track market yet");
      }
    }
  }

  async getInsights(symbol: string, timeframe?: Timeframe, options: { summary?: boolean } = {}): Promise<Insights> {
    const m = this.resolve(symbol, timeframe);
    const key = pair(m.symbol, m.timeframe);
    const now = this.options.clock.now();
    const hit = this.cache.get(key);
    let insights: Insights;
    if (hit && now - hit.at < this.cacheMs) {
      insights = hit.insights;
    } else {
      let pending = this.computing.get(key);
      if (!pending) {
        pending = this.compute(m.symbol, m.timeframe).finally(() => this.computing.delete(key));
        this.computing.set(key, pending);
      }
      insights = await pending;
    }
    if (options.summary) return { ...insights, summary: await this.summarizer.summarize(insights) };
    return insights;
  }

  private async compute(symbol: string, timeframe: Timeframe): Promise<Insights> {
    const state = await this.catchUp(symbol, timeframe);
    const snapshot = buildSnapshot(symbol, state.engine, this.registry.latest(symbol, timeframe))!;
    const risk = await this.riskInsight();
    const at = this.options.clock.now();
    const summary: Insights["summary"] = this.summarizer.enabled
      ? (this.summarizer.cached(symbol, timeframe) ?? { status: "not_requested", label: LLM_LABEL, message: "ask for one with summary=true" })
      : { status: "disabled", label: LLM_LABEL, message: this.summarizer.describe().reason };
    const insights: Insights = { ...snapshot, at, reasons: insightReasons(snapshot, risk), ...(risk ? { risk } : {}), summary };
    this.cache.set(pair(symbol, timeframe), { at, insights });
    return insights;
  }

  private async riskInsight(): Promise<RiskInsight | undefined> {
    if (!this.options.risk) return undefined;
    let report: { tradingState?: string; usage: RiskUsageLike[] };
    try {
      report = await this.options.risk();
    } catch (err) {
      this.options.logger.warn({ err: errorMessage(err) }, "insights: risk usage unavailable");
      return { level: "unknown", worst: null };
    }
    const measured = report.usage.filter((u): u is RiskUsageLike & { ratio: number } => typeof u.ratio === "number" && Number.isFinite(u.ratio));
    if (!measured.length) return { level: "unknown", worst: null, ...(report.tradingState ? { tradingState: report.tradingState } : {}) };
    const worst = measured.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const level = worst.ratio >= 0.9 ? "danger" : worst.ratio >= 0.7 ? "warn" : "ok";
    return {
      level,
      worst: { key: worst.key, label: worst.label, used: worst.used, limit: worst.limit, unit: worst.unit, ratio: worst.ratio },
      ...(report.tradingState ? { tradingState: report.tradingState } : {}),
    };
  }

  /**
   * Trains a new model version on the stored history, evaluates it walk-forward out of sample, stores
   * it and makes it the latest. One training per market at a time (a second request joins the first).
   */
  train(symbol: string, timeframe?: Timeframe): Promise<TrainResult> {
    let m: { symbol: string; timeframe: Timeframe };
    try {
      m = this.resolve(symbol, timeframe);
    } catch (err) {
      // A refusal is a rejected promise like every other failure of train(), not a synchronous throw.
      return Promise.reject(err);
    }
    const key = pair(m.symbol, m.timeframe);
    let pending = this.training.get(key);
    if (!pending) {
      pending = this.runTraining(m.symbol, m.timeframe).finally(() => this.training.delete(key));
      this.training.set(key, pending);
    }
    return pending;
  }

  private async runTraining(symbol: string, timeframe: Timeframe): Promise<TrainResult> {
    const started = this.options.clock.now();
    const candles = await this.fetchCandles(symbol, timeframe, this.trainingCandles);
    // Yields between fits: the process also trades, and a fit of 5000 candles takes tens of milliseconds.
    const trained = await trainModelAsync(candles, symbol, timeframe, { horizon: this.horizon, lambda: this.lambda });
    const createdAt = this.options.clock.now();
    const input = { symbol, timeframe, params: trained.params, metrics: trained.metrics, createdAt };
    const record = this.options.prisma ? await this.registry.persist(this.options.prisma, input) : this.registry.addUnstored(input);
    this.cache.delete(pair(symbol, timeframe));
    this.options.logger.info(
      { model: record.id, samples: record.metrics.samples, accuracy: record.metrics.accuracy, baseRate: record.metrics.baseRate },
      "ML model trained",
    );
    return { model: this.summary(record), stored: !!this.options.prisma, candles: candles.length, durationMs: this.options.clock.now() - started };
  }

  /** Retrains every market that has a model, plus the configured targets. Failures are reported, not thrown. */
  async retrainAll(): Promise<{ trained: TrainResult[]; failed: { symbol: string; timeframe: Timeframe; error: string }[] }> {
    const seen = new Set<string>();
    const markets = [...(this.options.targets?.() ?? []), ...this.registry.pairs()].filter((m) => {
      const key = pair(m.symbol, m.timeframe);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const trained: TrainResult[] = [];
    const failed: { symbol: string; timeframe: Timeframe; error: string }[] = [];
    for (const m of markets) {
      try {
        trained.push(await this.train(m.symbol, m.timeframe));
      } catch (err) {
        failed.push({ symbol: m.symbol, timeframe: m.timeframe, error: errorMessage(err) });
        this.options.logger.warn({ err: errorMessage(err), ...m }, "scheduled retraining failed");
      }
    }
    return { trained, failed };
  }

  /**
   * Trains a first model for every target market that has none (a fresh install), one at a time, so
   * the insights page shows real out-of-sample figures from the first minutes on.
   */
  async trainMissing(): Promise<{ trained: TrainResult[]; failed: { symbol: string; timeframe: Timeframe; error: string }[] }> {
    const trained: TrainResult[] = [];
    const failed: { symbol: string; timeframe: Timeframe; error: string }[] = [];
    const known = new Set(this.registry.pairs().map((m) => pair(m.symbol, m.timeframe)));
    for (const m of this.options.targets?.() ?? []) {
      if (known.has(pair(m.symbol, m.timeframe))) continue;
      try {
        trained.push(await this.train(m.symbol, m.timeframe));
      } catch (err) {
        failed.push({ symbol: m.symbol, timeframe: m.timeframe, error: errorMessage(err) });
      }
    }
    if (failed.length) this.options.logger.warn({ failed }, "first models could not be trained yet (not enough history?); the daily retraining tries again");
    return { trained, failed };
  }

  /** Calls retrainAll() every `intervalMs` of clock time (at least a minute) until stop(), on the clock's scheduler; a real timer does not keep the process alive. */
  scheduleRetraining(intervalMs: number): () => void {
    if (!Number.isFinite(intervalMs) || intervalMs < 60_000) throw new RangeError(`the retraining interval must be at least 60000 ms (got ${intervalMs})`);
    this.stop();
    let running = false;
    const scheduler = this.options.scheduler ?? schedulerOf(this.options.clock, { unref: true });
    this.scheduleTimer = repeatEvery(scheduler, this.options.clock, intervalMs, () => {
      if (running) return;
      running = true;
      void this.retrainAll().finally(() => {
        running = false;
      });
    });
    return () => this.stop();
  }

  listModels(filter: { symbol?: string; timeframe?: Timeframe } = {}): ModelSummary[] {
    return this.registry.list(filter).map((r) => this.summary(r));
  }

  private summary(record: MlModelRecord): ModelSummary {
    const latest = this.registry.latest(record.symbol, record.timeframe);
    const oos = outOfSampleView(record.metrics);
    return {
      id: record.id,
      symbol: record.symbol,
      timeframe: record.timeframe,
      version: record.version,
      createdAt: record.createdAt,
      horizon: record.params.horizon,
      trainSamples: record.params.trainSamples,
      trainedFrom: record.params.trainedFrom,
      trainedTo: record.params.trainedTo,
      outOfSample: oos,
      significant: oos.accuracyEdge > 2 * oos.accuracyStdErr,
      latest: latest?.id === record.id,
    };
  }
}

/** The wire contract holds: what this service returns is what `/api/insights` promises (compile-time check). */
export const insightsOnTheWire = {
  insights: (i: Insights): InsightsDto => i,
  model: (m: ModelSummary): ModelSummaryDto => m,
  trained: (t: TrainResult): TrainResultDto => t,
};
