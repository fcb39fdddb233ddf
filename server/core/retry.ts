/**
 * The one retry policy: capped exponential backoff. Every retry loop in the app computes its delays
 * here (order manager, live venue, persistence of engine events); `retry()` is the loop itself for
 * calls that only need "try again while the error is retryable".
 */
export interface RetryPolicy {
  /** Attempts in total (first try included). */
  attempts: number;
  /** Delay before the first retry; doubled for each further retry. */
  baseDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

/** The delay before retry number `retryNumber` (1 = the first retry). */
export function backoffDelay(policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, retryNumber: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (Math.max(1, retryNumber) - 1));
}

export function assertRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (!(policy.attempts >= 1)) throw new RangeError(`retry.attempts must be >= 1 (got ${policy.attempts})`);
  return policy;
}

/**
 * Run `call` until it succeeds, `retryable(err)` says no, or the attempts are used up (then the last
 * error is thrown). `sleep` is injected: tests and backtests pass one that advances a manual clock.
 */
export async function retry<T>(
  call: (attempt: number) => Promise<T>,
  options: { policy: RetryPolicy; sleep: (ms: number) => Promise<void>; retryable?: (err: unknown) => boolean; onRetry?: (err: unknown, attempt: number, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (attempt >= options.policy.attempts || !(options.retryable?.(err) ?? true)) throw err;
      const delay = backoffDelay(options.policy, attempt);
      options.onRetry?.(err, attempt, delay);
      await options.sleep(delay);
    }
  }
}
