import type { Clock } from "../core/clock";
import { errorMessage } from "../core/errors";
import { backoffDelay, isRetryableError, sleep, type BackoffPolicy } from "./retry";
import type { StreamTracker } from "./stream-status";
import type { StreamKind } from "./types";

export interface StreamRunnerDeps {
  clock: Clock;
  backoff: BackoffPolicy;
  random: () => number;
  /** Ends every loop (the service's stop). */
  signal: AbortSignal;
  /** Consecutive failures after which a reconnecting stream reports "down" (it keeps retrying). */
  downAfterFailures: number;
  log: (level: "warn" | "error", message: string) => void;
}

/**
 * One watch loop with reconnects: exponential backoff with jitter on errors, status on every
 * transition (`tracker`). `handle` returns the message latency when it knows it; a throw in it is
 * logged and the stream goes on. Errors retrying cannot fix (bad symbol, unsupported) are retried at
 * the slowest pace. `onSubscribe` runs before the first watch and before every resubscription.
 * Resolves when the signal aborts.
 */
export async function runWatchLoop<T>(
  deps: StreamRunnerDeps,
  stream: { symbol: string; kind: StreamKind; tracker: StreamTracker },
  watch: () => Promise<T>,
  handle: (data: T) => number | undefined,
  onSubscribe?: () => void,
): Promise<void> {
  const { tracker, symbol, kind } = stream;
  const { signal, clock } = deps;
  let attempt = 0;
  tracker.connecting(clock.now());
  onSubscribe?.();
  while (!signal.aborted) {
    let data: T;
    try {
      data = await watch();
    } catch (err) {
      if (signal.aborted) return;
      const retryable = isRetryableError(err);
      tracker.failed(clock.now(), errorMessage(err), deps.downAfterFailures, !retryable);
      if (tracker.current === "down") deps.log("warn", `${symbol} ${kind} stream down: ${errorMessage(err)}`);
      // Errors retrying cannot fix (bad symbol, unsupported) are retried at the slowest pace.
      const delay = retryable ? backoffDelay(attempt++, deps.backoff, deps.random, err) : deps.backoff.maxMs;
      try {
        await sleep(delay, signal);
      } catch {
        return;
      }
      onSubscribe?.();
      continue;
    }
    if (signal.aborted) return;
    attempt = 0;
    const now = clock.now();
    let latency: number | undefined;
    try {
      latency = handle(data);
    } catch (err) {
      // A bug in our own handling must not take the stream down; say what happened and go on.
      deps.log("error", `${symbol} ${kind}: handling a message failed: ${errorMessage(err)}`);
    }
    tracker.message(now, latency);
  }
}
