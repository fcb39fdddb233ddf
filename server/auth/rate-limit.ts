import type { Clock } from "../core/clock";

/**
 * Failed-attempt limiter for sign-in (and TOTP checks): after `maxFailures` failures within `windowMs`
 * under one key (a username, an address), that key is locked for `lockMs`. State is in memory: a
 * restart clears it, which is acceptable for one process that restarts rarely.
 */
export interface RateLimitPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_SIGN_IN_POLICY: RateLimitPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

interface KeyState {
  failures: number[];
  lockedUntil: number;
}

export interface Lockout {
  key: string;
  retryAfterMs: number;
}

/** Beyond this many tracked keys, idle entries are dropped so a flood of usernames cannot grow memory without bound. */
const PRUNE_THRESHOLD = 10_000;

export class FailureLimiter {
  private readonly state = new Map<string, KeyState>();

  constructor(
    private readonly clock: Clock,
    readonly policy: RateLimitPolicy = DEFAULT_SIGN_IN_POLICY,
  ) {}

  /** The first of `keys` that is locked now, with how long it stays locked; null when none is. */
  lockedOf(keys: string[]): Lockout | null {
    const now = this.clock.now();
    let worst: Lockout | null = null;
    for (const key of keys) {
      const entry = this.state.get(key);
      if (entry && entry.lockedUntil > now) {
        const retryAfterMs = entry.lockedUntil - now;
        if (!worst || retryAfterMs > worst.retryAfterMs) worst = { key, retryAfterMs };
      }
    }
    return worst;
  }

  /** Records one failure under every key; returns the keys this failure has just locked. */
  recordFailure(keys: string[]): Lockout[] {
    const now = this.clock.now();
    const locked: Lockout[] = [];
    for (const key of keys) {
      const entry = this.state.get(key) ?? { failures: [], lockedUntil: 0 };
      entry.failures = entry.failures.filter((t) => now - t < this.policy.windowMs);
      entry.failures.push(now);
      if (entry.failures.length >= this.policy.maxFailures && entry.lockedUntil <= now) {
        entry.lockedUntil = now + this.policy.lockMs;
        entry.failures = [];
        locked.push({ key, retryAfterMs: this.policy.lockMs });
      }
      this.state.set(key, entry);
    }
    if (this.state.size > PRUNE_THRESHOLD) this.prune(now);
    return locked;
  }

  recordSuccess(keys: string[]): void {
    for (const key of keys) this.state.delete(key);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.state) {
      const recent = entry.failures.some((t) => now - t < this.policy.windowMs);
      if (!recent && entry.lockedUntil <= now) this.state.delete(key);
    }
  }
}
