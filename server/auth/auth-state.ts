import type { PrismaClient } from "../db";

/**
 * Sign-in lock-outs and TOTP replay guards survive a restart: a restart must not hand an attacker
 * five fresh guesses, nor make a code already used valid again. Kept as one row of the settings
 * store ("auth.state"), written before the answer that depended on it leaves the server.
 */
export const AUTH_STATE_SETTING = "auth.state";

export interface PersistedLimiterEntry {
  failures: number[];
  lockedUntil: number;
}

export interface PersistedAuthState {
  version: 1;
  /** FailureLimiter entries by key ("user:<name>", "ip:<address>", "totp:<userId>"). */
  limiter: Record<string, PersistedLimiterEntry>;
  /** Last TOTP step used per user id: a code of that step or older is refused. */
  totpSteps: Record<string, number>;
}

export interface AuthStateStore {
  load(): Promise<PersistedAuthState | null>;
  save(state: PersistedAuthState): Promise<void>;
}

const finiteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Reads what is well-formed and drops the rest (a damaged row must not lock anyone out forever). */
export function parseAuthState(raw: unknown): PersistedAuthState | null {
  if (!raw || typeof raw !== "object") return null;
  const value = raw as { limiter?: unknown; totpSteps?: unknown };
  const limiter: Record<string, PersistedLimiterEntry> = {};
  if (value.limiter && typeof value.limiter === "object") {
    for (const [key, entry] of Object.entries(value.limiter as Record<string, unknown>)) {
      const e = entry as { failures?: unknown; lockedUntil?: unknown } | null;
      if (!e || !Array.isArray(e.failures) || !finiteNumber(e.lockedUntil)) continue;
      limiter[key] = { failures: e.failures.filter(finiteNumber), lockedUntil: e.lockedUntil };
    }
  }
  const totpSteps: Record<string, number> = {};
  if (value.totpSteps && typeof value.totpSteps === "object") {
    for (const [user, step] of Object.entries(value.totpSteps as Record<string, unknown>)) if (finiteNumber(step)) totpSteps[user] = step;
  }
  return { version: 1, limiter, totpSteps };
}

export function prismaAuthStateStore(prisma: PrismaClient): AuthStateStore {
  return {
    async load() {
      const row = await prisma.setting.findUnique({ where: { key: AUTH_STATE_SETTING } });
      return row ? parseAuthState(row.value) : null;
    },
    async save(state) {
      const value = state as unknown as object;
      await prisma.setting.upsert({ where: { key: AUTH_STATE_SETTING }, create: { key: AUTH_STATE_SETTING, value }, update: { value } });
    },
  };
}

export class InMemoryAuthStateStore implements AuthStateStore {
  state: PersistedAuthState | null = null;
  async load() {
    return this.state ? structuredClone(this.state) : null;
  }
  async save(state: PersistedAuthState) {
    this.state = structuredClone(state);
  }
}
