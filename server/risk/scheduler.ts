import { systemClock, type Clock } from "../core/clock";

/** Time and waiting for the kill switch; tests inject a virtual one so retries run instantly. */
export interface Scheduler {
  now(): number;
  /** Resolves after ms (rejects with the signal's reason if aborted first). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function realScheduler(clock: Clock = systemClock): Scheduler {
  return {
    now: () => clock.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, Math.max(0, ms));
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
  };
}

export class TimeoutError extends Error {
  constructor(
    readonly label: string,
    readonly timeoutMs: number,
  ) {
    super(`${label} timed out after ${timeoutMs} ms`);
    this.name = "TimeoutError";
  }
}

/** Run work with a deadline; the timer is cancelled as soon as the work settles. */
export async function withTimeout<T>(work: () => Promise<T>, timeoutMs: number, scheduler: Scheduler, label: string): Promise<T> {
  const abort = new AbortController();
  const timeout = scheduler.sleep(timeoutMs, abort.signal).then(
    () => {
      throw new TimeoutError(label, timeoutMs);
    },
    () => undefined as never, // aborted because the work settled first
  );
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    abort.abort(new Error("settled"));
  }
}
