/**
 * The one retry policy: capped exponential backoff, optionally jittered. Every retry loop in the app
 * runs here (`retry()`) or computes its delays here (`backoffDelay()`): the order manager (the one
 * layer that retries an order submission), the live venue's reads and cancels, market data REST
 * calls and streams, the kill switch, persistence of engine events and alert delivery. Pure: no
 * Node imports; time comes from the injected `sleep` (tests and backtests advance a manual clock).
 */
export interface RetryPolicy {
  /** Attempts in total (first try included); Infinity = until success, a non-retryable error or abort. */
  attempts: number;
  /** Delay before the first retry; multiplied by `factor` for each further retry. */
  baseDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
  /** Growth per retry (default 2). */
  factor?: number;
  /** Share of each delay that is random (0 = none, the default; 1 = anywhere between 0 and the delay). */
  jitter?: number;
}

/** The delay before retry number `retryNumber` (1 = the first retry). `random` is only drawn when the policy jitters. */
export function backoffDelay(
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "factor" | "jitter">,
  retryNumber: number,
  random: () => number = Math.random,
): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * (policy.factor ?? 2) ** (Math.max(1, retryNumber) - 1));
  const jitter = policy.jitter ?? 0;
  return jitter > 0 ? raw * (1 - jitter) + raw * jitter * random() : raw;
}

export function assertRetryPolicy<P extends RetryPolicy>(policy: P): P {
  if (!(policy.attempts >= 1)) throw new RangeError(`retry.attempts must be >= 1 (got ${policy.attempts})`);
  return policy;
}

/** Thrown when the abort signal of a retry (or its sleep) fires. */
export class AbortedError extends Error {
  constructor() {
    super("aborted");
    this.name = "AbortedError";
  }
}

/** A real-time sleep that an abort signal ends early (rejecting with AbortedError). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** The injected clock's sleep; receives the abort signal when there is one. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Classifier: may this error be retried? Default: every error. `attempt` is the one that failed (1-based). */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** Randomness for jitter (tests pass a seeded one). */
  random?: () => number;
  /** Ends the loop: checked before each attempt and after each failure (throws AbortedError before an attempt). */
  signal?: AbortSignal;
  /** Adjusts the computed delay for this error (e.g. a floor after "too many requests"). */
  delay?: (computedMs: number, err: unknown, retryNumber: number) => number;
  /** Called before each sleep: the error, the attempt that failed (1-based) and the delay. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Run `call` until it succeeds, `shouldRetry(err)` says no, the signal aborts, or the attempts are
 * used up; then the last error is thrown. `call` receives its attempt number (1-based).
 */
export async function retry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError();
    try {
      return await call(attempt);
    } catch (err) {
      if (options.signal?.aborted || attempt >= options.policy.attempts || !(options.shouldRetry?.(err, attempt) ?? true)) throw err;
      const computed = backoffDelay(options.policy, attempt, options.random);
      const delay = options.delay ? options.delay(computed, err, attempt) : computed;
      options.onRetry?.(err, attempt, delay);
      await (options.signal ? options.sleep(delay, options.signal) : options.sleep(delay));
    }
  }
}
