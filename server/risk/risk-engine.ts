import { liveTradingLimits, type RiskLimits } from "../config/risk-limits";
import { systemClock, type Clock } from "../core/clock";
import { AppError, errorMessage } from "../core/errors";
import { newId } from "../core/ids";
import type { Logger } from "../core/logger";
import type { KernelMode, OrderRequest, TradingState } from "../model/types";
import { ApprovalAuthority, KillSwitchBypass, type ApprovalRedeemer, type OrderApproval } from "./bypass";
import { TradingCalendar } from "./calendar";
import { DEFAULT_RISK_CHECKS } from "./checks";
import { liveRampCap } from "./checks/live-ramp";
import { deny as denyVerdict } from "./checks/verdict";
import { KillSwitch, type KillSwitchControl, type KillSwitchOptions, type KillSwitchVenuePort } from "./kill-switch";
import {
  applyTightening,
  parseRiskLimits,
  resolveStartupLimits,
  type LimitChange,
  type StartupLimitsReport,
} from "./limits";
import { RiskMetrics } from "./metrics";
import { RiskBreakers, type VenueFaultKind } from "./risk-engine-breakers";
import { RiskEventLog } from "./risk-engine-events";
import { loadRiskState, RiskStatePersistence } from "./risk-engine-persistence";
import type { PeriodAnchor, RiskStateStore } from "./state-store";
import type {
  OrderClass,
  RiskCheck,
  RiskCheckInput,
  RiskCheckResult,
  RiskContext,
  RiskDecision,
  RiskEntryRecord,
  RiskEvent,
  RiskEventKind,
  RiskEventSeverity,
  RiskEventSink,
  RiskLatch,
  RiskLatchId,
  RiskUsage,
  LiveRampState,
  SessionRiskRules,
  StrategyBudget,
  StrategyBudgetLimits,
} from "./types";
import { computeUsage } from "./usage";
import { parseStrategyBudget, strategyBudgetView } from "./strategy-budgets";

export type { VenueFaultKind } from "./risk-engine-breakers";

export interface RiskEngineOptions {
  /** Configured limits (validated here with the shared schema; an invalid set throws RISK_LIMIT_INVALID). */
  limits: RiskLimits;
  store: RiskStateStore;
  sink?: RiskEventSink;
  /** Time of events raised outside a snapshot (venue errors, resets). Default: system clock. */
  clock?: Clock;
  /**
   * Real elapsed time for operational breakers (the venue-error window): a fault rate is a property
   * of the connection, not of the market, so it is never measured on a simulated market clock that
   * runs 60× faster. Default: the system clock.
   */
  wallClock?: Clock;
  /** The pre-trade pipeline. Default: DEFAULT_RISK_CHECKS. */
  checks?: readonly RiskCheck[];
  /** Event id source (backtests pass a deterministic one). */
  newEventId?: () => string;
  logger?: Logger;
  /** The account's mode: "live" applies the live rulebook (limits.live) and the position ramp. */
  mode?: KernelMode;
}

/** The live ramp before any live history was read: the first, smallest stage. */
export const INITIAL_LIVE_RAMP: LiveRampState = { stage: "first", winningTrades: 0, reason: "no live trade yet: the first stage of the ramp", since: null };

export interface RiskEngineStartup {
  limits: StartupLimitsReport;
  /** Latches restored from the store (the state survives restarts). */
  restoredLatches: RiskLatch[];
  /** Daily/weekly loss latches lifted because their limit was loosened by a config change. */
  liftedLatches: RiskLatch[];
  /** The stored state could not be read: the engine started HALTED until a person resets it. */
  stateUnreadable: boolean;
}

export interface EvaluateOptions {
  /** Only the kill switch has a valid one, and only during its run. */
  killSwitchBypass?: KillSwitchBypass;
}

export interface RiskResetOptions {
  confirm: boolean;
  actor: string;
  reason?: string;
}

export interface RiskResetResult {
  state: TradingState;
  cleared: RiskLatchId[];
  /** Calendar latches (daily/weekly loss) are not cleared by a person: they lift at the next local day/week. */
  kept: RiskLatch[];
}

