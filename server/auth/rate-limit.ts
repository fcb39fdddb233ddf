import type { Clock } from "../core/clock";

/**
 * Failed-attempt limiter for sign-in (and TOTP checks): after `maxFailures` failures within `windowMs`
 * under one key (a username, an address), that key is locked for `lockMs`. The state is persisted by
 * the auth service (snapshot()/restore(), auth-state.ts): a restart does not clear a lock-out.
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
/** At most this many keys are persisted. */
const SNAPSHOT_LIMIT = 2_000;

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

  /** Entries still relevant now (recent failures or a running lock), for persistence. */
  snapshot(): Record<string, { failures: number[]; lockedUntil: number }> {
    const now = this.clock.now();
    const out: Record<string, { failures: number[]; lockedUntil: number }> = {};
    for (const [key, entry] of this.state) {
      const failures = entry.failures.filter((t) => now - t < this.policy.windowMs);
      if (failures.length > 0 || entry.lockedUntil > now) out[key] = { failures, lockedUntil: entry.lockedUntil };
    }
    const keys = Object.keys(out);
    if (keys.length <= SNAPSHOT_LIMIT) return out;
    // A flood of names: keep running locks first, then the most recently failing keys.
    const rank = (k: string) => (out[k].lockedUntil > now ? Number.MAX_SAFE_INTEGER : Math.max(0, ...out[k].failures));
    const kept = keys.sort((a, b) => rank(b) - rank(a)).slice(0, SNAPSHOT_LIMIT);
    return Object.fromEntries(kept.map((k) => [k, out[k]]));
  }

  /** Restores a snapshot (after a restart); expired entries are ignored. */
  restore(snapshot: Record<string, { failures: number[]; lockedUntil: number }>): void {
    const now = this.clock.now();
    for (const [key, entry] of Object.entries(snapshot)) {
      const failures = entry.failures.filter((t) => now - t < this.policy.windowMs);
      if (failures.length > 0 || entry.lockedUntil > now) this.state.set(key, { failures, lockedUntil: entry.lockedUntil });
    }
  }

  private prune(now: number): void {
    for (const [key, entry] of this.state) {
      const recent = entry.failures.some((t) => now - t < this.policy.windowMs);
      if (!recent && entry.lockedUntil <= now) this.state.delete(key);
    }
  }
}
