import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { AppError } from "../core/errors";
import type { BacktestConfigInput } from "./config";
import { packData, type BacktestData, type PackedSeries } from "./data";
import { evaluateConfig, type EvaluateRequest, type Evaluation } from "./evaluate";
import { runBacktest, type BacktestProgress, type BacktestResult } from "./runner";
import type { WorkerInit, WorkerMessage, WorkerRequest } from "./worker";

/**
 * Backtests off the main thread: node:worker_threads running the TypeScript sources through tsx (see
 * spawn). Candles go to the workers once, in SharedArrayBuffers. When a
 * worker cannot start (no tsx, a bundler that moved the sources), the work runs in-process instead
 * and `mode` says so.
 */

/** "bullmq": jobs on Redis, run by `npm run worker` processes on any machine (server/jobs). */
export type ExecutionMode = "workers" | "in-process" | "bullmq";

/**
 * What the optimiser hands its parameter sets to: the worker-thread pool below, or BullMQ jobs
 * (server/jobs) when REDIS_URL is set. evaluate() is called once per set, in a fixed order.
 */
export interface Evaluator {
  readonly mode: ExecutionMode;
  readonly size: number;
  evaluate(request: EvaluateRequest): Promise<Evaluation>;
  close(): Promise<void>;
}

const WORKER_FILE = "worker.ts";

/**
 * Where worker.ts is: next to this module, or (when a bundler moved this module, as Next does for route
 * handlers) under the working directory. A candidate only counts when the backtester's sources are next to
 * it: a bundler may also copy worker.ts alone as an asset, and that copy cannot import anything.
 */
export function workerScript(): string | undefined {
  const dirs: string[] = [];
  try {
    const here = import.meta.url;
    if (here.startsWith("file:")) dirs.push(path.dirname(fileURLToPath(here)));
  } catch {
    // not a file URL: fall through to the working directory
  }
  dirs.push(path.resolve(process.cwd(), "server", "backtest"));
  const dir = dirs.find((d) => existsSync(path.join(d, WORKER_FILE)) && existsSync(path.join(d, "runner.ts")));
  return dir ? path.join(dir, WORKER_FILE) : undefined;
}

/**
 * The ESM entry of tsx's register() API, found from the worker script's folder (so it does not depend on
 * the working directory), through the package's own export map.
 */
function tsxRegisterUrl(script: string): string {
  const resolveFrom = createRequire(script);
  const manifestPath = resolveFrom.resolve("tsx/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: Record<string, { import?: { default?: string } | string }> };
  const entry = manifest.exports?.["./esm/api"];
  const relative = typeof entry === "object" && entry.import ? (typeof entry.import === "string" ? entry.import : entry.import.default) : undefined;
  if (!relative) throw new Error("tsx does not export ./esm/api");
  return pathToFileURL(path.join(path.dirname(manifestPath), relative)).href;
}

/**
 * A worker running worker.ts. On Node 20 a worker's `execArgv: ["--import", "tsx"]` does not reach the
 * worker's own module loader (the entry fails with ERR_UNKNOWN_FILE_EXTENSION), so a two-line bootstrap
 * registers tsx inside the worker and then imports the TypeScript entry.
 */
function spawn(init: WorkerInit): Worker {
  const script = workerScript();
  if (!script) throw new Error(`cannot find server/backtest/${WORKER_FILE}`);
  const bootstrap = `import(${JSON.stringify(tsxRegisterUrl(script))}).then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(script).href)}); });`;
  return new Worker(bootstrap, { eval: true, execArgv: [], workerData: init });
}

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

export interface RunInWorkerOptions {
  onProgress?: (progress: BacktestProgress) => void;
  signal?: AbortSignal;
  /** Force in-process (tests, or a caller that knows workers are unavailable). */
  inProcess?: boolean;
  progressEvery?: number;
}

/** One backtest in a worker thread (the server's event loop stays free); falls back to in-process. */
export async function runInWorker(config: BacktestConfigInput, data: BacktestData, options: RunInWorkerOptions = {}): Promise<{ result: BacktestResult; mode: ExecutionMode }> {
  const inProcess = async () => ({
    result: await runBacktest(config, { data, onProgress: options.onProgress, signal: options.signal, progressEvery: options.progressEvery, yieldEvery: true }),
    mode: "in-process" as const,
  });
  if (options.inProcess) return inProcess();
  let worker: Worker;
  try {
    worker = spawn({ mode: "run", packed: packData(data), config, progressEvery: options.progressEvery });
  } catch {
    return inProcess();
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    let started = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new AppError("BACKTEST_CANCELLED", "the backtest was cancelled", 499)));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    worker.on("online", () => (started = true));
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") options.onProgress?.(message.progress);
      else if (message.type === "done") finish(() => resolve({ result: message.result, mode: "workers" }));
      else if (message.type === "error") finish(() => reject(new AppError(message.code ?? "BACKTEST_FAILED", message.message, 422)));
    });
    worker.on("error", (err) => {
      // A worker that never came up (tsx missing...) is an environment problem: run here instead.
      if (!started && !settled) {
        settled = true;
        options.signal?.removeEventListener("abort", onAbort);
        inProcess().then(resolve, reject);
        return;
      }
      finish(() => reject(err));
    });
    worker.on("exit", (code) => finish(() => reject(new AppError("BACKTEST_FAILED", `the backtest worker stopped (exit code ${code})`, 500))));
  });
}

