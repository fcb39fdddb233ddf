import { z } from "zod";
import { AppError, errorMessage } from "../core/errors";
import type { CandleStore } from "../market";
import { TIMEFRAME_MS } from "../model/types";
import { getStrategyDefinition, listStrategyKinds, parseStrategyParams, type ParamDescription } from "../strategy";
import { backtestConfigSchema, effectiveLimits, parseBacktestConfig, type BacktestConfig } from "./config";
import type { RiskLimits } from "../config/risk-limits";
import { buildTimeline, prepareSeries, type BacktestData } from "./data";
import { OBJECTIVES, compareEvaluations, type EvaluateRequest, type Evaluation } from "./evaluate";
import { BacktestPool, type Evaluator, type ExecutionMode } from "./pool";
import { loadData, planBacktest } from "./runner";
import { seededRandom } from "../core/random";

/**
 * Parameter optimisation: grid or seeded random search over a strategy's declared parameter ranges,
 * ranked by an objective, optionally walk-forward (optimise in-sample, evaluate the winner on the
 * following out-of-sample stretch it never saw). Runs use every core through a worker pool.
 */

const valueSchema = z.union([z.number(), z.string(), z.boolean()]);
export const paramRangeSchema = z.union([
  z.object({ values: z.array(valueSchema).min(1).max(200) }).strict(),
  z
    .object({ min: z.number().finite(), max: z.number().finite(), step: z.number().positive().finite().optional() })
    .strict()
    .refine((r) => r.max >= r.min, { message: "max must be >= min" }),
]);
export type ParamRange = z.infer<typeof paramRangeSchema>;

export const optimiseConfigSchema = z.object({
  /** The backtest to vary (its strategy at strategyIndex gets the parameter sets). */
  base: backtestConfigSchema,
  strategyIndex: z.number().int().min(0).default(0),
  method: z.enum(["grid", "random"]).default("grid"),
  /** Parameters to vary; default: every numeric parameter of the kind except the protective ones, over its declared range. */
  space: z.record(z.string(), paramRangeSchema).optional(),
  /** Grid points per parameter given without a step (and for the default space). */
  levels: z.number().int().min(2).max(50).default(3),
  /** Random search: parameter sets to draw. */
  samples: z.number().int().min(1).max(10_000).default(50),
  seed: z.number().int().default(1),
  objective: z.enum(OBJECTIVES).default("sharpe"),
  /** Runs with fewer closed trades rank last (a lucky single trade is not an edge). */
  minTrades: z.number().int().min(0).default(5),
  /** Refuse a search bigger than this (per fold) before running anything. */
  maxEvaluations: z.number().int().min(1).max(100_000).default(1_000),
  walkForward: z.object({ folds: z.number().int().min(1).max(20), anchored: z.boolean().default(false) }).optional(),
  /** Parameter sets kept in the report, best first. */
  top: z.number().int().min(1).max(1_000).default(20),
});
export type OptimiseConfigInput = z.input<typeof optimiseConfigSchema>;
export type OptimiseConfig = z.output<typeof optimiseConfigSchema>;

/** Below this many candles over all runs, the search stays in the calling thread (see optimise). */
export const WORKER_THRESHOLD_CANDLES = 2_000_000;

/** Not varied by default: they change what is traded rather than how the rule is tuned. */
const PROTECTIVE = new Set(["allowShort", "stopLossPct", "takeProfitPct"]);

export interface ResolvedParam {
  name: string;
  /** Grid values (grid) or the values to draw from (random, when given as a list). */
  values?: Array<number | string | boolean>;
  /** Continuous range (random search draws from it, snapped to step). */
  range?: { min: number; max: number; step: number; integer: boolean };
}

const decimalsOf = (step: number) => {
  const text = String(step);
  const dot = text.indexOf(".");
  const exp = text.indexOf("e-");
  if (exp >= 0) return Number(text.slice(exp + 2));
  return dot < 0 ? 0 : text.length - dot - 1;
};

function snap(value: number, min: number, step: number): number {
  const k = Math.round((value - min) / step);
  return Number((min + k * step).toFixed(Math.min(12, decimalsOf(step) + decimalsOf(min))));
}

function evenly(min: number, max: number, step: number, levels: number): number[] {
  const out = new Set<number>();
  for (let i = 0; i < levels; i++) out.add(snap(min + ((max - min) * i) / (levels - 1), min, step));
  return [...out].filter((v) => v >= min - 1e-12 && v <= max + 1e-12);
}

