/**
 * Verified sessions and API tokens, remembered for a few seconds so a busy dashboard or script does not
 * pay the database lookups (session + user, or token row) on every request. Only successful
 * verifications are kept, keyed by the secret's SHA-256 (never the secret itself), bounded in size.
 *
 * Invalidation is immediate: sign-out, a password change and a token revocation call `invalidate`,
 * which drops the matching entries and bumps a generation counter, so a lookup that was already
 * reading the database when the revocation happened cannot put the old answer back (`store` refuses
 * results read before the last invalidation). The TTL only bounds changes made outside this process.
 */

export const VERIFIED_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

export interface VerifiedEntry<T> {
  value: T;
  /** Session expiry (epoch ms): a hit after it is a miss. */
  expiresAt?: number;
  sessionId?: string;
  userId?: string;
  tokenId?: string;
}

export class VerifiedCache<T> {
  private readonly entries = new Map<string, VerifiedEntry<T> & { until: number }>();
  private gen = 0;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = VERIFIED_CACHE_TTL_MS,
  ) {}

  /** Taken before a database lookup and handed back to `store`. */
  get generation(): number {
    return this.gen;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    if (entry.until <= now || (entry.expiresAt !== undefined && entry.expiresAt <= now)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers a verification read at `generation`; ignored when an invalidation happened since. */
  store(key: string, generation: number, entry: VerifiedEntry<T>): void {
    if (generation !== this.gen) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { ...entry, until: this.now() + this.ttlMs });
  }

  /** Drops every entry matching the filter (all when none is given), at once. */
  invalidate(match?: { sessionId?: string; userId?: string; tokenId?: string }): void {
    this.gen += 1;
    if (!match) {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) {
      if (
        (match.sessionId !== undefined && entry.sessionId === match.sessionId) ||
        (match.userId !== undefined && entry.userId === match.userId) ||
        (match.tokenId !== undefined && entry.tokenId === match.tokenId)
      ) {
        this.entries.delete(key);
      }
    }
  }
}
