import type { RiskLimits } from "../config/risk-limits";
import type { Clock } from "../core/clock";
import type { Logger } from "../core/logger";
import type { TradingState } from "../model/types";
import type { CalendarPeriod, TradingCalendar } from "./calendar";
import { money, pct } from "./checks/verdict";
import { RiskMetrics, type RiskEngineView } from "./metrics";
import type { RiskEventLog } from "./risk-engine-events";
import type { LoadedRiskState, RiskStateParts } from "./risk-engine-persistence";
import type { PeriodAnchor } from "./state-store";
import type { RiskContext, RiskEntryRecord, RiskLatch, RiskLatchId } from "./types";

/** Mirrors execution/errors.ts VenueFaultKind (risk does not depend on the execution layer). */
export type VenueFaultKind = "transport" | "server" | "rate_limit" | "rejection";

/** Calendar latches lift by themselves; a person's reset does not clear them. */
const CALENDAR_LATCHES: ReadonlySet<RiskLatchId> = new Set(["daily_loss", "weekly_loss"]);

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export interface RiskBreakersDeps {
  clock: Clock;
  /** Real elapsed time for the venue-error window (never the market clock). */
  wallClock: Clock;
  calendar: TradingCalendar;
  events: RiskEventLog;
  logger?: Logger;
  /** The effective limits (tightening replaces them, so they are read on each use). */
  limits: () => RiskLimits;
  /** The engine's record of approved entries (min interval, trades per day), shared by reference. */
  approvedEntries: ReadonlyMap<string, RiskEntryRecord>;
  /** Save the state without waiting (a latch tripped or lifted, a baseline moved). */
  persistInBackground: () => void;
}

/**
 * The trading state and its latches (circuit breakers) of one risk engine: the day/week baselines,
 * the equity peak and the losing-streak reset, the loss, drawdown and losing-streak breakers fed by
 * observe(), the venue-error, reconciliation and exit-failure breakers, and what a person's actions
 * do to the latches. The state is the strictest active latch. Used only by RiskEngine (risk-engine.ts),
 * which owns the evaluation and persists through RiskStatePersistence.
 */
export class RiskBreakers {
  readonly #clock: Clock;
  readonly #wallClock: Clock;
  readonly #calendar: TradingCalendar;
  readonly #events: RiskEventLog;
  readonly #logger: Logger | undefined;
  readonly #limits: () => RiskLimits;
  readonly #approvedEntries: ReadonlyMap<string, RiskEntryRecord>;
  readonly #persistInBackground: () => void;

  #latches = new Map<RiskLatchId, RiskLatch>();
  #dayAnchor: PeriodAnchor | null = null;
  #weekAnchor: PeriodAnchor | null = null;
  #equityPeak: { equity: number; at: number } | null = null;
  #lossStreakResetAt: number | null = null;
  #dailyWarningKey: string | null = null;
  #lastEquity: number | null = null;
  #contextInvalidWarned = false;
  #venueErrors: number[] = [];
  #periodKeys: { zone: string; day: CalendarPeriod | null; dayKey: string; week: CalendarPeriod | null; weekKey: string } = { zone: "", day: null, dayKey: "", week: null, weekKey: "" };

  constructor(deps: RiskBreakersDeps) {
    this.#clock = deps.clock;
    this.#wallClock = deps.wallClock;
    this.#calendar = deps.calendar;
    this.#events = deps.events;
    this.#logger = deps.logger;
    this.#limits = deps.limits;
    this.#approvedEntries = deps.approvedEntries;
    this.#persistInBackground = deps.persistInBackground;
  }

  // ---- reading ----

  get state(): TradingState {
    let state: TradingState = "ACTIVE";
    for (const latch of this.#latches.values()) {
      if (latch.state === "HALTED") return "HALTED";
      state = "REDUCING";
    }
    return state;
  }

  /** The active latches (the live map: read, do not change). */
  get latchMap(): ReadonlyMap<RiskLatchId, RiskLatch> {
    return this.#latches;
  }

  get equityPeak(): { equity: number; at: number } | null {
    return this.#equityPeak;
  }

  get dayAnchor(): PeriodAnchor | null {
    return this.#dayAnchor;
  }

  get weekAnchor(): PeriodAnchor | null {
    return this.#weekAnchor;
  }

  get lossStreakResetAt(): number | null {
    return this.#lossStreakResetAt;
  }

