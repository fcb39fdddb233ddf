import { Redis } from "ioredis";
import type { BacktestConfig, EvaluateRequest, Evaluation } from "../backtest";

/**
 * Names, payloads and keys shared by the producers (web/engine, client.ts) and the workers (worker.ts).
 * Every BullMQ key starts with the installation's TRADEKEEL_QUEUE_PREFIX, so two installations can
 * share one Redis.
 */

/** One job per backtest started from the API (job id = run id). */
export const BACKTEST_QUEUE = "backtests";
/** One job per optimisation parameter set, or per fold's out-of-sample run (job id = run id + set index). */
export const SETS_QUEUE = "optimisation-sets";

export interface BacktestJobData {
  id: string;
  config: BacktestConfig;
}

export interface SetJobData {
  runId: string;
  /** The set's position in the run (the order the optimiser asked for them): unique per run. */
  index: number;
  /** The run's base config: the candles a worker loads (once per run) cover its whole range. */
  base: BacktestConfig;
  request: EvaluateRequest;
}

export type SetJobResult = { evaluation: Evaluation; worker: string } | { cancelled: true };
export type BacktestJobResult = { completed: true; worker: string } | { cancelled: true };

export const setJobId = (runId: string, index: number) => `${runId}-${index}`;

/** Published with a run id when a run is cancelled; workers abort its running jobs. */
export const cancelChannel = (prefix: string) => `${prefix}:tk:cancel`;
/** Set (for a day) when a run is cancelled: a job of it that a worker picks up later is skipped. */
export const cancelKey = (prefix: string, runId: string) => `${prefix}:tk:cancelled:${runId}`;
export const CANCEL_TTL_S = 86_400;

/** A Redis connection for our own commands and pub/sub (BullMQ opens its own from the URL). */
export function openRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** BullMQ's connection options: it creates (and closes) its connections itself. */
export const bullConnection = (url: string) => ({ url, maxRetriesPerRequest: null });