/** The parameters to vary and their values/ranges, checked against the kind's declared ranges. */
export function resolveSpace(kind: string, space: OptimiseConfig["space"], levels: number): ResolvedParam[] {
  const info = listStrategyKinds().find((k) => k.kind === kind);
  if (!info) throw new AppError("UNKNOWN_STRATEGY_KIND", `unknown strategy kind ${kind}`, 400);
  const declared = new Map<string, ParamDescription>(info.params.map((p) => [p.name, p]));
  const entries: Array<[string, ParamRange | undefined]> = space
    ? Object.entries(space)
    : info.params.filter((p) => (p.type === "integer" || p.type === "number") && !PROTECTIVE.has(p.name)).map((p) => [p.name, undefined]);
  if (entries.length === 0) throw new AppError("OPTIMISE_EMPTY_SPACE", `strategy ${kind} has no numeric parameter to vary; give a space`, 400);
  return entries.map(([name, range]) => {
    const param = declared.get(name);
    if (!param) throw new AppError("OPTIMISE_UNKNOWN_PARAM", `${kind} has no parameter ${name} (known: ${[...declared.keys()].join(", ")})`, 400);
    if (range && "values" in range) return { name, values: range.values };
    if (param.type === "boolean") return { name, values: [false, true] };
    if (param.type === "enum") return { name, values: param.options ?? [] };
    if (param.type !== "integer" && param.type !== "number") throw new AppError("OPTIMISE_BAD_PARAM", `${kind}.${name} is not numeric: give its values as a list`, 400);
    const integer = param.type === "integer";
    const min = range?.min ?? param.min;
    const max = range?.max ?? param.max;
    if (min === undefined || max === undefined) throw new AppError("OPTIMISE_BAD_PARAM", `${kind}.${name} has no declared range: give min and max`, 400);
    if (param.min !== undefined && min < param.min) throw new AppError("OPTIMISE_BAD_RANGE", `${name}: min ${min} is below the declared minimum ${param.min}`, 400);
    if (param.max !== undefined && max > param.max) throw new AppError("OPTIMISE_BAD_RANGE", `${name}: max ${max} is above the declared maximum ${param.max}`, 400);
    const step = range?.step ?? param.step ?? (integer ? 1 : (max - min) / 10 || 1);
    if (integer && !Number.isInteger(step)) throw new AppError("OPTIMISE_BAD_RANGE", `${name} is an integer: its step must be whole (got ${step})`, 400);
    const values = range?.step !== undefined ? evenly(min, max, step, Math.floor((max - min) / step + 1e-9) + 1) : evenly(min, max, step, levels);
    return { name, values, range: { min, max, step, integer } };
  });
}

/** Every combination of the resolved values (throws before building more than `limit`). */
export function gridOf(params: readonly ResolvedParam[], limit: number): Array<Record<string, unknown>> {
  const size = params.reduce((n, p) => n * (p.values?.length ?? 1), 1);
  if (size > limit) {
    throw new AppError(
      "OPTIMISE_TOO_LARGE",
      `the grid has ${size} parameter sets (${params.map((p) => `${p.name}: ${p.values?.length}`).join(" × ")}), more than maxEvaluations ${limit}: narrow the space, use fewer levels, or use random search`,
      400,
    );
  }
  let sets: Array<Record<string, unknown>> = [{}];
  for (const p of params) {
    const next: Array<Record<string, unknown>> = [];
    for (const set of sets) for (const v of p.values ?? []) next.push({ ...set, [p.name]: v });
    sets = next;
  }
  return sets;
}

export { seededRandom } from "../core/random";

/** `samples` distinct parameter sets drawn with the seed (fewer when the space is smaller). */
export function randomSets(params: readonly ResolvedParam[], samples: number, seed: number): Array<Record<string, unknown>> {
  const random = seededRandom(seed);
  const seen = new Set<string>();
  const out: Array<Record<string, unknown>> = [];
  for (let attempt = 0; out.length < samples && attempt < samples * 20; attempt++) {
    const set: Record<string, unknown> = {};
    for (const p of params) {
      if (p.range) {
        const { min, max, step } = p.range;
        set[p.name] = Math.min(max, snap(min + random() * (max - min), min, step));
      } else {
        const values = p.values ?? [];
        set[p.name] = values[Math.min(values.length - 1, Math.floor(random() * values.length))];
      }
    }
    const key = JSON.stringify(set);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(set);
  }
  return out;
}

