import { z } from "zod";
import { systemClock, type Clock } from "../core/clock";
import { AppError, errorMessage, notFound } from "../core/errors";
import { newId } from "../core/ids";
import type { Logger } from "../core/logger";
import type { RiskLimits } from "../config/risk-limits";
import type { CandleStore } from "../market";
import { TIMEFRAME_MS } from "../model/types";
import { backtestConfigSchema, effectiveLimits, type BacktestConfig } from "./config";
import { runInWorker, type ExecutionMode } from "./pool";
import { equityCsv, tradesCsv } from "./report";
import type { BacktestConfigView, BacktestDetail, BacktestListDto, BacktestListItem } from "../contract";
import { loadData, planBacktest, type BacktestProgress, type BacktestResult } from "./runner";
import { resultOf, type BacktestRunRepository, type BacktestStatus } from "./store";

/**
 * Backtests started from the API: validated, stored as "queued", run one at a time in a worker thread
 * (the trading engine keeps the main thread), progress kept in memory for polling, the result stored
 * in backtest_runs. A run the server was in the middle of when it stopped is marked failed at start.
 */

/** The API runs on stored candles only (a file path from a request would read the server's disk). */
export const apiBacktestConfigSchema = backtestConfigSchema.superRefine((config, ctx) => {
  if (config.source.type !== "stored") {
    ctx.addIssue({ code: "custom", path: ["source", "type"], message: 'the API runs on stored candles ("stored"); use the CLI (npm run backtest -- --csv FILE) for CSV files' });
  }
});

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  status: z.enum(["queued", "running", "completed", "failed", "cancelled"]).optional(),
});

export const exportQuerySchema = z.object({
  format: z.enum(["json", "csv"]).default("json"),
  /** CSV only: the trades (default) or the equity curve. */
  part: z.enum(["trades", "equity"]).default("trades"),
});

export interface BacktestServiceOptions {
  repository: BacktestRunRepository;
  candleStore: CandleStore;
  /** The configured risk limits; a request's riskLimits apply on top. */
  baseLimits: RiskLimits;
  defaults: { startingBalance: number; quoteCurrency: string };
  logger: Logger;
  /** Run in the calling thread instead of a worker (tests). */
  inProcess?: boolean;
  /** Timestamps of the stored records. */
  clock?: Clock;
  /** Refuse a run over more candles than this (all symbols and timeframes). Default 5 million. */
  maxCandles?: number;
  /**
   * With REDIS_URL: each backtest is a BullMQ job (server/jobs) run by a worker on any machine, which
   * stores the result in backtest_runs; without it, the worker thread of this process runs it (as before).
   */
  remote?: RemoteBacktests;
}

/** The BullMQ side of the service (implemented in server/jobs; a port, so this module does not load bullmq). */
export interface RemoteBacktests {
  /** Queue the run; `finished` settles when a worker has completed, failed or dropped it. */
  enqueue(id: string, config: BacktestConfig, onProgress: (progress: BacktestProgress) => void): Promise<{ finished: Promise<void> }>;
  /** The last progress a worker reported for the run (from Redis), or null. */
  progress(id: string): Promise<BacktestProgress | null>;
  /** Remove the run's job if it waits, tell its worker to stop if it runs. */
  cancel(id: string): Promise<void>;
}

interface ActiveRun {
  status: BacktestStatus;
  progress: BacktestProgress | null;
  controller: AbortController;
}

const DEFAULT_MAX_CANDLES = 5_000_000;

/**
 * The candles of a run, refused with BACKTEST_TOO_LARGE over `max` (before reading the database when
 * the range alone says so). Used here and by the BullMQ workers (server/jobs).
 */
export async function prepareBacktestData(config: BacktestConfig, store: CandleStore, max = DEFAULT_MAX_CANDLES) {
  const plan = planBacktest(config);
  const tooLarge = (candles: number) => new AppError("BACKTEST_TOO_LARGE", `about ${candles} candles is more than the ${max} a backtest from the API may use: shorten the range`, 422);
  let expected = 0;
  for (const timeframes of plan.needs.values()) for (const tf of timeframes) expected += Math.ceil((config.to! - config.from! + plan.warmupMs) / TIMEFRAME_MS[tf]);
  if (expected > max) throw tooLarge(expected);
  const data = await loadData(config, plan, { store });
  const candles = data.series.reduce((n, s) => n + s.candles.length, 0);
  if (candles > max) throw tooLarge(candles);
  return data;
}

