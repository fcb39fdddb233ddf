import type { Clock } from "../core/clock";
import { AppError } from "../core/errors";

/**
 * The venue's order-rate limits on the injected clock. Binance spot allows 100 orders per 10 s and
 * 200,000 per day per account; the throttle keeps `headroomPct` below each so a burst (many
 * strategies on one candle, a burst of manual orders) never earns the venue's -1015. A refused take
 * is an order the gateway does not send.
 *
 * Each window is a sliding window: an order is let through only while the orders sent in the last
 * `windowMs` (counted in slots of a hundredth of the window, a slot counting as long as any of it is
 * inside the window, so the count is never under the truth) stay below the cap. Any interval of
 * `windowMs`, wherever the venue's own windows start, therefore holds at most the cap (a token
 * bucket of the same size lets twice its capacity through one window: 160 where the venue allows 100).
 *
 * Priority takes (exits, the kill switch) may use half of the headroom the others leave free: after a
 * burst of entries the way out is still open, and still below the venue's hard limit (with the
 * default 20 %: 80 orders per 10 s for entries, 90 for exits, the venue allows 100).
 */
export interface OrderRateWindow {
  limit: number;
  windowMs: number;
}

export interface OrderRateLimits {
  windows: readonly OrderRateWindow[];
  /** Percent of each limit kept free (0-90); priority orders may use half of it. */
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

export interface TakeOptions {
  /** An exit or a kill-switch close: may use half of the headroom. */
  priority?: boolean;
}

const SLOTS_PER_WINDOW = 100;

interface SlidingWindow {
  limit: number;
  windowMs: number;
  slotMs: number;
  /** Cap for ordinary orders and for priority ones (both below `limit`). */
  cap: number;
  priorityCap: number;
  /** Sends per slot, oldest first: slot k covers [k·slotMs, (k+1)·slotMs). */
  slots: { slot: number; count: number }[];
  total: number;
}

export class OrderThrottle {
  private readonly windows: SlidingWindow[];

  constructor(
    readonly limits: OrderRateLimits,
    private readonly clock: Clock,
  ) {
    if (!Array.isArray(limits?.windows) || limits.windows.length === 0) throw new AppError("INVALID_OPTION", "order rate limits need at least one window", 400);
    const headroom = Math.min(90, Math.max(0, Number.isFinite(limits.headroomPct) ? limits.headroomPct : 0)) / 100;
    this.windows = limits.windows.map((w) => {
      if (!(Number.isInteger(w.limit) && w.limit >= 1) || !(Number.isFinite(w.windowMs) && w.windowMs >= 1)) {
        throw new AppError("INVALID_OPTION", `order rate window needs a whole limit >= 1 and windowMs >= 1 (got limit ${w.limit}, windowMs ${w.windowMs})`, 400);
      }
      const cap = Math.max(1, Math.floor(w.limit * (1 - headroom)));
      const priorityCap = Math.max(cap, Math.floor(w.limit * (1 - headroom / 2)));
      return { limit: w.limit, windowMs: w.windowMs, slotMs: Math.max(1, w.windowMs / SLOTS_PER_WINDOW), cap, priorityCap, slots: [], total: 0 };
    });
  }

  /** Orders counted in each window now (for status and tests). */
  used(): { windowMs: number; limit: number; used: number; cap: number; priorityCap: number }[] {
    const now = this.clock.now();
    return this.windows.map((w) => ({ windowMs: w.windowMs, limit: w.limit, used: this.count(w, now), cap: w.cap, priorityCap: w.priorityCap }));
  }

  /** Take one order's worth from every window, or none when any window is full. */
  take(options: TakeOptions = {}): ThrottleAnswer {
    const now = this.clock.now();
    for (const w of this.windows) {
      const cap = options.priority ? w.priorityCap : w.cap;
      if (this.count(w, now) < cap) continue;
      const retryInMs = this.retryIn(w, now, cap);
      return {
        ok: false,
        code: "ORDER_RATE_LIMITED",
        message: `order rate limit: ${cap} orders per ${formatWindow(w.windowMs)} used (the venue allows ${w.limit}; ${this.limits.headroomPct}% kept free${options.priority ? ", half of it for exits" : ""}); next order possible in ${(retryInMs / 1000).toFixed(1)} s`,
        retryInMs,
      };
    }
    for (const w of this.windows) {
      const slot = Math.floor(now / w.slotMs);
      const last = w.slots[w.slots.length - 1];
      if (last && last.slot >= slot) last.count += 1;
      else w.slots.push({ slot, count: 1 });
      w.total += 1;
    }
    return { ok: true };
  }

  /** Orders in slots that reach into (now − windowMs, now]. */
  private count(w: SlidingWindow, now: number): number {
    while (w.slots.length > 0 && (w.slots[0].slot + 1) * w.slotMs <= now - w.windowMs) w.total -= w.slots.shift()!.count;
    return w.total;
  }

  /** When enough of the oldest slots have left the window for one more order under `cap`. */
  private retryIn(w: SlidingWindow, now: number, cap: number): number {
    let left = w.total;
    for (const s of w.slots) {
      left -= s.count;
      if (left < cap) return Math.max(1, Math.ceil((s.slot + 1) * w.slotMs + w.windowMs - now));
    }
    return 1;
  }
}

function formatWindow(ms: number): string {
  if (ms % 86_400_000 === 0) return ms === 86_400_000 ? "day" : `${ms / 86_400_000} days`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
