/**
 * # Jobs on BullMQ (server/jobs, issue 19)
 *
 * With REDIS_URL set, a backtest started from the API is one BullMQ job and an optimisation is one job
 * per parameter set (per fold's set with walk-forward), instead of this process's worker threads.
 * Workers (`npm run worker`, or the worker role of an all-in-one process) on any machine that reaches
 * the Redis and the PostgreSQL pull them, report progress (QueueEvents feed the Backtest page's
 * progress bar), and store the results in the database. Cancelling a run removes its waiting jobs and
 * aborts its running ones. A worker killed mid-job stops renewing its lock; after `jobLockMs`
 * (TRADEKEEL_JOB_LOCK_MS) BullMQ's stalled-job check puts the job back and another worker runs it.
 * Results are keyed by run id (+ set index), the first write wins: a retried job never counts twice.
 * Every key is under TRADEKEEL_QUEUE_PREFIX. Without REDIS_URL nothing here is loaded.
 */
import type { AppConfig } from "../config";
import type { Logger } from "../core/logger";
import type { Database } from "../db";
import type { CandleStore } from "../market";
import { JobsClient } from "./client";
import { startJobWorkers, type JobWorkers } from "./worker";

export { JobsClient, type JobsClientOptions } from "./client";
export { startJobWorkers, type JobWorkers, type JobWorkersOptions } from "./worker";
export { EvaluationStore, type StoredEvaluation } from "./evaluations";
export { BACKTEST_QUEUE, SETS_QUEUE, cancelChannel, cancelKey, setJobId, type BacktestJobData, type SetJobData, type SetJobResult } from "./queues";

export interface ComposedJobs {
  /** The producer (enqueue, progress, cancel); undefined without REDIS_URL. */
  client: JobsClient | undefined;
  /** This process's job workers (worker role with REDIS_URL). */
  workers: JobWorkers | undefined;
  close(): Promise<void>;
}

/**
 * The jobs part of a process: nothing without REDIS_URL (worker threads, as before); with it, the
 * producer, and job workers when the process has the worker role.
 */
export async function composeJobs(options: { config: AppConfig; db: Database; candleStore: CandleStore; logger: Logger; producer?: boolean }): Promise<ComposedJobs> {
  const { config, db, logger } = options;
  const { redisUrl, queuePrefix, roles, jobLockMs } = config.cluster;
  if (!redisUrl) return { client: undefined, workers: undefined, close: async () => {} };
  const client = options.producer === false ? undefined : await JobsClient.open({ redisUrl, prefix: queuePrefix, prisma: db.prisma, logger });
  let workers: JobWorkers | undefined;
  try {
    if (roles.includes("worker")) {
      workers = await startJobWorkers({ redisUrl, prefix: queuePrefix, prisma: db.prisma, candleStore: options.candleStore, logger, lockMs: jobLockMs });
    }
  } catch (err) {
    await client?.close();
    throw err;
  }
  return {
    client,
    workers,
    async close() {
      await workers?.close();
      await client?.close();
    },
  };
}
