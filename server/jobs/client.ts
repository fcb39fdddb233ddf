import { Queue, QueueEvents, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { BacktestConfig, BacktestProgress, EvaluateRequest, Evaluation, Evaluator, RemoteBacktests, RemoteOptimisations } from "../backtest";
import { AppError } from "../core/errors";
import type { Logger } from "../core/logger";
import type { PrismaClient } from "../db";
import { EvaluationStore } from "./evaluations";
import {
  BACKTEST_QUEUE,
  CANCEL_TTL_S,
  SETS_QUEUE,
  bullConnection,
  cancelChannel,
  cancelKey,
  openRedis,
  setJobId,
  type BacktestJobData,
  type SetJobData,
  type SetJobResult,
} from "./queues";

/**
 * The producer side of the job queues (the process that serves the API): a backtest is one job, an
 * optimisation one job per parameter set. Progress and completion come from BullMQ's QueueEvents; the
 * results come from the database (the workers wrote them, keyed by run id + set index), so a set is
 * counted once however often its job ran. A slow poll of the database and of the jobs' states backs
 * the events up (a dropped Redis connection can lose an event, never a result).
 */

export interface JobsClientOptions {
  redisUrl: string;
  prefix: string;
  prisma: PrismaClient;
  logger: Logger;
  /** Fallback poll of results and job states, ms (default 2000). */
  pollMs?: number;
}

interface PendingSet {
  index: number;
  resolve: (evaluation: Evaluation) => void;
  reject: (err: Error) => void;
}

interface RemoteRun {
  runId: string;
  next: number;
  pending: Map<string, PendingSet>;
  /** Jobs evaluate() asked for that are not added yet (added together, one round trip). */
  batch: Array<{ name: string; data: SetJobData; opts: JobsOptions }>;
  closed: boolean;
}

interface WatchedBacktest {
  onProgress: (progress: BacktestProgress) => void;
  resolve: () => void;
  reject: (err: Error) => void;
}

const SET_JOB_OPTIONS: JobsOptions = {
  // Attempts cover a worker's transient failure (the database went away); a worker that dies is
  // handled by the stalled-job check (lock duration, maxStalledCount), which puts the job back.
  attempts: 3,
  backoff: { type: "fixed", delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 86_400 },
};

export class JobsClient implements RemoteBacktests, RemoteOptimisations {
  readonly backtests: Queue<BacktestJobData>;
  readonly sets: Queue<SetJobData>;
  private readonly backtestEvents: QueueEvents;
  private readonly setEvents: QueueEvents;
  private readonly redis: Redis;
  private readonly store: EvaluationStore;
  private readonly runs = new Map<string, RemoteRun>();
  private readonly watched = new Map<string, WatchedBacktest>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  private constructor(private readonly options: JobsClientOptions) {
    const connection = bullConnection(options.redisUrl);
    this.backtests = new Queue<BacktestJobData>(BACKTEST_QUEUE, { connection, prefix: options.prefix });
    this.sets = new Queue<SetJobData>(SETS_QUEUE, { connection, prefix: options.prefix });
    this.backtestEvents = new QueueEvents(BACKTEST_QUEUE, { connection, prefix: options.prefix });
    this.setEvents = new QueueEvents(SETS_QUEUE, { connection, prefix: options.prefix });
    this.redis = openRedis(options.redisUrl);
    this.store = new EvaluationStore(options.prisma);
    for (const emitter of [this.backtests, this.sets, this.backtestEvents, this.setEvents]) {
      (emitter as unknown as { on(event: "error", fn: (err: Error) => void): void }).on("error", (err) => options.logger.warn({ err: err.message }, "job queue connection error"));
    }
    this.redis.on("error", (err) => options.logger.warn({ err: err.message }, "job queue connection error"));

    this.backtestEvents.on("progress", ({ jobId, data }) => {
      if (data && typeof data === "object") this.watched.get(jobId)?.onProgress(data as unknown as BacktestProgress);
    });
    this.backtestEvents.on("completed", ({ jobId }) => this.settleBacktest(jobId));
    this.backtestEvents.on("removed", ({ jobId }) => this.settleBacktest(jobId));
    this.backtestEvents.on("failed", ({ jobId, failedReason }) => void this.onBacktestFailed(jobId, failedReason));
    this.setEvents.on("completed", ({ jobId, returnvalue }) => void this.onSetCompleted(jobId, returnvalue as unknown));
    this.setEvents.on("failed", ({ jobId, failedReason }) => void this.onSetFailed(jobId, failedReason));
  }

  /** Connect and start listening (events from now on; the poll covers anything earlier). */
  static async open(options: JobsClientOptions): Promise<JobsClient> {
    const client = new JobsClient(options);
    try {
      await Promise.all([client.backtests.waitUntilReady(), client.sets.waitUntilReady(), client.backtestEvents.waitUntilReady(), client.setEvents.waitUntilReady()]);
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  // ------------------------------------------------------------------ backtests (RemoteBacktests)

  async enqueue(id: string, config: BacktestConfig, onProgress: (progress: BacktestProgress) => void): Promise<{ finished: Promise<void> }> {
    const finished = new Promise<void>((resolve, reject) => this.watched.set(id, { onProgress, resolve, reject }));
    finished.catch(() => {});
    try {
      await this.backtests.add("backtest", { id, config }, { ...SET_JOB_OPTIONS, jobId: id });
    } catch (err) {
      this.watched.delete(id);
      throw err;
    }
    this.schedulePoll();
    return { finished };
  }

  async progress(id: string): Promise<BacktestProgress | null> {
    const job = await this.backtests.getJob(id);
    const p = job?.progress;
    return p && typeof p === "object" ? (p as unknown as BacktestProgress) : null;
  }

  /** Cancel a backtest or an optimisation: skip its jobs not started, stop the running ones, remove what waits. */
  async cancel(runId: string): Promise<void> {
    await this.redis.set(cancelKey(this.options.prefix, runId), "1", "EX", CANCEL_TTL_S);
    await this.redis.publish(cancelChannel(this.options.prefix), runId);
    // A backtest: its one job.
    await this.backtests.remove(runId).catch(() => 0);
    this.settleBacktest(runId);
    // An optimisation: every job of it still waiting (known here, or queued by another node).
    const run = this.runs.get(runId);
    const ids = new Set(run ? [...run.pending.keys()] : []);
    if (run) run.batch.length = 0;
    for (const job of await this.sets.getJobs(["waiting", "delayed", "prioritized", "wait"], 0, -1)) {
      if (job?.data?.runId === runId && job.id) ids.add(job.id);
    }
    await Promise.all([...ids].map((jobId) => this.sets.remove(jobId).catch(() => 0)));
    if (run) this.closeRun(run, new AppError("OPTIMISE_CANCELLED", "the optimisation was cancelled", 499));
  }

  // ------------------------------------------------------------------ optimisations (RemoteOptimisations)

  async evaluator(runId: string, base: BacktestConfig): Promise<Evaluator> {
    const run: RemoteRun = { runId, next: 0, pending: new Map(), batch: [], closed: false };
    this.runs.set(runId, run);
    const workers = await this.sets.getWorkersCount().catch(() => 0);
    return {
      mode: "bullmq",
      size: Math.max(1, workers),
      evaluate: (request: EvaluateRequest) => this.evaluateSet(run, base, request),
      close: async () => {
        // Anything still pending (a failed or cancelled search) is removed, not left for the workers.
        const left = [...run.pending.keys()];
        this.closeRun(run, new AppError("OPTIMISE_CLOSED", "the optimisation stopped", 499));
        await Promise.all(left.map((jobId) => this.sets.remove(jobId).catch(() => 0)));
      },
    };
  }

  private evaluateSet(run: RemoteRun, base: BacktestConfig, request: EvaluateRequest): Promise<Evaluation> {
    if (run.closed) return Promise.reject(new AppError("OPTIMISE_CLOSED", "the optimisation stopped", 499));
    const index = run.next++;
    const jobId = setJobId(run.runId, index);
    const promise = new Promise<Evaluation>((resolve, reject) => run.pending.set(jobId, { index, resolve, reject }));
    run.batch.push({ name: "set", data: { runId: run.runId, index, base, request }, opts: { ...SET_JOB_OPTIONS, jobId } });
    if (run.batch.length === 1) {
      // The optimiser asks for a whole stage at once: add them in one round trip.
      queueMicrotask(() => {
        const jobs = run.batch.splice(0);
        if (jobs.length === 0) return;
        this.sets.addBulk(jobs).catch((err: Error) => {
          for (const job of jobs) this.rejectSet(job.opts.jobId!, new AppError("OPTIMISE_QUEUE_UNAVAILABLE", `could not queue a parameter set on Redis: ${err.message}`, 503));
        });
      });
    }
    this.schedulePoll();
    return promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const run of this.runs.values()) this.closeRun(run, new AppError("OPTIMISE_CLOSED", "the server is stopping", 503));
    for (const [id, w] of this.watched) {
      this.watched.delete(id);
      w.resolve();
    }
    await Promise.allSettled([this.backtestEvents.close(), this.setEvents.close(), this.backtests.close(), this.sets.close()]);
    this.redis.disconnect();
  }

  // ------------------------------------------------------------------ events and the fallback poll

  private settleBacktest(id: string): void {
    const w = this.watched.get(id);
    if (!w) return;
    this.watched.delete(id);
    w.resolve();
  }

  private async onBacktestFailed(id: string, reason: string): Promise<void> {
    // "failed" with attempts left means a retry is coming: only a job that stays failed ends the run.
    const state = await this.backtests.getJobState(id).catch(() => "unknown");
    if (state !== "failed" && state !== "unknown") return;
    const w = this.watched.get(id);
    if (!w) return;
    this.watched.delete(id);
    w.reject(new Error(reason));
  }

  private locate(jobId: string): { run: RemoteRun; set: PendingSet } | undefined {
    const runId = jobId.slice(0, jobId.lastIndexOf("-"));
    const run = this.runs.get(runId);
    const set = run?.pending.get(jobId);
    return run && set ? { run, set } : undefined;
  }

  private async onSetCompleted(jobId: string, value: unknown): Promise<void> {
    const found = this.locate(jobId);
    if (!found) return;
    const result = (typeof value === "string" ? safeJson(value) : value) as SetJobResult | undefined;
    if (result && "evaluation" in result) return this.resolveSet(jobId, result.evaluation);
    // A cancelled job, or no return value: the database has the answer when there is one.
    const stored = await this.store.get(found.run.runId, found.set.index).catch(() => undefined);
    if (stored) this.resolveSet(jobId, stored.evaluation);
  }

  private async onSetFailed(jobId: string, reason: string): Promise<void> {
    if (!this.locate(jobId)) return;
    const state = await this.sets.getJobState(jobId).catch(() => "unknown");
    if (state !== "failed" && state !== "unknown") return;
    this.rejectSet(jobId, new AppError("BACKTEST_FAILED", `a parameter set failed on its worker: ${reason}`, 422));
  }

  private resolveSet(jobId: string, evaluation: Evaluation): void {
    const found = this.locate(jobId);
    if (!found) return; // already counted
    found.run.pending.delete(jobId);
    found.set.resolve(evaluation);
  }

  private rejectSet(jobId: string, err: Error): void {
    const found = this.locate(jobId);
    if (!found) return;
    found.run.pending.delete(jobId);
    found.set.reject(err);
  }

  private closeRun(run: RemoteRun, err: Error): void {
    run.closed = true;
    this.runs.delete(run.runId);
    for (const set of run.pending.values()) set.reject(err);
    run.pending.clear();
    run.batch.length = 0;
  }

  private schedulePoll(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => {
        if (this.runs.size > 0 || this.watched.size > 0) this.schedulePoll();
      });
    }, this.options.pollMs ?? 2_000);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      for (const run of [...this.runs.values()]) {
        if (run.pending.size === 0) continue;
        for (const stored of await this.store.list(run.runId)) this.resolveSet(setJobId(run.runId, stored.setIndex), stored.evaluation);
        for (const jobId of [...run.pending.keys()].slice(0, 100)) {
          if (run.batch.some((b) => b.opts.jobId === jobId)) continue;
          const state = await this.sets.getJobState(jobId);
          if (state === "failed") {
            const job = await this.sets.getJob(jobId);
            this.rejectSet(jobId, new AppError("BACKTEST_FAILED", `a parameter set failed on its worker: ${job?.failedReason ?? "unknown"}`, 422));
          } else if (state === "unknown" || state === "completed") {
            const stored = await this.store.get(run.runId, this.locate(jobId)?.set.index ?? -1);
            if (stored) this.resolveSet(jobId, stored.evaluation);
            else if (state === "unknown") this.rejectSet(jobId, new AppError("BACKTEST_FAILED", "a parameter set's job disappeared from Redis without a result", 500));
          }
        }
      }
      for (const id of [...this.watched.keys()]) {
        const state = await this.backtests.getJobState(id);
        if (state === "completed" || state === "unknown") this.settleBacktest(id);
        else if (state === "failed") void this.onBacktestFailed(id, (await this.backtests.getJob(id))?.failedReason ?? "failed");
      }
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, "job queue poll failed");
    } finally {
      this.polling = false;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
