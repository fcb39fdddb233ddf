import { retry as withRetry, sleep } from "../../core/retry";
import type { BackoffPolicy } from "../../market";

/** Delivery retries: the project's one retry policy (core/retry.ts) with a bounded number of attempts. */
export interface DeliveryRetry {
  policy: BackoffPolicy;
  maxAttempts: number;
}

export const DEFAULT_DELIVERY_RETRY: DeliveryRetry = {
  policy: { initialMs: 1_000, maxMs: 30_000, factor: 2, jitter: 0.3, rateLimitedMinMs: 5_000 },
  maxAttempts: 5,
};

/** A failure no retry can fix (HTTP 4xx, bad credentials): thrown out of the retry loop at once. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentDeliveryError";
  }
}

export class DeliveryError extends Error {
  constructor(message: string, readonly attempts: number) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** Runs one delivery attempt until it succeeds or the attempts run out; counts the attempts. */
export async function deliver(attempt: () => Promise<void>, retry: DeliveryRetry): Promise<{ attempts: number }> {
  let attempts = 0;
  let permanent: PermanentDeliveryError | undefined;
  try {
    await withRetry(
      async () => {
        attempts += 1;
        try {
          await attempt();
        } catch (err) {
          if (err instanceof PermanentDeliveryError) {
            permanent = err;
            return;
          }
          throw err;
        }
      },
      {
        policy: { attempts: retry.maxAttempts, baseDelayMs: retry.policy.initialMs, maxDelayMs: retry.policy.maxMs, factor: retry.policy.factor, jitter: retry.policy.jitter },
        sleep,
        delay: (ms) => Math.round(ms),
      },
    );
  } catch (err) {
    throw new DeliveryError(`${(err as Error).message} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`, attempts);
  }
  if (permanent) throw new DeliveryError(permanent.message, attempts);
  return { attempts };
}