interface Job {
  id: number;
  request: EvaluateRequest;
  resolve: (evaluation: Evaluation) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * A pool of evaluation workers sharing one set of candles. evaluate() queues; each worker takes the
 * next job when it is done. Close it when finished.
 */
export class BacktestPool implements Evaluator {
  readonly mode: ExecutionMode;
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private failure: Error | undefined;

  private constructor(
    private readonly data: BacktestData,
    mode: ExecutionMode,
    size: number,
  ) {
    this.mode = mode;
    this.size = size;
  }

  /** Start `size` workers (default: one per core); in-process when they cannot start. */
  static async create(data: BacktestData, options: { size?: number; inProcess?: boolean } = {}): Promise<BacktestPool> {
    const size = Math.max(1, options.size ?? defaultWorkerCount());
    if (options.inProcess) return new BacktestPool(data, "in-process", 1);
    let packed: PackedSeries[];
    const workers: Worker[] = [];
    try {
      packed = packData(data, true);
      for (let i = 0; i < size; i++) workers.push(spawn({ mode: "pool", packed }));
      await Promise.all(workers.map((w) => waitReady(w)));
    } catch {
      await Promise.all(workers.map((w) => w.terminate()));
      return new BacktestPool(data, "in-process", 1);
    }
    const pool = new BacktestPool(data, "workers", size);
    for (const worker of workers) pool.attach(worker);
    return pool;
  }

  evaluate(request: EvaluateRequest): Promise<Evaluation> {
    if (this.closed) return Promise.reject(new Error("the backtest pool is closed"));
    if (this.failure) return Promise.reject(this.failure);
    if (this.mode === "in-process") return evaluateConfig(request, this.data);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error("the backtest pool was closed"));
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.worker.postMessage({ type: "stop" } satisfies WorkerRequest);
        await slot.worker.terminate();
      }),
    );
  }

  private attach(worker: Worker): void {
    const slot: Slot = { worker, job: undefined };
    this.slots.push(slot);
    worker.on("message", (message: WorkerMessage) => {
      const job = slot.job;
      if (!job || !("id" in message) || message.id !== job.id) return;
      slot.job = undefined;
      if (message.type === "evaluated") job.resolve(message.evaluation);
      else if (message.type === "error") job.reject(new AppError("BACKTEST_FAILED", message.message, 422));
      this.dispatch();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      slot.job?.reject(err);
      slot.job = undefined;
      for (const job of this.queue.splice(0)) job.reject(err);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closed) fail(new Error(`a backtest worker stopped (exit code ${code})`));
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage({ type: "evaluate", id: job.id, request: job.request } satisfies WorkerRequest);
    }
  }
}

function waitReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type === "ready") {
        cleanup();
        resolve();
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`worker exited with code ${code} before it was ready`));
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

