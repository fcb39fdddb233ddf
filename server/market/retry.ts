import {
  BadResponse,
  BaseError,
  DDoSProtection,
  ExchangeClosedByUser,
  NetworkError,
  RateLimitExceeded,
} from "ccxt";

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

/** Delay before retry number `attempt` (0-based): exponential, capped, with jitter so clients do not retry in step. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number, err?: unknown): number {
  const raw = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  let delay = raw * (1 - policy.jitter) + raw * policy.jitter * random();
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

export class AbortedError extends Error {
  constructor() {
    super("aborted");
    this.name = "AbortedError";
  }
}

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
  policy?: BackoffPolicy;
  random?: () => number;
  signal?: AbortSignal;
  /** Give up after this many failed attempts (default: never, while errors are retryable). */
  maxAttempts?: number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `fn` until it succeeds, backing off between retryable failures; rethrows anything else. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError();
    try {
      return await fn();
    } catch (err) {
      if (!isRetryableError(err) || options.signal?.aborted) throw err;
      if (options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts) throw err;
      const delay = backoffDelay(attempt, policy, random, err);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
