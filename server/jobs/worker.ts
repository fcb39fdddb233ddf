import { hostname } from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import type { PrismaClient } from "../db";
import type { CandleStore } from "../market";
import { PrismaBacktestRunRepository, evaluateConfig, loadData, planBacktest, prepareBacktestData, runBacktest, type BacktestData } from "../backtest";
import { EvaluationStore } from "./evaluations";
import {
  BACKTEST_QUEUE,
  SETS_QUEUE,
  bullConnection,
  cancelChannel,
  cancelKey,
  openRedis,
  type BacktestJobData,
  type BacktestJobResult,
  type SetJobData,
  type SetJobResult,
} from "./queues";

/**
 * The consumer side: BullMQ workers that run backtests and optimisation parameter sets, on any machine
 * that reaches the Redis and the PostgreSQL. A worker holds a lock on its job, renewed while it runs
 * (the runs yield to the event loop for that); a worker that dies stops renewing, and after the lock
 * duration the stalled-job check of any live worker puts the job back in the queue. Results are
 * written idempotently (backtest_runs by run id; optimisation_evaluations by run id + set index), so a
 * retried job never counts twice. A cancelled run's jobs are skipped, or aborted while they run.
 */

export interface JobWorkersOptions {
  redisUrl: string;
  prefix: string;
  prisma: PrismaClient;
  candleStore: CandleStore;
  logger: Logger;
  /** Lock duration (and stalled-check interval) of a job, ms. */
  lockMs?: number;
  /** Jobs one worker runs at once, per queue (default 1: the runs are CPU-bound). */
  concurrency?: number;
  /** Name in the stored results and logs (default host:pid). */
  name?: string;
  /** Refuse a backtest over this many candles (the API's limit, default 5 million). */
  maxCandles?: number;
}

export interface JobWorkers {
  readonly name: string;
  /** Stop taking jobs and wait for the running ones (SIGTERM). */
  close(): Promise<void>;
}

const isCancel = (err: unknown) => (err as { code?: string }).code === "BACKTEST_CANCELLED";

export async function startJobWorkers(options: JobWorkersOptions): Promise<JobWorkers> {
  const { logger, prefix } = options;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const lockMs = options.lockMs ?? 30_000;
  const repository = new PrismaBacktestRunRepository(options.prisma);
  const evaluations = new EvaluationStore(options.prisma);
  const redis = openRedis(options.redisUrl);
  const subscriber = openRedis(options.redisUrl);
  redis.on("error", (err) => logger.warn({ err: err.message }, "worker redis error"));
  subscriber.on("error", (err) => logger.warn({ err: err.message }, "worker redis error"));

  // Running jobs by run id, so a cancellation reaches them.
  const running = new Map<string, Set<AbortController>>();
  await subscriber.subscribe(cancelChannel(prefix));
  subscriber.on("message", (_channel: string, runId: string) => {
    for (const controller of running.get(runId) ?? []) controller.abort();
  });
  const track = (runId: string) => {
    const controller = new AbortController();
    const set = running.get(runId) ?? new Set();
    set.add(controller);
    running.set(runId, set);
    return {
      signal: controller.signal,
      done: () => {
        set.delete(controller);
        if (set.size === 0) running.delete(runId);
      },
    };
  };
  const cancelled = async (runId: string) => (await redis.exists(cancelKey(prefix, runId))) === 1;

  // The candles of the newest runs (an optimisation's sets share them): loaded once per run.
  const cache = new Map<string, Promise<BacktestData>>();
  const dataFor = (job: SetJobData): Promise<BacktestData> => {
    let data = cache.get(job.runId);
    if (!data) {
      data = loadData(job.base, planBacktest(job.base), { store: options.candleStore });
      data.catch(() => cache.delete(job.runId));
      cache.set(job.runId, data);
      while (cache.size > 2) cache.delete(cache.keys().next().value!);
    }
    return data;
  };

  const workerOptions = {
    connection: bullConnection(options.redisUrl),
    // Shown as the job's processedBy.
    name,
    prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
    // A job whose worker died is put back this many times before it fails for good.
    maxStalledCount: 3,
  };

  const sets = new Worker<SetJobData, SetJobResult>(
    SETS_QUEUE,
    async (job: Job<SetJobData>) => {
      const { runId, index } = job.data;
      const existing = await evaluations.get(runId, index);
      if (existing) return { evaluation: existing.evaluation, worker: existing.worker };
      if (await cancelled(runId)) return { cancelled: true };
      const tracked = track(runId);
      try {
        const data = await dataFor(job.data);
        const evaluation = await evaluateConfig(job.data.request, data, { signal: tracked.signal, yieldEvery: true });
        if (tracked.signal.aborted) return { cancelled: true };
        const { stored, inserted } = await evaluations.record({ runId, setIndex: index, evaluation, worker: name, attempt: job.attemptsMade + 1 });
        if (!inserted) logger.info({ runId, index }, "parameter set already stored by another attempt: kept the first");
        return { evaluation: stored.evaluation, worker: stored.worker };
      } catch (err) {
        if (tracked.signal.aborted || isCancel(err)) return { cancelled: true };
        // A rule the strategy or the data refuses fails the same way every time: no retry.
        if (err instanceof AppError) throw new UnrecoverableError(errorMessage(err));
        throw err;
      } finally {
        tracked.done();
      }
    },
    workerOptions,
  );

  const backtests = new Worker<BacktestJobData, BacktestJobResult>(
    BACKTEST_QUEUE,
    async (job: Job<BacktestJobData>) => {
      const { id, config } = job.data;
      if (await cancelled(id)) return { cancelled: true };
      // A job BullMQ took back as stalled (its worker was slow to renew the lock) may already have
      // finished on the first attempt: its result stands, nothing runs twice.
      if ((await repository.get(id))?.status === "completed") return { completed: true, worker: name };
      const tracked = track(id);
      try {
        await repository.setStatus(id, "running");
        const data = await prepareBacktestData(config, options.candleStore, options.maxCandles);
        const result = await runBacktest(config, {
          data,
          signal: tracked.signal,
          yieldEvery: true,
          onProgress: (progress) => void job.updateProgress(progress as unknown as object).catch(() => {}),
        });
        if (tracked.signal.aborted) return { cancelled: true };
        // By run id: a retried job overwrites its own row, never adds one.
        await repository.complete(id, result, `BullMQ worker ${name}`, new Date());
        logger.info({ id, candles: result.range.candles, trades: result.trades.length, worker: name }, "backtest completed");
        return { completed: true, worker: name };
      } catch (err) {
        if (tracked.signal.aborted || isCancel(err)) return { cancelled: true };
        logger.warn({ id, err: errorMessage(err) }, "backtest failed");
        if (err instanceof AppError) {
          await repository.fail(id, "failed", errorMessage(err), new Date()).catch(() => {});
          throw new UnrecoverableError(errorMessage(err));
        }
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await repository.fail(id, "failed", errorMessage(err), new Date()).catch(() => {});
        throw err;
      } finally {
        tracked.done();
      }
    },
    workerOptions,
  );

  for (const w of [sets, backtests]) {
    w.on("error", (err) => logger.warn({ err: err.message }, "job worker error"));
    w.on("failed", (job, err) => logger.warn({ job: job?.id, err: err.message }, "job failed"));
  }
  await Promise.all([sets.waitUntilReady(), backtests.waitUntilReady()]);
  logger.info({ name, prefix, lockMs }, "job workers started");

  return {
    name,
    async close() {
      await Promise.allSettled([sets.close(), backtests.close()]);
      await subscriber.quit().catch(() => subscriber.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
