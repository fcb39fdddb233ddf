import {
  BadResponse,
  BaseError,
  DDoSProtection,
  ExchangeClosedByUser,
  NetworkError,
  RateLimitExceeded,
} from "ccxt";
import { AbortedError, backoffDelay as coreBackoffDelay, retry, sleep, type RetryPolicy } from "../core/retry";

export { AbortedError, sleep };

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /** Share of the delay that is random (0 = none, 1 = anywhere between 0 and the delay). */
  jitter: number;
  /** Floor of the delay after the venue said "too many requests". */
  rateLimitedMinMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
  rateLimitedMinMs: 10_000,
};

/** The market's backoff as the one retry policy of core/retry.ts (attempts are given per call). */
export function toRetryPolicy(policy: BackoffPolicy, attempts = Number.POSITIVE_INFINITY): RetryPolicy {
  return { attempts, baseDelayMs: policy.initialMs, maxDelayMs: policy.maxMs, factor: policy.factor, jitter: policy.jitter };
}

/**
 * Delay before retry number `attempt` (0-based): core/retry.ts's exponential, capped, jittered delay
 * (so clients do not retry in step), at least `rateLimitedMinMs` after a rate-limit answer.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number, err?: unknown): number {
  let delay = coreBackoffDelay(toRetryPolicy(policy), Math.max(0, attempt) + 1, () => random());
  if (policy.jitter === 0) random(); // the draw the jittered formula always made: seeded sequences stay the same
  if (err !== undefined && isRateLimitError(err)) delay = Math.max(delay, Math.min(policy.maxMs, policy.rateLimitedMinMs));
  return Math.round(delay);
}

/** The venue told us to slow down (HTTP 418/429, ccxt RateLimitExceeded or DDoSProtection). */
export function isRateLimitError(err: unknown): boolean {
  return err instanceof RateLimitExceeded || err instanceof DDoSProtection;
}

/**
 * Errors worth retrying: network trouble (ccxt NetworkError: RequestTimeout, ExchangeNotAvailable,
 * RateLimitExceeded, DDoSProtection...), garbled responses (BadResponse), and non-ccxt errors (socket
 * errors surface as plain Errors). Exchange errors (bad symbol, authentication, not supported) are not:
 * retrying cannot fix them.
 */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof ExchangeClosedByUser) return false;
  if (err instanceof NetworkError || err instanceof BadResponse) return true;
  // Every ccxt error derives from BaseError; anything else is the runtime's own (ECONNRESET, ...).
  return !isCcxtError(err);
}

export function isCcxtError(err: unknown): boolean {
  return err instanceof BaseError;
}

export interface RetryOptions {
  policy?: BackoffPolicy;
  random?: () => number;
  signal?: AbortSignal;
  /** Give up after this many failed attempts (default: never, while errors are retryable). */
  maxAttempts?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `fn` until it succeeds, backing off between retryable failures (core/retry.ts's loop); rethrows anything else. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  return retry(() => fn(), {
    policy: toRetryPolicy(policy, options.maxAttempts),
    sleep,
    signal: options.signal,
    shouldRetry: isRetryableError,
    delay: (_computed, err, retryNumber) => backoffDelay(retryNumber - 1, policy, random, err),
    onRetry: options.onRetry && ((err, attempt, delay) => options.onRetry?.(err, attempt - 1, delay)),
  });
}
