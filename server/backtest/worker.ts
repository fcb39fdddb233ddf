import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "../core/errors";
import { unpackData, type PackedSeries } from "./data";
import { evaluateConfig, type EvaluateRequest } from "./evaluate";
import { runBacktest } from "./runner";
import type { BacktestConfigInput } from "./config";

/**
 * Worker thread of the backtester (spawned with `--import tsx`, see pool.ts). It receives the candles
 * once (shared memory) and then either runs one backtest, reporting progress ("run"), or evaluates
 * parameter sets for the optimiser until it is told to stop ("pool").
 */

export type WorkerInit =
  | { mode: "run"; packed: PackedSeries[]; config: BacktestConfigInput; progressEvery?: number }
  | { mode: "pool"; packed: PackedSeries[] };

export type WorkerRequest = { type: "evaluate"; id: number; request: EvaluateRequest } | { type: "stop" };

export type WorkerMessage =
  | { type: "ready" }
  | { type: "progress"; progress: import("./runner").BacktestProgress }
  | { type: "done"; result: import("./runner").BacktestResult }
  | { type: "evaluated"; id: number; evaluation: import("./evaluate").Evaluation }
  | { type: "error"; id?: number; message: string; code?: string };

const port = parentPort;
if (!port) throw new Error("server/backtest/worker.ts runs as a worker thread only");
const init = workerData as WorkerInit;
const data = unpackData(init.packed);

if (init.mode === "run") {
  runBacktest(init.config, { data, progressEvery: init.progressEvery, onProgress: (progress) => port.postMessage({ type: "progress", progress } satisfies WorkerMessage) })
    .then((result) => port.postMessage({ type: "done", result } satisfies WorkerMessage))
    .catch((err: unknown) => port.postMessage({ type: "error", message: errorMessage(err), code: (err as { code?: string }).code } satisfies WorkerMessage));
} else {
  port.on("message", (message: WorkerRequest) => {
    if (message.type === "stop") {
      port.close();
      return;
    }
    evaluateConfig(message.request, data)
      .then((evaluation) => port.postMessage({ type: "evaluated", id: message.id, evaluation } satisfies WorkerMessage))
      .catch((err: unknown) => port.postMessage({ type: "error", id: message.id, message: errorMessage(err) } satisfies WorkerMessage));
  });
  port.postMessage({ type: "ready" } satisfies WorkerMessage);
}