  /** The parts of the persisted state the breakers own. */
  persistedParts(): Pick<RiskStateParts, "tradingState" | "latches" | "equityPeak" | "dayAnchor" | "weekAnchor" | "lossStreakResetAt" | "dailyWarningKey"> {
    return {
      tradingState: this.state,
      latches: [...this.#latches.values()],
      equityPeak: this.#equityPeak,
      dayAnchor: this.#dayAnchor,
      weekAnchor: this.#weekAnchor,
      lossStreakResetAt: this.#lossStreakResetAt,
      dailyWarningKey: this.#dailyWarningKey,
    };
  }

  /** What the metrics of a check or of usage see: calendar periods, baselines and the entry record. */
  view(now: number, excludeClientOrderId?: string): RiskEngineView {
    // Two literals rather than a conditional spread (a generic copy on every evaluation).
    const day = this.#calendar.day(now);
    const week = this.#calendar.week(now);
    const equityPeak = this.#equityPeak?.equity ?? null;
    if (excludeClientOrderId === undefined) {
      return { day, week, dayAnchor: this.#dayAnchor, weekAnchor: this.#weekAnchor, equityPeak, lossStreakResetAt: this.#lossStreakResetAt, approvedEntries: this.#approvedEntries };
    }
    return { day, week, dayAnchor: this.#dayAnchor, weekAnchor: this.#weekAnchor, equityPeak, lossStreakResetAt: this.#lossStreakResetAt, approvedEntries: this.#approvedEntries, excludeClientOrderId };
  }

  // ---- start-up ----

  /**
   * Restore latches and baselines from the stored state. A daily/weekly loss latch whose limit was
   * loosened in the config is lifted instead (returned in `lifted`).
   */
  restore(persisted: NonNullable<LoadedRiskState["persisted"]>, loosenedKeys: ReadonlySet<string>): { restored: RiskLatch[]; lifted: RiskLatch[] } {
    const restored: RiskLatch[] = [];
    const lifted: RiskLatch[] = [];
    for (const latch of persisted.latches) {
      const liftedByConfig =
        (latch.id === "daily_loss" && loosenedKeys.has("dailyLossPct")) ||
        (latch.id === "weekly_loss" && loosenedKeys.has("weeklyLossPct"));
      if (liftedByConfig) lifted.push(latch);
      else {
        this.#latches.set(latch.id, latch);
        restored.push(latch);
      }
    }
    this.#dayAnchor = persisted.dayAnchor;
    this.#weekAnchor = persisted.weekAnchor;
    this.#equityPeak = persisted.equityPeak;
    this.#lossStreakResetAt = persisted.lossStreakResetAt;
    this.#dailyWarningKey = persisted.dailyWarningKey;
    return { restored, lifted };
  }

  /** The stored state could not be read: HALTED until a person resets (earlier latches are unknown). */
  latchUnreadableState(reason: string, now: number): void {
    this.#latches.set("state_unreadable", {
      id: "state_unreadable",
      state: "HALTED",
      code: "RISK_STATE_UNREADABLE",
      reason: "the stored risk state could not be read, so earlier latches are unknown",
      since: now,
      until: null,
      data: { issues: reason.slice(0, 500) },
    });
    this.#events.emit("breaker", "RISK_STATE_UNREADABLE", "critical", `stored risk state is unreadable (${reason}); trading HALTED until a person resets it`, {}, now);
  }

  // ---- breakers ----

  /**
   * Feed a fresh snapshot (call it on every mark update; evaluate() calls it too). Rolls the local
   * day/week baselines, raises the equity peak, lifts expired calendar latches, raises the daily
   * warning and trips the loss, drawdown and losing-streak breakers. Never throws.
   */
  observe(ctx: RiskContext): TradingState {
    try {
      if (!ctx || !finite(ctx.now)) return this.state;
      const now = ctx.now;
      this.#expireLatches(now);
      if (!finite(ctx.equity) || ctx.equity < 0) {
        if (!this.#contextInvalidWarned) {
          this.#contextInvalidWarned = true;
          this.#events.emit("warning", "RISK_CONTEXT_INVALID", "critical", `equity ${String(ctx.equity)} is not a valid amount: breakers cannot be evaluated and entries are refused`, {}, now);
        }
        return this.state;
      }
      this.#contextInvalidWarned = false;
      this.#lastEquity = ctx.equity;
      let dirty = false;
      const day = this.#calendar.day(now);
      const dayKey = this.#periodKey(day);
      if (this.#dayAnchor?.key !== dayKey) {
        this.#dayAnchor = { key: dayKey, start: day.start, equity: ctx.equity, at: now };
        dirty = true;
      }
      const week = this.#calendar.week(now);
      const weekKey = this.#periodKey(week);
      if (this.#weekAnchor?.key !== weekKey) {
        this.#weekAnchor = { key: weekKey, start: week.start, equity: ctx.equity, at: now };
        dirty = true;
      }
      if (this.#equityPeak === null || ctx.equity > this.#equityPeak.equity) {
        this.#equityPeak = { equity: ctx.equity, at: now };
        dirty = true;
      }
      this.#evaluateBreakers(ctx, now);
      if (dirty) this.#persistInBackground();
    } catch (err) {
      this.#logger?.error({ err }, "risk observe failed");
    }
    return this.state;
  }

  /** `${timeZone}|${period.key}`, built once per calendar period (the calendar caches the period object). */
  #periodKey(period: CalendarPeriod): string {
    const zone = this.#limits().timeZone;
    const cached = this.#periodKeys;
    if (cached.day === period && cached.zone === zone) return cached.dayKey;
    if (cached.week === period && cached.zone === zone) return cached.weekKey;
    const key = `${zone}|${period.key}`;
    if (cached.zone !== zone) {
      cached.zone = zone;
      cached.day = cached.week = null;
    }
    if (period.key.startsWith("W")) {
      cached.week = period;
      cached.weekKey = key;
    } else {
      cached.day = period;
      cached.dayKey = key;
    }
    return key;
  }