export interface RiskStatus {
  state: TradingState;
  latches: RiskLatch[];
  limits: RiskLimits;
  configuredLimits: RiskLimits;
  startup: RiskEngineStartup;
  killSwitchRunning: boolean;
  venueErrorsInWindow: number;
  equityPeak: { equity: number; at: number } | null;
  dayAnchor: PeriodAnchor | null;
  weekAnchor: PeriodAnchor | null;
  lossStreakResetAt: number | null;
  persistence: { pending: boolean; lastError: string | null };
  recentEvents: RiskEvent[];
  mode: KernelMode | null;
  /** Live mode: where the position ramp stands and the cap it puts on one position (null = full size). */
  liveRamp: (LiveRampState & { capQuote: number | null }) | null;
}

const CRITICAL_DENIALS = new Set([
  "KILL_SWITCH_BYPASS_INVALID",
  "KILL_SWITCH_BYPASS_MISUSE",
  "RISK_CHECK_FAILED",
  "RISK_CONTEXT_INVALID",
]);
/** The latches of a check input when there are none (nearly always): no array per evaluation. */
const NO_LATCHES: readonly RiskLatch[] = Object.freeze([]);
const APPROVED_ENTRY_RETENTION_MS = 48 * 3_600_000;

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * The manager: runs the pre-trade checks in order, owns the trading state and its latches (circuit
 * breakers), the tighten-only limits, and the one kill switch. See index.ts for the policy.
 *
 * This file is the evaluation (the pre-trade pipeline, approvals, previews, usage), the actions of a
 * person and the kill switch's control; beside it: the breakers and latches
 * (risk-engine-breakers.ts), saving and loading the state (risk-engine-persistence.ts) and the
 * event log (risk-engine-events.ts).
 */
export class RiskEngine {
  readonly startup: RiskEngineStartup;
  readonly #clock: Clock;
  readonly #checks: readonly RiskCheck[];
  readonly #logger: Logger | undefined;
  readonly #configured: RiskLimits;
  readonly #calendar: TradingCalendar;
  readonly #approvals = new ApprovalAuthority();

  readonly #events: RiskEventLog;
  readonly #breakers: RiskBreakers;
  readonly #persistence: RiskStatePersistence;

  #limits: RiskLimits;
  #approvedEntries = new Map<string, RiskEntryRecord>();
  readonly #mode: KernelMode | undefined;
  #liveRamp: LiveRampState = INITIAL_LIVE_RAMP;
  #sessions = new Map<string, SessionRiskRules>();
  #strategyBudgets = new Map<string, StrategyBudgetLimits>();

  #killSwitchClaimed = false;
  #activeBypass: KillSwitchBypass | null = null;