export interface IndexRange {
  /** First candle index (inclusive) and last (exclusive), of the curve-timeframe candles of the range. */
  start: number;
  end: number;
  /** The times the backtest runs between: [from, to). */
  from: number;
  to: number;
}

export interface FoldPlan {
  index: number;
  inSample: IndexRange;
  outOfSample: IndexRange;
}

/**
 * k walk-forward folds over n candles: the candles are cut into k + 1 equal stretches; fold i optimises
 * on stretch i (rolling) or stretches 0..i (anchored) and is tested on stretch i + 1. An in-sample range
 * always ends where its out-of-sample range starts: they never overlap.
 */
export function walkForwardFolds(openTimes: ArrayLike<number>, endTime: number, folds: number, anchored: boolean): FoldPlan[] {
  const n = openTimes.length;
  if (folds < 1) throw new AppError("OPTIMISE_BAD_FOLDS", "walk-forward needs at least one fold", 400);
  if (n < (folds + 1) * 2) throw new AppError("OPTIMISE_BAD_FOLDS", `${n} candles are too few for ${folds} walk-forward folds`, 400);
  const bound = (j: number) => Math.floor((j * n) / (folds + 1));
  const timeAt = (index: number) => (index >= n ? endTime : openTimes[index]);
  const range = (start: number, end: number): IndexRange => ({ start, end, from: timeAt(start), to: timeAt(end) });
  const plans: FoldPlan[] = [];
  for (let i = 0; i < folds; i++) {
    plans.push({ index: i, inSample: range(anchored ? 0 : bound(i), bound(i + 1)), outOfSample: range(bound(i + 1), bound(i + 2)) });
  }
  return plans;
}

export interface OptimiseProgress {
  done: number;
  total: number;
  /** Which stage: "search" (no walk-forward) or "fold N in-sample" / "fold N out-of-sample". */
  stage: string;
}

export interface FoldReport {
  index: number;
  inSample: IndexRange;
  outOfSample: IndexRange;
  evaluated: number;
  /** The in-sample winner. */
  best: Evaluation | null;
  /** The winner's parameters run on the out-of-sample stretch. */
  outOfSampleResult: Evaluation | null;
}

export interface OptimisationReport {
  kind: string;
  strategyIndex: number;
  method: "grid" | "random";
  objective: OptimiseConfig["objective"];
  space: ResolvedParam[];
  /** Parameter sets run (per fold with walk-forward). */
  evaluations: number;
  /** Parameter sets the strategy refused (cross-field rules such as fast < slow), with the first reason. */
  invalid: { count: number; example: string | null };
  execution: { mode: ExecutionMode; workers: number };
  /** Best first (without walk-forward: over the whole range). */
  ranked: Evaluation[];
  best: Evaluation | null;
  walkForward?: {
    anchored: boolean;
    folds: FoldReport[];
    summary: {
      meanInSampleObjective: number | null;
      meanOutOfSampleObjective: number | null;
      /** Out-of-sample returns compounded over the folds, %. */
      outOfSampleReturnPct: number | null;
      /** meanOutOfSample / meanInSample: how much of the in-sample edge survived. */
      efficiency: number | null;
    };
  };
  durationMs: number;
}

export interface OptimiseOptions {
  data?: BacktestData;
  store?: CandleStore;
  onProgress?: (progress: OptimiseProgress) => void;
  /**
   * Worker threads (default: one per core). inProcess forces the calling thread; by default searches
   * under WORKER_THRESHOLD_CANDLES candles in total run in the calling thread (worker start-up would dominate).
   */
  workers?: number;
  inProcess?: boolean;
  /**
   * Evaluate the sets somewhere else (BullMQ jobs, server/jobs) instead of the worker-thread pool; it
   * gets the parsed base config (workers load the candles themselves).
   */
  evaluator?: (context: { base: BacktestConfig }) => Promise<Evaluator>;
  /** Stops the search: pending evaluations reject with OPTIMISE_CANCELLED. */
  signal?: AbortSignal;
}

function cancelledError(): AppError {
  return new AppError("OPTIMISE_CANCELLED", "the optimisation was cancelled", 499);
}