  #evaluateBreakers(ctx: RiskContext, now: number): void {
    const limits = this.#limits();
    const view = this.view(now);
    const m = new RiskMetrics(ctx, limits, view);
    const q = ctx.quoteCurrency;

    const dayLoss = -m.dayPnl();
    const dayLimit = m.dayLossLimitQuote();
    if (dayLoss > 0 && dayLoss >= dayLimit) {
      this.trip({
        id: "daily_loss",
        state: "REDUCING",
        code: "DAILY_LOSS_LIMIT",
        reason: `daily loss ${money(dayLoss, q)} reached the ${limits.dailyLossPct}% limit of ${money(dayLimit, q)}; entries paused until the next local day (${limits.timeZone})`,
        since: now,
        until: view.day.end,
        data: { loss: round8(dayLoss), limit: round8(dayLimit), dailyLossPct: limits.dailyLossPct },
      });
    } else if (dayLoss > 0 && dayLoss >= limits.dailyLossWarnRatio * dayLimit && this.#dailyWarningKey !== this.#dayAnchor?.key) {
      this.#dailyWarningKey = this.#dayAnchor?.key ?? null;
      this.#events.emit(
        "warning",
        "DAILY_LOSS_WARNING",
        "warning",
        `daily loss ${money(dayLoss, q)} is ${pct((dayLoss / dayLimit) * 100)} of the ${money(dayLimit, q)} limit`,
        { loss: round8(dayLoss), limit: round8(dayLimit), ratio: round8(dayLoss / dayLimit), warnRatio: limits.dailyLossWarnRatio },
        now,
      );
      this.#persistInBackground();
    }

    const weekLoss = -m.weekPnl();
    const weekLimit = m.weekLossLimitQuote();
    if (weekLoss > 0 && weekLoss >= weekLimit) {
      this.trip({
        id: "weekly_loss",
        state: "REDUCING",
        code: "WEEKLY_LOSS_LIMIT",
        reason: `weekly loss ${money(weekLoss, q)} reached the ${limits.weeklyLossPct}% limit of ${money(weekLimit, q)}; entries paused until Monday (${limits.timeZone})`,
        since: now,
        until: view.week.end,
        data: { loss: round8(weekLoss), limit: round8(weekLimit), weeklyLossPct: limits.weeklyLossPct },
      });
    }

    const drawdown = m.drawdownPct();
    if (drawdown > 0 && drawdown >= limits.maxDrawdownPct) {
      this.trip({
        id: "drawdown",
        state: "REDUCING",
        code: "DRAWDOWN_LIMIT",
        reason: `equity ${money(ctx.equity, q)} is ${pct(drawdown)} below its ${money(m.equityPeak(), q)} peak (limit ${pct(limits.maxDrawdownPct)}); entries paused until a person resets`,
        since: now,
        until: null,
        data: { drawdownPct: round8(drawdown), peak: round8(m.equityPeak()), equity: round8(ctx.equity), maxDrawdownPct: limits.maxDrawdownPct },
      });
    }

    const streak = m.lossStreak();
    if (streak >= limits.maxConsecutiveLosses) {
      this.trip({
        id: "consecutive_losses",
        state: "REDUCING",
        code: "CONSECUTIVE_LOSSES",
        reason: `${streak} losing trades in a row (limit ${limits.maxConsecutiveLosses}); entries paused until a person resets`,
        since: now,
        until: null,
        data: { streak, maxConsecutiveLosses: limits.maxConsecutiveLosses },
      });
    }
  }

  /**
   * A venue call failed with a real fault: a transport error, a 5xx, a rate-limit ban or an
   * unexpected rejection (classify with classifyVenueFailure / classifyOrderOutcome in
   * execution/errors.ts; an expired IOC/FOK or a market order that ran out of book is an outcome and
   * is never recorded). venueErrorBreakerCount faults within venueErrorBreakerWindowSec of wall-clock
   * time (the injected wallClock, never the market clock) trip the breaker: HALTED until a person
   * resets. `at` is the event's market time; a `kind` of "outcome" is ignored.
   */
  recordVenueError(error: { message: string; code?: string | null; kind?: VenueFaultKind | "outcome"; at?: number }): TradingState {
    if (error?.kind === "outcome") return this.state;
    const now = finite(error?.at) ? error.at : this.#clock.now();
    this.#venueErrors.push(this.#wallClock.now());
    const count = this.venueErrorsInWindow();
    const limits = this.#limits();
    const kind = error?.kind ?? "unclassified";
    this.#events.emit("warning", "VENUE_ERROR", "warning", `venue error ${count}/${limits.venueErrorBreakerCount} in ${limits.venueErrorBreakerWindowSec} s (${kind}): ${String(error?.message)}`, {
      venueCode: error?.code ?? null,
      kind,
      count,
    }, now);
    if (count >= limits.venueErrorBreakerCount) {
      this.trip({
        id: "venue_errors",
        state: "HALTED",
        code: "VENUE_ERRORS",
        reason: `${count} venue errors within ${limits.venueErrorBreakerWindowSec} s of real time (limit ${limits.venueErrorBreakerCount}), last (${kind}): ${String(error?.message)}; HALTED until a person resets`,
        since: now,
        until: null,
        data: { count, windowSec: limits.venueErrorBreakerWindowSec, kind },
      });
    }
    return this.state;
  }

  /** Faults within the window, on the wall clock. */
  venueErrorsInWindow(): number {
    const wallNow = this.#wallClock.now();
    const from = wallNow - this.#limits().venueErrorBreakerWindowSec * 1000;
    this.#venueErrors = this.#venueErrors.filter((t) => t > from);
    return this.#venueErrors.filter((t) => t <= wallNow).length;
  }

  /** Ledger and venue disagree and could not be reconciled: HALTED until a person resets. */
  reportReconciliationFailure(failure: { message: string; data?: Record<string, number | string | boolean | null>; at?: number }): TradingState {
    const now = finite(failure?.at) ? failure.at : this.#clock.now();
    this.trip({
      id: "reconciliation",
      state: "HALTED",
      code: "RECONCILIATION_FAILED",
      reason: `reconciliation failed: ${String(failure?.message)}; HALTED until a person resets`,
      since: now,
      until: null,
      ...(failure?.data ? { data: failure.data } : {}),
    });
    return this.state;
  }

  /**
   * The bot could not get out of a position (an exit rejected, a stop passed while still open, a
   * kill switch or session that ended with positions left). A critical event every time, and
   * REDUCING until the engine reports every such position resolved: no new entries while an exit
   * is failing, exits and the kill switch still go out.
   */
  reportExitFailure(failure: { code: string; message: string; data?: Record<string, number | string | boolean | null>; at?: number }): TradingState {
    const now = finite(failure?.at) ? failure.at : this.#clock.now();
    if (this.#latches.has("exit_failure")) {
      this.#events.emit("breaker", failure.code, "critical", failure.message, { latch: "exit_failure", ...(failure.data ?? {}) }, now);
      return this.state;
    }
    this.trip({
      id: "exit_failure",
      state: "REDUCING",
      code: failure.code,
      reason: `${failure.message}; entries paused until the position is closed`,
      since: now,
      until: null,
      ...(failure.data ? { data: failure.data } : {}),
    });
    return this.state;
  }

  /** Every failed exit was resolved (its position closed or moved to dust): lift the exit-failure latch. */
  resolveExitFailures(details: { message: string; at?: number }): TradingState {
    const latch = this.#latches.get("exit_failure");
    if (!latch) return this.state;
    const now = finite(details?.at) ? details.at : this.#clock.now();
    const before = this.state;
    this.#latches.delete("exit_failure");
    this.#events.emit("state_change", "EXIT_FAILURES_RESOLVED", "info", details.message, { latch: "exit_failure" }, now);
    this.stateChanged(before, now, details.message);
    this.#persistInBackground();
    return this.state;
  }

  trip(latch: RiskLatch): void {
    if (this.#latches.has(latch.id)) return;
    const before = this.state;
    this.#latches.set(latch.id, latch);
    this.#events.emit("breaker", latch.code, "critical", latch.reason, { latch: latch.id, state: latch.state, until: latch.until, ...(latch.data ?? {}) }, latch.since);
    this.stateChanged(before, latch.since, latch.reason);
    this.#persistInBackground();
  }

  #expireLatches(now: number): void {
    if (this.#latches.size === 0) return;
    for (const latch of [...this.#latches.values()]) {
      if (latch.until !== null && now >= latch.until) {
        const before = this.state;
        this.#latches.delete(latch.id);
        this.#events.emit("state_change", "LATCH_EXPIRED", "info", `lifted at the new calendar period: ${latch.reason}`, { latch: latch.id }, now);
        this.stateChanged(before, now, `${latch.id} latch expired`);
        this.#persistInBackground();
      }
    }
  }

  stateChanged(before: TradingState, at: number, why: string): void {
    const after = this.state;
    if (after === before) return;
    this.#events.emit("state_change", `STATE_${after}`, after === "ACTIVE" ? "info" : after === "REDUCING" ? "warning" : "critical", `trading ${before} → ${after}: ${why}`, {
      from: before,
      to: after,
    }, at);
  }


  // ---- actions by a person (RiskEngine persists after each) ----

  /** "Stop new entries": the manual-stop latch (REDUCING). */
  latchManualStop(actor: string, reason: string, now: number): void {
    const before = this.state;
    this.#latches.set("manual_stop", { id: "manual_stop", state: "REDUCING", code: "MANUAL_STOP", reason, since: now, until: null, actor });
    this.#events.emit("state_change", "MANUAL_STOP", "warning", reason, { actor }, now);
    this.stateChanged(before, now, reason);
  }

  /** The kill switch ran: its HALTED latch. */
  latchKillSwitch(actor: string, reason: string, at: number): void {
    const before = this.state;
    this.#latches.set("kill_switch", {
      id: "kill_switch",
      state: "HALTED",
      code: "KILL_SWITCH",
      reason: `kill switch by ${actor}: ${reason}`,
      since: at,
      until: null,
      actor,
    });
    this.stateChanged(before, at, `kill switch by ${actor}`);
  }

  /**
   * A person's reset: clears every latch a person may clear (the drawdown peak is rebased to the
   * current equity, earlier losses stop counting, the venue-error window empties); daily/weekly
   * loss latches are kept until their calendar period ends.
   */
  clearByPerson(now: number): { cleared: RiskLatchId[]; kept: RiskLatch[] } {
    const cleared: RiskLatchId[] = [];
    const kept: RiskLatch[] = [];
    for (const latch of [...this.#latches.values()]) {
      if (CALENDAR_LATCHES.has(latch.id)) {
        kept.push(latch);
        continue;
      }
      this.#latches.delete(latch.id);
      cleared.push(latch.id);
      if (latch.id === "drawdown") {
        const equity = this.#lastEquity ?? this.#equityPeak?.equity;
        if (equity !== undefined) this.#equityPeak = { equity, at: now };
      } else if (latch.id === "consecutive_losses") {
        this.#lossStreakResetAt = now;
      } else if (latch.id === "venue_errors") {
        this.#venueErrors = [];
      }
    }
    return { cleared, kept };
  }
}

function round8(n: number): number {
  return Number.isFinite(n) ? Math.round(n * 1e8) / 1e8 : n;
}