  private constructor(options: RiskEngineOptions, configured: RiskLimits, effective: RiskLimits, startup: RiskEngineStartup) {
    this.#clock = options.clock ?? systemClock;
    this.#checks = options.checks ?? DEFAULT_RISK_CHECKS;
    this.#logger = options.logger;
    this.#configured = configured;
    this.#limits = effective;
    this.#calendar = new TradingCalendar(effective.timeZone);
    this.#mode = options.mode;
    this.startup = startup;
    this.#events = new RiskEventLog({ sink: options.sink, newEventId: options.newEventId ?? (() => newId("risk_")), logger: options.logger });
    this.#persistence = new RiskStatePersistence({
      store: options.store,
      clock: this.#clock,
      parts: () => ({ ...this.#breakers.persistedParts(), configuredLimits: this.#configured, effectiveLimits: this.#limits }),
      onBackgroundFailure: (err) => {
        this.#logger?.error({ err }, "risk state save failed");
        this.#emit("warning", "RISK_STATE_SAVE_FAILED", "critical", `risk state could not be saved: ${errorMessage(err)}`, {}, this.#clock.now());
      },
    });
    this.#breakers = new RiskBreakers({
      clock: this.#clock,
      wallClock: options.wallClock ?? systemClock,
      calendar: this.#calendar,
      events: this.#events,
      logger: options.logger,
      limits: () => this.#limits,
      approvedEntries: this.#approvedEntries,
      persistInBackground: () => this.#persistence.persistInBackground(),
    });
  }

  /**
   * Validate the configured limits, load the persisted state, decide the effective limits (reporting
   * any loosened key), restore latches and baselines, and save. Throws RISK_LIMIT_INVALID on a bad
   * config and RISK_STATE_UNAVAILABLE when the store cannot be read at all.
   */
  static async start(options: RiskEngineOptions): Promise<RiskEngine> {
    const configured = parseRiskLimits(options.limits);
    const { persisted, unreadableReason } = await loadRiskState(options.store);
    const { effective, report } = resolveStartupLimits(
      configured,
      persisted ? { configured: persisted.configuredLimits, effective: persisted.effectiveLimits } : null,
    );
    const startup: RiskEngineStartup = { limits: report, restoredLatches: [], liftedLatches: [], stateUnreadable: unreadableReason !== null };
    const engine = new RiskEngine(options, configured, effective, startup);
    const now = engine.#clock.now();

    if (persisted) {
      const { restored, lifted } = engine.#breakers.restore(persisted, new Set(report.loosened.map((c) => c.key)));
      startup.liftedLatches.push(...lifted);
      startup.restoredLatches.push(...restored);
    }
    if (unreadableReason !== null) engine.#breakers.latchUnreadableState(unreadableReason, now);
    if (report.loosened.length > 0) {
      engine.#emit(
        "warning",
        "LIMITS_LOOSENED",
        "warning",
        `risk limits loosened by a config change: ${report.loosened.map(describeChange).join("; ")}`,
        { loosened: report.loosened, changed: report.changed },
        now,
      );
    }
    if (startup.liftedLatches.length > 0) {
      engine.#emit(
        "state_change",
        "LATCH_LIFTED_BY_CONFIG",
        "warning",
        `lifted after the limit was loosened in the config: ${startup.liftedLatches.map((l) => l.reason).join("; ")}`,
        { latches: startup.liftedLatches.map((l) => l.id) },
        now,
      );
    }
    if (startup.restoredLatches.length > 0) {
      engine.#emit(
        "state_change",
        "RISK_STATE_RESTORED",
        "warning",
        `trading restarts ${engine.state}: ${startup.restoredLatches.map((l) => l.reason).join("; ")}`,
        { state: engine.state, latches: startup.restoredLatches.map((l) => l.id) },
        now,
      );
    }
    await engine.#persist();
    return engine;
  }

  // ---- reading ----

  get state(): TradingState {
    return this.#breakers.state;
  }

  /**
   * The limits in force for this account's orders (what sizing must respect): in live mode the
   * percentage limits with the live rulebook folded in (see liveTradingLimits).
   */
  get limits(): Readonly<RiskLimits> {
    return this.#mode === "live" ? liveTradingLimits(this.#limits) : this.#limits;
  }

  get mode(): KernelMode | undefined {
    return this.#mode;
  }

  /** Where the live position ramp stands (computed from live trade history, server/golive/ramp.ts). */
  setLiveRamp(state: LiveRampState): void {
    const before = this.#liveRamp;
    this.#liveRamp = structuredClone(state);
    if (before.stage !== state.stage && this.#mode === "live") {
      this.#emit("state_change", "LIVE_RAMP_STAGE", "info", `live position ramp: ${before.stage} → ${state.stage} (${state.reason})`, { from: before.stage, to: state.stage }, this.#clock.now());
    }
  }

  get liveRamp(): LiveRampState {
    return this.#liveRamp;
  }

  /** A trading session started (or resumed): its caps apply to every entry tagged with its id. */
  setSessionRules(sessionId: string, rules: SessionRiskRules): void {
    this.#sessions.set(sessionId, { ...rules });
  }

  /** A session ended: entries still tagged with its id are refused. */
  clearSessionRules(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }

  /** A strategy instance started: its capital and loss limits apply to its entries (check strategy-budget). Throws STRATEGY_BUDGET_INVALID. */
  setStrategyBudget(strategyInstanceId: string, budget: StrategyBudgetLimits): void {
    this.#strategyBudgets.set(strategyInstanceId, parseStrategyBudget(strategyInstanceId, budget));
  }

  /** The instance stopped: its entries are no longer bound by its own budget. */
  clearStrategyBudget(strategyInstanceId: string): void {
    this.#strategyBudgets.delete(strategyInstanceId);
  }

  strategyBudget(strategyInstanceId: string): Readonly<StrategyBudgetLimits> | undefined {
    return this.#strategyBudgets.get(strategyInstanceId);
  }

  get latches(): readonly RiskLatch[] {
    return [...this.#breakers.latchMap.values()];
  }

  get calendar(): TradingCalendar {
    return this.#calendar;
  }

  getStatus(): RiskStatus {
    return {
      state: this.state,
      latches: structuredClone([...this.#breakers.latchMap.values()]),
      limits: structuredClone(this.#limits),
      configuredLimits: structuredClone(this.#configured),
      startup: this.startup,
      killSwitchRunning: this.#activeBypass !== null,
      venueErrorsInWindow: this.#breakers.venueErrorsInWindow(),
      equityPeak: this.#breakers.equityPeak,
      dayAnchor: this.#breakers.dayAnchor,
      weekAnchor: this.#breakers.weekAnchor,
      lossStreakResetAt: this.#breakers.lossStreakResetAt,
      persistence: { pending: this.#persistence.pending, lastError: this.#persistence.lastError },
      recentEvents: this.#events.recent(),
      mode: this.#mode ?? null,
      liveRamp: this.#mode === "live" ? { ...this.#liveRamp, capQuote: liveRampCap(this.#limits, this.#liveRamp) } : null,
    };
  }

  /** Current usage of each limit (GET /api/risk). Observes the snapshot first so baselines are current. */
  getUsage(ctx: RiskContext): RiskUsage[] {
    this.observe(ctx);
    if (!finite(ctx.now)) return [];
    const limits = this.limits;
    const metrics = new RiskMetrics(ctx, limits, this.#view(ctx.now));
    return computeUsage(metrics, limits, this.#breakers.venueErrorsInWindow());
  }

  // ---- the pre-trade pipeline ----

  /**
   * Decide one order request. Synchronous and never throws: malformed input, a throwing check or
   * an invalid snapshot all end in a denial with a code. Observes the snapshot first so breakers
   * act on the freshest numbers. An approved entry is remembered (min interval, trades per day).
   */
  /**
   * evaluate(), and for an allowed request the approval the order gateway needs to send it (issued
   * here and nowhere else; the gateway redeems it by identity, once). See risk/bypass.ts.
   */
  authorize<R extends OrderRequest>(request: R, ctx: RiskContext, options: EvaluateOptions = {}): { decision: RiskDecision; approval?: OrderApproval<R, RiskDecision> } {
    const decision = this.evaluate(request, ctx, options);
    return decision.allowed ? { decision, approval: this.#approvals.issue(request, decision) } : { decision };
  }

  /** For the order gateway of this engine's account: checks and uses up approvals, cannot issue any. */
  get approvals(): ApprovalRedeemer {
    return this.#approvals.redeemer;
  }

  evaluate(request: OrderRequest, ctx: RiskContext, options: EvaluateOptions = {}): RiskDecision {
    return this.#evaluate(request, ctx, options, false);
  }

  /**
   * The decision evaluate() would make now, without its effects on the record: a denial is not a risk
   * event and an allowed entry is not remembered (min interval, trades per day). The order ticket's
   * preview (docs/api.md, issue 21). Like GET /api/risk it observes the snapshot first.
   */
  preview(request: OrderRequest, ctx: RiskContext): RiskDecision {
    return this.#evaluate(request, ctx, {}, true);
  }

  #evaluate(request: OrderRequest, ctx: RiskContext, options: EvaluateOptions, dryRun: boolean): RiskDecision {
    const now = ctx && finite(ctx.now) ? ctx.now : this.#clock.now();
    const orderClass: OrderClass = request?.intent === "exit" ? "exit" : "entry";
    if (request === null || typeof request !== "object") {
      return this.#deniedFor(request, dryRun, orderClass, now, [
        { check: "request-sanity", ...denyVerdict("INVALID_ORDER", "invalid order: not an order request object") },
      ]);
    }
    if (!ctx || typeof ctx !== "object" || !finite(ctx.now)) {
      return this.#deniedFor(request, dryRun, orderClass, now, [
        { check: "context-sanity", ...denyVerdict("RISK_CONTEXT_INVALID", "risk snapshot is missing or has no valid time") },
      ]);
    }
    let bypass = false;
    if (options.killSwitchBypass !== undefined) {
      if (this.#activeBypass !== null && options.killSwitchBypass === this.#activeBypass) bypass = true;
      else {
        return this.#deniedFor(request, dryRun, orderClass, now, [
          {
            check: "kill-switch-bypass",
            ...denyVerdict(
              "KILL_SWITCH_BYPASS_INVALID",
              "a kill switch bypass was presented outside the kill switch's own run: refused",
              { runId: options.killSwitchBypass?.runId ?? null },
            ),
          },
        ]);
      }
    }

    this.observe(ctx);
    const limits = this.limits;
    const tradingState = this.state;
    const latches = this.#breakers.latchMap.size === 0 ? NO_LATCHES : [...this.#breakers.latchMap.values()];
    const metrics = new RiskMetrics(ctx, limits, this.#view(now, request.clientOrderId), request);
    const strategyBudgets = orderClass === "entry" ? this.#budgetsFor(request, ctx, now) : undefined;
    // `mode` only when the engine was told one (as the checks expect); two literals, no spread per evaluation.
    const mode = this.#mode;
    const input: RiskCheckInput =
      mode !== undefined
        ? { now, request, ctx, limits, orderClass, tradingState, latches, killSwitchBypass: bypass, metrics, mode, liveRamp: this.#liveRamp, sessions: this.#sessions, strategyBudgets }
        : { now, request, ctx, limits, orderClass, tradingState, latches, killSwitchBypass: bypass, metrics, liveRamp: this.#liveRamp, sessions: this.#sessions, strategyBudgets };
    const results: RiskCheckResult[] = [];
    for (const check of this.#checks) {
      if (check.appliesTo !== "all" && check.appliesTo !== orderClass) continue;
      let verdict;
      try {
        verdict = check.evaluate(input);
      } catch (err) {
        verdict = denyVerdict("RISK_CHECK_FAILED", `risk check ${check.id} failed (${errorMessage(err)}); order refused`);
      }
      // { check, ...verdict } built field by field (a spread after a field is a slow generic copy, ×33 per order).
      results.push(
        "data" in verdict
          ? { check: check.id, allowed: verdict.allowed, code: verdict.code, message: verdict.message, data: verdict.data }
          : { check: check.id, allowed: verdict.allowed, code: verdict.code, message: verdict.message },
      );
      if (!verdict.allowed) return this.#deniedFor(request, dryRun, orderClass, now, results);
    }
    if (orderClass === "entry" && !dryRun) this.#rememberEntry({ clientOrderId: request.clientOrderId, symbol: request.symbol, at: now });
    const message =
      orderClass === "exit"
        ? `exit allowed: ${results.find((r) => r.check === "exit-sanity")?.message ?? "reduces exposure"}`
        : `entry allowed: ${results.length} risk checks passed`;
    return {
      allowed: true,
      code: bypass ? "KILL_SWITCH_CLOSE" : "ALLOWED",
      message,
      orderClass,
      tradingState: input.tradingState,
      checks: results,
    };
  }

  /** A denial: recorded (a risk event) unless it is a preview. A method, not a closure per evaluation (esbuild's keepNames names each closure at run time). */
  #deniedFor(request: OrderRequest, dryRun: boolean, orderClass: OrderClass, now: number, results: RiskCheckResult[]): RiskDecision {
    return dryRun ? this.#deniedQuietly(orderClass, results) : this.#denied(request, orderClass, now, results);
  }

  #deniedQuietly(orderClass: OrderClass, results: RiskCheckResult[]): RiskDecision {
    const last = results[results.length - 1]!;
    return { allowed: false, code: last.code, message: last.message, ...(last.data ? { data: last.data } : {}), orderClass, tradingState: this.state, checks: results };
  }

  #denied(request: OrderRequest, orderClass: OrderClass, now: number, results: RiskCheckResult[]): RiskDecision {
    const last = results[results.length - 1]!;
    const r = (request ?? {}) as Partial<OrderRequest>;
    const event = this.#emit(
      "denial",
      last.code,
      CRITICAL_DENIALS.has(last.code) ? "critical" : "warning",
      `${r.intent ?? "order"} ${r.side ?? ""} ${r.symbol ?? ""} refused: ${last.message}`.replace(/\s+/g, " "),
      {
        check: last.check,
        clientOrderId: r.clientOrderId ?? null,
        symbol: r.symbol ?? null,
        side: r.side ?? null,
        intent: r.intent ?? null,
        quantity: finite(r.quantity) ? r.quantity : String(r.quantity),
        strategyInstanceId: r.strategyInstanceId ?? null,
        ...(last.data ?? {}),
      },
      now,
    );
    return {
      allowed: false,
      code: last.code,
      message: last.message,
      ...(last.data ? { data: last.data } : {}),
      orderClass,
      tradingState: this.state,
      checks: results,
      eventId: event.id,
    };
  }

  /** The requesting instance's budget with its realized P&L (only entries of an instance with a budget pay for it). */
  #budgetsFor(request: OrderRequest, ctx: RiskContext, now: number): ReadonlyMap<string, StrategyBudget> | undefined {
    const id = request.strategyInstanceId;
    const limits = id === undefined ? undefined : this.#strategyBudgets.get(id);
    if (id === undefined || limits === undefined) return undefined;
    return new Map([[id, strategyBudgetView(id, limits, ctx, this.#calendar.day(now).start)]]);
  }

  #rememberEntry(entry: RiskEntryRecord): void {
    this.#approvedEntries.set(entry.clientOrderId, entry);
    const cutoff = entry.at - APPROVED_ENTRY_RETENTION_MS;
    for (const [id, e] of this.#approvedEntries) if (e.at < cutoff) this.#approvedEntries.delete(id);
  }

  #view(now: number, excludeClientOrderId?: string) {
    return this.#breakers.view(now, excludeClientOrderId);
  }

  // ---- breakers (risk-engine-breakers.ts) ----

  /**
   * Feed a fresh snapshot (call it on every mark update; evaluate() calls it too). Rolls the local
   * day/week baselines, raises the equity peak, lifts expired calendar latches, raises the daily
   * warning and trips the loss, drawdown and losing-streak breakers. Never throws.
   */
  observe(ctx: RiskContext): TradingState {
    return this.#breakers.observe(ctx);
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
    return this.#breakers.recordVenueError(error);
  }

  /** Ledger and venue disagree and could not be reconciled: HALTED until a person resets. */
  reportReconciliationFailure(failure: { message: string; data?: Record<string, number | string | boolean | null>; at?: number }): TradingState {
    return this.#breakers.reportReconciliationFailure(failure);
  }

  /**
   * The bot could not get out of a position (an exit rejected, a stop passed while still open, a
   * kill switch or session that ended with positions left). A critical event every time, and
   * REDUCING until the engine reports every such position resolved: no new entries while an exit
   * is failing, exits and the kill switch still go out.
   */
  reportExitFailure(failure: { code: string; message: string; data?: Record<string, number | string | boolean | null>; at?: number }): TradingState {
    return this.#breakers.reportExitFailure(failure);
  }

  /**
   * A warning the engine raises from its own monitoring (the futures liquidation guard, issue 15): a
   * risk event of kind "warning" (alerts, the risk page's event list), no change of trading state.
   */
  reportWarning(warning: { code: string; severity?: RiskEventSeverity; message: string; data?: Record<string, unknown>; at?: number }): RiskEvent {
    return this.#emit("warning", warning.code, warning.severity ?? "warning", warning.message, warning.data ?? {}, warning.at ?? this.#clock.now());
  }

  /** Every failed exit was resolved (its position closed or moved to dust): lift the exit-failure latch. */
  resolveExitFailures(details: { message: string; at?: number }): TradingState {
    return this.#breakers.resolveExitFailures(details);
  }

  // ---- actions by a person ----

  /** "Stop new entries": REDUCING (exits still go out) until a person resets. Persisted before it resolves. */
  async stopNewEntries(options: { actor: string; reason?: string }): Promise<TradingState> {
    const now = this.#clock.now();
    const reason = `new entries stopped by ${options.actor}${options.reason ? `: ${options.reason}` : ""}`;
    this.#breakers.latchManualStop(options.actor, reason, now);
    await this.#persist();
    return this.state;
  }

  /**
   * A person resumes trading. Needs { confirm: true }. Clears every latch a person may clear
   * (kill switch, manual stop, drawdown — the peak is rebased to the current equity —, losing
   * streak — earlier losses stop counting —, venue errors, reconciliation, unreadable state).
   * Daily/weekly loss latches stay until their calendar period ends. Persisted before it resolves.
   */
  async reset(options: RiskResetOptions): Promise<RiskResetResult> {
    if (options?.confirm !== true) {
      throw new AppError("CONFIRMATION_REQUIRED", "resetting the trading state needs an explicit confirmation ({ confirm: true })", 400);
    }
    if (this.#activeBypass !== null) {
      throw new AppError("KILL_SWITCH_RUNNING", "the kill switch is still running; reset after it reports its outcome", 409);
    }
    const now = this.#clock.now();
    const before = this.state;
    const { cleared, kept } = this.#breakers.clearByPerson(now);
    const keptText = kept.length > 0 ? `; still in force: ${kept.map((l) => l.reason).join("; ")}` : "";
    this.#emit(
      "state_change",
      "RISK_RESET",
      "warning",
      `reset by ${options.actor}${options.reason ? ` (${options.reason})` : ""}: cleared ${cleared.length > 0 ? cleared.join(", ") : "nothing"}${keptText}`,
      { actor: options.actor, cleared, kept: kept.map((l) => l.id) },
      now,
    );
    this.#breakers.stateChanged(before, now, `reset by ${options.actor}`);
    await this.#persist();
    return { state: this.state, cleared, kept };
  }

  /**
   * Tighten limits at run time. Refuses any loosening (AppError RISK_LIMIT_LOOSENING naming the key),
   * unknown keys and invalid values (RISK_LIMIT_INVALID); all-or-nothing. Applied at once (tighter
   * is always safe), then persisted before it resolves. Returns the new effective limits.
   */
  async tightenLimits(partial: Partial<RiskLimits>, options: { actor?: string } = {}): Promise<RiskLimits> {
    const { limits, changes } = applyTightening(this.#limits, partial as Record<string, unknown>);
    if (changes.length === 0) return structuredClone(this.#limits);
    this.#limits = limits;
    const now = this.#clock.now();
    this.#emit(
      "state_change",
      "LIMITS_TIGHTENED",
      "info",
      `risk limits tightened${options.actor ? ` by ${options.actor}` : ""}: ${changes.map(describeChange).join("; ")}`,
      { actor: options.actor ?? null, changes },
      now,
    );
    await this.#persist();
    return structuredClone(this.#limits);
  }

  // ---- the kill switch ----

  /**
   * Create the engine's one kill switch. It alone can latch the kill-switch HALT and obtain the
   * bypass for its own reduce-only closes; a second call throws, so nothing created later (e.g. a
   * strategy) can obtain that authority.
   */
  createKillSwitch(port: KillSwitchVenuePort, options: KillSwitchOptions = {}): KillSwitch {
    if (this.#killSwitchClaimed) {
      throw new AppError("KILL_SWITCH_EXISTS", "this risk engine already has its kill switch; there is only one", 409);
    }
    this.#killSwitchClaimed = true;
    const control: KillSwitchControl = {
      now: () => this.#clock.now(),
      latchHalted: async ({ actor, reason, at }) => {
        this.#breakers.latchKillSwitch(actor, reason, at);
        await this.#persist();
      },
      beginBypass: (runId) => {
        this.#activeBypass = new KillSwitchBypass(runId);
        return this.#activeBypass;
      },
      endBypass: () => {
        this.#activeBypass = null;
      },
      stopNewEntries: (o) => this.stopNewEntries(o),
      reset: (o) => this.reset(o),
      publish: (code, severity, message, data, at) => this.#emit("kill_switch", code, severity, message, data, at),
    };
    return new KillSwitch(control, port, options);
  }

  // ---- persistence and events ----

  /** Resolves when every state change so far is saved (rejects if the last save failed). */
  async flush(): Promise<void> {
    await this.#persistence.flush();
  }

  #persist(): Promise<void> {
    return this.#persistence.persist();
  }

  #emit(kind: RiskEventKind, code: string, severity: RiskEventSeverity, message: string, data: Record<string, unknown>, timestamp: number): RiskEvent {
    return this.#events.emit(kind, code, severity, message, data, timestamp);
  }
}

function describeChange(c: LimitChange): string {
  const show = (v: unknown) => (v === null ? "none" : Array.isArray(v) ? `[${v.join(", ")}]` : typeof v === "object" ? JSON.stringify(v) : String(v));
  return `${c.key} ${show(c.from)} → ${show(c.to)}`;
}
