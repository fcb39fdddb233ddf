import type { KernelMode, PositionSide } from "../model/types";

/**
 * "When it decides to get out, it gets out — or it raises an alarm within a second."
 *
 * The exit guard is the account's memory of exits that did not work: how often an exit of a position
 * was tried, when the next automatic try is due, and the alarms a person must see. It decides; the
 * account (account.ts) sends the orders. Policy:
 * - The first rejection of an exit raises an alarm at once (a risk event, REDUCING, the banner).
 * - A rejection for a quantity or balance mismatch is retried at once with the quantity re-read from
 *   the venue; any other rejection is retried with backoff (RETRY_DELAYS_MS). After MAX_BURST attempts
 *   the position is flagged: automatic exits then try at most once per FLAGGED_RETRY_MS, never on
 *   every price tick (a rejected exit was once re-sent 200 times). A person (close, kill switch) can
 *   always try.
 * - A stop or target reached while the position stays open for more than OVERDUE_MS of wall time
 *   raises STOP_PASSED_OPEN, even when no order was rejected (an exit stuck in flight).
 * - An alarm is resolved when its position is closed or moved to dust.
 */
export type ExitAlarmCode = "EXIT_REJECTED" | "STOP_PASSED_OPEN" | "POSITIONS_LEFT_OPEN";

export interface ExitAlarm {
  /** Stable per (mode, position): `${mode}:${symbol}|${strategyInstanceId}`. */
  id: string;
  mode: KernelMode;
  positionId: string | null;
  symbol: string;
  side: PositionSide;
  strategyInstanceId: string | null;
  /** Position quantity still open. */
  quantity: number;
  /** What a close at market would send now: min(position, venue free), floored to the step. */
  closableQuantity: number;
  code: ExitAlarmCode;
  /** The venue's reason, or what the bot saw. */
  reason: string;
  attempts: number;
  /** Wall-clock ms. */
  since: number;
  updatedAt: number;
}

export interface ExitPositionRef {
  id: string;
  symbol: string;
  side: PositionSide;
  quantity: number;
  strategyInstanceId?: string;
}

export type RetryPlan = { kind: "now" } | { kind: "after"; delayMs: number } | { kind: "flagged" };

export const MAX_BURST = 4;
export const RETRY_DELAYS_MS = [250, 1_000, 3_000] as const;
export const FLAGGED_RETRY_MS = 60_000;
export const OVERDUE_MS = 1_000;

/** A venue refusal that a re-read of the free balance and a re-sized order can fix. */
export function isQuantityMismatch(reason: string | undefined): boolean {
  return /INSUFFICIENT|balance|-2010|LOT_SIZE|MARKET_LOT_SIZE|quantity|step|NOTIONAL|-1013|-1111/i.test(reason ?? "");
}

interface Attempts {
  count: number;
  lastAt: number;
  mismatchRetried: boolean;
}

export class ExitGuard {
  private readonly attempts = new Map<string, Attempts>();
  private readonly alarms = new Map<string, ExitAlarm>();
  /** Wall time a protective trigger was first seen per position key, until the position closes. */
  private readonly triggeredAt = new Map<string, number>();

  constructor(private readonly mode: KernelMode) {}

  /** The alarm's public id (`${mode}:${symbol}|${strategyInstanceId}`), whatever the in-memory position key. */
  alarmId(symbol: string, strategyInstanceId: string | null | undefined): string {
    return `${this.mode}:${symbol}|${strategyInstanceId ?? ""}`;
  }

  list(): ExitAlarm[] {
    return [...this.alarms.values()].map((a) => ({ ...a }));
  }

  get size(): number {
    return this.alarms.size;
  }

  has(key: string): boolean {
    return this.alarms.has(key);
  }

  attemptsOf(key: string): number {
    return this.attempts.get(key)?.count ?? 0;
  }

  /** May an automatic exit (protective trigger, strategy signal) be sent for this position now? */
  mayAutoExit(key: string, wallNow: number): boolean {
    const a = this.attempts.get(key);
    if (!a || a.count < MAX_BURST) return true;
    return wallNow - a.lastAt >= FLAGGED_RETRY_MS;
  }

  noteAttempt(key: string, wallNow: number): void {
    const a = this.attempts.get(key) ?? { count: 0, lastAt: wallNow, mismatchRetried: false };
    a.count += 1;
    a.lastAt = wallNow;
    this.attempts.set(key, a);
  }

  /** After a rejected or unfilled exit: what to do next. */
  planRetry(key: string, reason: string | undefined): RetryPlan {
    const a = this.attempts.get(key);
    const count = a?.count ?? 0;
    if (count >= MAX_BURST) return { kind: "flagged" };
    if (a && !a.mismatchRetried && isQuantityMismatch(reason)) {
      a.mismatchRetried = true;
      return { kind: "now" };
    }
    return { kind: "after", delayMs: RETRY_DELAYS_MS[Math.min(Math.max(count - 1, 0), RETRY_DELAYS_MS.length - 1)] };
  }

  /** Raise or update the alarm of a position. Returns true when it is new (the caller reports it once). */
  raise(key: string, alarm: Omit<ExitAlarm, "id" | "since" | "updatedAt" | "attempts" | "mode">, wallNow: number): boolean {
    const existing = this.alarms.get(key);
    const attempts = this.attemptsOf(key);
    if (existing) {
      // A stuck stop that then gets rejected shows the rejection: the venue's reason is what a person needs.
      const code = existing.code === "STOP_PASSED_OPEN" && alarm.code === "EXIT_REJECTED" ? alarm.code : existing.code;
      this.alarms.set(key, { ...existing, ...alarm, code, attempts, updatedAt: wallNow });
      return false;
    }
    this.alarms.set(key, { ...alarm, id: this.alarmId(alarm.symbol, alarm.strategyInstanceId), mode: this.mode, attempts, since: wallNow, updatedAt: wallNow });
    return true;
  }

  /** The position closed (or became dust): forget its attempts and clear its alarm. Returns true when an alarm was cleared. */
  resolve(key: string): boolean {
    this.attempts.delete(key);
    this.triggeredAt.delete(key);
    return this.alarms.delete(key);
  }

  /** A protective level was reached; returns how long ago (wall ms) it was first reached while the position stayed open. */
  triggered(key: string, wallNow: number): number {
    const first = this.triggeredAt.get(key);
    if (first === undefined) {
      this.triggeredAt.set(key, wallNow);
      return 0;
    }
    return wallNow - first;
  }
}
