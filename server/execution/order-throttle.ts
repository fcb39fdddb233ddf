import type { Clock } from "../core/clock";

/**
 * The venue's order-rate limits as token buckets on the injected clock (NautilusTrader's
 * order-submit throttler). Binance spot allows 100 orders per 10 s and 200,000 per day per account;
 * the throttle keeps `headroomPct` below each so a burst (a kill switch, many strategies on one
 * candle) never earns the venue's ban. A refused take is an order the gateway does not send.
 */
export interface OrderRateWindow {
  limit: number;
  windowMs: number;
}

export interface OrderRateLimits {
  windows: readonly OrderRateWindow[];
  /** Percent of each limit kept free (0-90). */
  headroomPct: number;
}

export const BINANCE_SPOT_ORDER_LIMITS: OrderRateLimits = {
  windows: [
    { limit: 100, windowMs: 10_000 },
    { limit: 200_000, windowMs: 86_400_000 },
  ],
  headroomPct: 20,
};

export type ThrottleAnswer = { ok: true } | { ok: false; code: "ORDER_RATE_LIMITED"; message: string; retryInMs: number };

interface Bucket {
  capacity: number;
  tokens: number;
  perMs: number;
  windowMs: number;
  limit: number;
  at: number;
}

export class OrderThrottle {
  private readonly buckets: Bucket[];

  constructor(
    readonly limits: OrderRateLimits,
    private readonly clock: Clock,
  ) {
    const keep = 1 - Math.min(90, Math.max(0, limits.headroomPct)) / 100;
    const now = clock.now();
    this.buckets = limits.windows.map((w) => {
      const capacity = Math.max(1, Math.floor(w.limit * keep));
      return { capacity, tokens: capacity, perMs: capacity / w.windowMs, windowMs: w.windowMs, limit: w.limit, at: now };
    });
  }

  /** Take one order's worth from every window, or none when any window is empty. */
  take(): ThrottleAnswer {
    const now = this.clock.now();
    for (const b of this.buckets) {
      if (now > b.at) b.tokens = Math.min(b.capacity, b.tokens + (now - b.at) * b.perMs);
      b.at = Math.max(b.at, now);
    }
    const empty = this.buckets.find((b) => b.tokens < 1);
    if (empty) {
      const retryInMs = Math.ceil((1 - empty.tokens) / empty.perMs);
      return {
        ok: false,
        code: "ORDER_RATE_LIMITED",
        message: `order rate limit: ${empty.capacity} orders per ${formatWindow(empty.windowMs)} used (the venue allows ${empty.limit}; ${this.limits.headroomPct}% kept free); next order possible in ${(retryInMs / 1000).toFixed(1)} s`,
        retryInMs,
      };
    }
    for (const b of this.buckets) b.tokens -= 1;
    return { ok: true };
  }
}

function formatWindow(ms: number): string {
  if (ms % 86_400_000 === 0) return ms === 86_400_000 ? "day" : `${ms / 86_400_000} days`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