function candidates(config: OptimiseConfig, kind: string, baseParams: Record<string, unknown>, space: ResolvedParam[]) {
  const sets = config.method === "grid" ? gridOf(space, config.maxEvaluations) : randomSets(space, Math.min(config.samples, config.maxEvaluations), config.seed);
  const valid: Array<Record<string, unknown>> = [];
  let invalid = 0;
  let example: string | null = null;
  for (const set of sets) {
    try {
      parseStrategyParams(kind, { ...baseParams, ...set });
      valid.push({ ...baseParams, ...set });
    } catch (err) {
      invalid += 1;
      example ??= errorMessage(err);
    }
  }
  return { valid, invalid: { count: invalid, example } };
}

function withParams(base: BacktestConfig, index: number, params: Record<string, unknown>, from: number | undefined, to: number | undefined): BacktestConfig {
  const strategies = base.strategies.map((s, i) => (i === index ? { ...s, params } : s));
  return { ...base, strategies, from, to };
}

const mean = (values: Array<number | null>) => {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
};

export async function optimise(input: OptimiseConfigInput, options: OptimiseOptions = {}): Promise<OptimisationReport> {
  const started = performance.now();
  const config = optimiseConfigSchema.parse(input);
  const base = parseBacktestConfig(config.base);
  const target = base.strategies[config.strategyIndex];
  if (!target) throw new AppError("OPTIMISE_BAD_INDEX", `strategyIndex ${config.strategyIndex}: the config has ${base.strategies.length} strategies`, 400);
  getStrategyDefinition(target.kind);
  const space = resolveSpace(target.kind, config.space, config.levels);
  const { valid, invalid } = candidates(config, target.kind, target.params, space);
  if (valid.length === 0) throw new AppError("OPTIMISE_NO_VALID_SETS", `no parameter set passed the strategy's rules${invalid.example ? `: ${invalid.example}` : ""}`, 400);

  const plan = planBacktest(base);
  const data = options.data ?? (await loadData(base, plan, options));
  const timeline = buildTimeline(prepareSeries(data, plan), plan, base.from, base.to);
  const runs = valid.length * (config.walkForward ? config.walkForward.folds : 1);
  // Starting a worker (loading the TypeScript sources) costs seconds: small searches run faster here.
  const inProcess = options.inProcess ?? (options.workers === undefined && runs * timeline.run.length < WORKER_THRESHOLD_CANDLES);
  if (options.signal?.aborted) throw cancelledError();
  const pool: Evaluator = options.evaluator ? await options.evaluator({ base }) : await BacktestPool.create(data, { size: options.workers, inProcess });
  const signal = options.signal;
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(cancelledError());
    signal?.addEventListener("abort", () => reject(cancelledError()), { once: true });
  });
  aborted.catch(() => {});
  const evaluate = (r: EvaluateRequest): Promise<Evaluation> => (signal ? Promise.race([pool.evaluate(r), aborted]) : pool.evaluate(r));
  const request = (c: BacktestConfig): EvaluateRequest => ({ config: c, objective: config.objective, minTrades: config.minTrades, strategyIndex: config.strategyIndex });
  const rank = (evaluations: Evaluation[]) => evaluations.sort(compareEvaluations);

  try {
    const report: OptimisationReport = {
      kind: target.kind,
      strategyIndex: config.strategyIndex,
      method: config.method,
      objective: config.objective,
      space,
      evaluations: valid.length,
      invalid,
      execution: { mode: pool.mode, workers: pool.size },
      ranked: [],
      best: null,
      durationMs: 0,
    };

    if (!config.walkForward) {
      let done = 0;
      const evaluations = await Promise.all(
        valid.map((params) =>
          evaluate(request(withParams(base, config.strategyIndex, params, base.from, base.to))).then((e) => {
            options.onProgress?.({ done: ++done, total: valid.length, stage: "search" });
            return e;
          }),
        ),
      );
      report.ranked = rank(evaluations).slice(0, config.top);
      report.best = report.ranked[0] ?? null;
      report.durationMs = Math.round(performance.now() - started);
      return report;
    }

    const curveMs = TIMEFRAME_MS[plan.curveTimeframe];
    const openTimes = timeline.run.filter((c) => c.symbol === plan.symbols[0] && c.timeframe === plan.curveTimeframe).map((c) => c.openTime);
    const folds = walkForwardFolds(openTimes, openTimes.length ? openTimes[openTimes.length - 1] + curveMs : timeline.to, config.walkForward.folds, config.walkForward.anchored);
    const total = folds.length * (valid.length + 1);
    let done = 0;
    const foldReports: FoldReport[] = [];
    for (const fold of folds) {
      const stage = `fold ${fold.index + 1} in-sample`;
      const inSample = await Promise.all(
        valid.map((params) =>
          evaluate(request(withParams(base, config.strategyIndex, params, fold.inSample.from, fold.inSample.to))).then((e) => {
            options.onProgress?.({ done: ++done, total, stage });
            return e;
          }),
        ),
      );
      const best = rank(inSample)[0] ?? null;
      let outOfSampleResult: Evaluation | null = null;
      if (best) {
        outOfSampleResult = await evaluate(request(withParams(base, config.strategyIndex, best.params, fold.outOfSample.from, fold.outOfSample.to)));
      }
      options.onProgress?.({ done: ++done, total, stage: `fold ${fold.index + 1} out-of-sample` });
      foldReports.push({ index: fold.index, inSample: fold.inSample, outOfSample: fold.outOfSample, evaluated: inSample.length, best, outOfSampleResult });
    }
    const meanIn = mean(foldReports.map((f) => f.best?.objective ?? null));
    const meanOut = mean(foldReports.map((f) => f.outOfSampleResult?.objective ?? null));
    const returns = foldReports.map((f) => f.outOfSampleResult?.metrics.totalReturnPct ?? null);
    const compounded = returns.every((r) => r !== null) ? (returns.reduce((acc, r) => acc * (1 + (r as number) / 100), 1) - 1) * 100 : null;
    report.walkForward = {
      anchored: config.walkForward.anchored,
      folds: foldReports,
      summary: {
        meanInSampleObjective: meanIn,
        meanOutOfSampleObjective: meanOut,
        outOfSampleReturnPct: compounded,
        efficiency: meanIn !== null && meanOut !== null && meanIn !== 0 ? meanOut / meanIn : null,
      },
    };
    report.best = foldReports[foldReports.length - 1]?.best ?? null;
    report.ranked = report.best ? [report.best] : [];
    report.durationMs = Math.round(performance.now() - started);
    return report;
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------- optimisations started from the dashboard

export type OptimisationStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

export interface OptimisationJob {
  id: string;
  status: OptimisationStatus;
  kind: string;
  progress: OptimiseProgress | null;
  report: OptimisationReport | null;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** The API optimises on stored candles only (a file path from a request would read the server's disk). */
export const apiOptimiseConfigSchema = optimiseConfigSchema.superRefine((config, ctx) => {
  const source = (config.base as { source?: { type?: string } }).source;
  if (source && source.type !== "stored") {
    ctx.addIssue({ code: "custom", path: ["base", "source", "type"], message: 'the API optimises on stored candles ("stored"); use the CLI for CSV files' });
  }
});

export interface OptimisationJobsOptions {
  store: CandleStore;
  /** The configured risk limits (config.risk); a request's stated riskLimits apply on top, as for backtests. */
  baseLimits?: RiskLimits;
  now?: () => number;
  /** Run in the calling thread (tests); default: optimise() decides (workers for big searches). */
  inProcess?: boolean;
  /** Finished jobs kept in memory. */
  keep?: number;
  /**
   * With REDIS_URL: each parameter set of an optimisation becomes a BullMQ job (server/jobs) that
   * workers on any machine run; without it the worker-thread pool runs them, as before.
   */
  remote?: RemoteOptimisations;
  /**
   * A new job's id (default `opt_<time>_<n>`, unique in this process only). Web nodes that share one
   * queue and one database give an id unique across them.
   */
  newId?: () => string;
}

/** The BullMQ side of the optimiser (implemented in server/jobs; kept as a port so this module does not load bullmq). */
export interface RemoteOptimisations {
  /** An evaluator whose sets are jobs of run `runId` (job id = run id + set index). */
  evaluator(runId: string, base: BacktestConfig): Promise<Evaluator>;
  /** Remove the run's waiting jobs and stop its running ones. */
  cancel(runId: string): Promise<void>;
}

/**
 * Optimisations started from the Backtest page: validated, queued, run one at a time (each one uses the
 * worker pool), progress kept for polling, the report kept in memory (the newest `keep` jobs).
 */
export class OptimisationJobs {
  private readonly jobs = new Map<string, OptimisationJob>();
  private readonly controllers = new Map<string, AbortController>();
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(private readonly options: OptimisationJobsOptions) {}

  start(input: unknown): { id: string; status: OptimisationStatus } {
    const config = apiOptimiseConfigSchema.parse(input);
    const base = parseBacktestConfig(config.base);
    // Every parameter set runs under the trader's limits with the request's stated keys on top (the
    // workers, threads or BullMQ, do not know the configured limits).
    if (this.options.baseLimits) config.base = { ...config.base, riskLimits: effectiveLimits(base, this.options.baseLimits) };
    const kind = base.strategies[config.strategyIndex]?.kind;
    if (!kind) throw new AppError("OPTIMISE_BAD_INDEX", `strategyIndex ${config.strategyIndex}: the config has ${base.strategies.length} strategies`, 400);
    resolveSpace(kind, config.space, config.levels); // a bad space is a 400 now, not a failed job later
    const now = this.options.now ?? Date.now;
    const id = this.options.newId?.() ?? `opt_${now().toString(36)}_${(++this.seq).toString(36)}`;
    const job: OptimisationJob = { id, status: "queued", kind, progress: null, report: null, error: null, createdAt: now(), finishedAt: null };
    this.jobs.set(id, job);
    this.prune();
    const controller = new AbortController();
    this.controllers.set(id, controller);
    const remote = this.options.remote;
    this.chain = this.chain.then(async () => {
      if (controller.signal.aborted) return;
      job.status = "running";
      try {
        const report = await optimise(config, {
          store: this.options.store,
          inProcess: this.options.inProcess,
          signal: controller.signal,
          evaluator: remote ? ({ base }) => remote.evaluator(id, base) : undefined,
          onProgress: (p) => (job.progress = p),
        });
        if (!controller.signal.aborted) {
          job.report = report;
          job.status = "completed";
        }
      } catch (err) {
        if (!controller.signal.aborted) {
          job.status = "failed";
          job.error = errorMessage(err);
        }
      } finally {
        job.finishedAt ??= now();
        this.controllers.delete(id);
      }
    });
    return { id, status: job.status };
  }

  get(id: string): OptimisationJob {
    const job = this.jobs.get(id);
    if (!job) throw new AppError("NOT_FOUND", `optimisation ${id} not found (reports are kept in memory until the server restarts)`, 404);
    return job;
  }

  /**
   * Cancel a queued or running optimisation: its pending evaluations stop, and with BullMQ its waiting
   * jobs are removed and its running ones told to stop. Finished ones are left as they are.
   */
  async cancel(id: string): Promise<{ id: string; status: OptimisationStatus; cancelled: boolean }> {
    const job = this.get(id);
    const controller = this.controllers.get(id);
    if (!controller || job.status === "completed" || job.status === "failed" || job.status === "cancelled") return { id, status: job.status, cancelled: false };
    job.status = "cancelled";
    job.error = "cancelled";
    job.finishedAt = (this.options.now ?? Date.now)();
    controller.abort();
    await this.options.remote?.cancel(id);
    return { id, status: job.status, cancelled: true };
  }

  /** Newest first, without the reports. */
  list(): Array<Omit<OptimisationJob, "report"> & { best: Evaluation | null }> {
    return [...this.jobs.values()].reverse().map(({ report, ...rest }) => ({ ...rest, best: report?.best ?? null }));
  }

  /** Resolves when every queued job has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  private prune(): void {
    const keep = this.options.keep ?? 20;
    const finished = [...this.jobs.values()].filter((j) => j.status === "completed" || j.status === "failed" || j.status === "cancelled");
    for (const j of finished.slice(0, Math.max(0, this.jobs.size - keep))) this.jobs.delete(j.id);
  }
}

const JOBS_KEY = Symbol.for("tradekeel.backtest.optimisations");

/**
 * The process-wide job list (created on first use with the engine's candle store). The composition
 * root calls it first, with `remote` when REDIS_URL is set; route handlers then get that one.
 */
export function optimisationJobs(store: CandleStore, options: Omit<OptimisationJobsOptions, "store"> = {}): OptimisationJobs {
  const g = globalThis as Record<symbol, OptimisationJobs | undefined>;
  return (g[JOBS_KEY] ??= new OptimisationJobs({ store, ...options }));
}