export class BacktestService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: Array<{ id: string; config: BacktestConfig }> = [];
  private pumping: Promise<void> | undefined;
  /** BullMQ runs this process queued: progress from the job's events, and when each one finishes. */
  private readonly remoteProgress = new Map<string, BacktestProgress>();
  private readonly remoteRuns = new Set<Promise<void>>();
  private readonly ready: Promise<void>;
  private readonly clock: Clock;

  constructor(private readonly options: BacktestServiceOptions) {
    this.clock = options.clock ?? systemClock;
    // With BullMQ the runs live in Redis and outlive this process (workers keep running them): nothing to mark.
    this.ready = options.remote
      ? Promise.resolve()
      : options.repository
      .failUnfinished("interrupted: the server stopped during the run", new Date(this.clock.now()))
      .then((n) => {
        if (n) options.logger.warn({ runs: n }, "backtests interrupted by a restart marked failed");
      })
      .catch((err) => options.logger.error({ err }, "could not mark interrupted backtests"));
  }

  /** Validate, store as queued and start in the background. */
  async start(input: unknown): Promise<{ id: string; status: BacktestStatus }> {
    const raw = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
    const config = apiBacktestConfigSchema.parse({
      startingBalance: this.options.defaults.startingBalance,
      quoteCurrency: this.options.defaults.quoteCurrency,
      ...raw,
    });
    // The run (a worker thread or a BullMQ worker, neither of which knows the configured limits) and the
    // stored record get the effective limits: the configured ones with the request's stated keys on top.
    config.riskLimits = effectiveLimits(config, this.options.baseLimits);
    await this.ready;
    const id = newId("bt_");
    await this.options.repository.create(id, config, "queued", new Date(this.clock.now()));
    const remote = this.options.remote;
    if (remote) {
      try {
        const { finished } = await remote.enqueue(id, config, (progress) => this.remoteProgress.set(id, progress));
        const done: Promise<void> = finished
          .catch((err) => this.options.logger.warn({ id, err: errorMessage(err) }, "backtest job ended without a result"))
          .finally(() => {
            this.remoteProgress.delete(id);
            this.remoteRuns.delete(done);
          });
        this.remoteRuns.add(done);
      } catch (err) {
        await this.options.repository.fail(id, "failed", `could not queue the backtest: ${errorMessage(err)}`, new Date(this.clock.now())).catch(() => {});
        throw new AppError("BACKTEST_QUEUE_UNAVAILABLE", `the backtest could not be queued on Redis (REDIS_URL): ${errorMessage(err)}`, 503);
      }
      return { id, status: "queued" };
    }
    this.active.set(id, { status: "queued", progress: null, controller: new AbortController() });
    this.queue.push({ id, config });
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
    return { id, status: "queued" };
  }

  async list(query: z.infer<typeof listQuerySchema>) {
    await this.ready;
    const { rows, total } = await this.options.repository.list(query);
    return {
      items: rows.map((r) => {
        const m = (r.metrics ?? {}) as Partial<Pick<BacktestResult, "metrics" | "range" | "strategies">>;
        const live = this.active.get(r.id);
        return {
          id: r.id,
          status: live?.status ?? r.status,
          progress: live?.progress ?? this.remoteProgress.get(r.id) ?? null,
          config: r.config as BacktestConfigView,
          strategies: m.strategies ?? null,
          range: m.range ?? null,
          headline: m.metrics
            ? {
                totalReturnPct: m.metrics.totalReturnPct ?? null,
                sharpe: m.metrics.sharpe ?? null,
                maxDrawdownPct: m.metrics.maxDrawdown?.pct ?? null,
                trades: m.metrics.trades ?? null,
                winRatePct: m.metrics.winRatePct ?? null,
                profitFactor: m.metrics.profitFactor ?? null,
              }
            : null,
          error: r.error,
          createdAt: r.createdAt.getTime(),
          finishedAt: r.finishedAt?.getTime() ?? null,
        } satisfies BacktestListItem;
      }),
      total,
      limit: query.limit,
      offset: query.offset,
    } satisfies BacktestListDto;
  }

  /** Status, progress while running, and the full result once completed. */
  async get(id: string) {
    await this.ready;
    const row = await this.options.repository.get(id);
    if (!row) throw notFound(`backtest ${id}`);
    const live = this.active.get(id);
    let progress = live?.progress ?? null;
    // BullMQ: from the job's progress events (QueueEvents), or from Redis when another node queued it.
    if (!live && this.options.remote && row.status === "running") progress = this.remoteProgress.get(id) ?? (await this.options.remote.progress(id).catch(() => null));
    return {
      id: row.id,
      status: live?.status ?? row.status,
      progress,
      config: row.config as BacktestConfigView,
      error: row.error,
      createdAt: row.createdAt.getTime(),
      finishedAt: row.finishedAt?.getTime() ?? null,
      result: resultOf(row) ?? null,
    } satisfies BacktestDetail;
  }

  /** Cancel a queued or running backtest and delete the record. */
  async remove(id: string): Promise<{ deleted: boolean; cancelled: boolean }> {
    await this.ready;
    const live = this.active.get(id);
    const queued = this.queue.findIndex((q) => q.id === id);
    if (queued >= 0) this.queue.splice(queued, 1);
    let cancelled = live !== undefined;
    const remote = this.options.remote;
    if (remote) {
      const row = await this.options.repository.get(id);
      cancelled = row?.status === "queued" || row?.status === "running";
      await remote.cancel(id);
      this.remoteProgress.delete(id);
    }
    if (live) {
      live.status = "cancelled";
      live.controller.abort();
      this.active.delete(id);
    }
    const deleted = await this.options.repository.delete(id);
    if (!deleted && !cancelled) throw notFound(`backtest ${id}`);
    return { deleted, cancelled };
  }

  async export(id: string, query: z.infer<typeof exportQuerySchema>): Promise<{ body: string; contentType: string; filename: string }> {
    await this.ready;
    const row = await this.options.repository.get(id);
    if (!row) throw notFound(`backtest ${id}`);
    const result = resultOf(row);
    if (!result) throw new AppError("BACKTEST_NOT_FINISHED", `backtest ${id} is ${row.status}: only completed runs can be exported`, 409);
    if (query.format === "json") {
      return { body: JSON.stringify({ id, ...result }, null, 2), contentType: "application/json", filename: `tradekeel-backtest-${id}.json` };
    }
    const body = query.part === "equity" ? equityCsv(result.equity) : tradesCsv(result.trades);
    return { body, contentType: "text/csv; charset=utf-8", filename: `tradekeel-backtest-${id}-${query.part}.csv` };
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
    while (this.remoteRuns.size) await Promise.all([...this.remoteRuns]);
  }

  private async pump(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.execute(next.id, next.config);
    }
  }

  private async execute(id: string, config: BacktestConfig): Promise<void> {
    const run = this.active.get(id);
    if (!run || run.status === "cancelled") return;
    const { repository, logger } = this.options;
    run.status = "running";
    try {
      await repository.setStatus(id, "running");
      const data = await prepareBacktestData(config, this.options.candleStore, this.options.maxCandles ?? DEFAULT_MAX_CANDLES);
      const { result, mode } = await runInWorker(config, data, {
        inProcess: this.options.inProcess,
        signal: run.controller.signal,
        onProgress: (progress) => (run.progress = progress),
      });
      if (run.controller.signal.aborted) return;
      await repository.complete(id, result, describeMode(mode), new Date(this.clock.now()));
      logger.info({ id, candles: result.range.candles, trades: result.trades.length, ms: result.timing.durationMs, mode }, "backtest completed");
    } catch (err) {
      if (run.controller.signal.aborted) return;
      logger.warn({ id, err: errorMessage(err) }, "backtest failed");
      await repository.fail(id, "failed", errorMessage(err), new Date(this.clock.now())).catch((e) => logger.error({ err: e }, "could not store a failed backtest"));
    } finally {
      this.active.delete(id);
    }
  }
}

function describeMode(mode: ExecutionMode): string {
  return mode === "workers" ? "worker thread" : mode === "bullmq" ? "BullMQ worker" : "in-process";
}
