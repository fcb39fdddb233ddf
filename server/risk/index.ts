/**
 * # Risk engine (server/risk)
 *
 * Every order request goes strategy → risk → execution, in every mode (ghost, paper, live, backtest).
 * Nothing reaches a venue without `RiskEngine.evaluate()` allowing it.
 *
 * ## Use
 * ```ts
 * const risk = await RiskEngine.start({ limits: config.risk, store, sink, clock });
 * if (risk.startup.limits.loosened.length) audit("risk limits loosened", risk.startup.limits.loosened);
 * const killSwitch = risk.createKillSwitch(venuePort, { onProgress, onAudit });   // once
 * risk.observe(ctx);                                 // on every mark update
 * const decision = risk.evaluate(orderRequest, ctx); // before every order; sync, never throws
 * if (!decision.allowed) … decision.code / decision.message / decision.data
 * risk.recordVenueError({ message, code });          // on each failed venue call
 * risk.reportReconciliationFailure({ message });     // when ledger and venue cannot be reconciled
 * ```
 * The RiskContext (see types.ts) is a cheap read-only snapshot of what the engine already holds.
 *
 * ## Pre-trade checks
 * One plugin per file under checks/, each `evaluate(input) → RiskVerdict` with a stable code, a
 * sentence and the numbers behind it, run in order by the engine (DEFAULT_RISK_CHECKS). The first
 * denial stops the run and becomes a "denial" risk event. A throwing check denies (RISK_CHECK_FAILED).
 * Exits (intent "exit" and reduceOnly) only pass sanity checks: valid numbers, the trading-state
 * gate, reducing an existing position by no more than it holds, venue minimums. No entry-only limit
 * (size, counts, cooldowns, loss limits, fees, slippage...) can ever block getting out.
 *
 * ## Trading state and circuit breakers
 * ACTIVE: everything allowed. REDUCING: exits only. HALTED: nothing new, except the kill switch's own
 * reduce-only closes. The state is the strictest of the active latches; each latch says why:
 *
 * | breaker / action          | state     | lifts                                                         |
 * |---------------------------|-----------|---------------------------------------------------------------|
 * | daily loss ≥ limit        | REDUCING  | by itself at the next local midnight (limits.timeZone)        |
 * | weekly loss ≥ limit       | REDUCING  | by itself at the next local Monday 00:00                      |
 * | drawdown ≥ limit          | REDUCING  | a person's reset (the peak is rebased to current equity)      |
 * | N consecutive losses      | REDUCING  | a person's reset (earlier losses stop counting)               |
 * | stop new entries (manual) | REDUCING  | a person's reset                                              |
 * | N venue errors in window  | HALTED    | a person's reset                                              |
 * | reconciliation failure    | HALTED    | a person's reset                                              |
 * | kill switch               | HALTED    | a person's reset with { confirm: true }                       |
 * | stored state unreadable   | HALTED    | a person's reset (earlier latches are unknown)                |
 *
 * Loss and drawdown move to REDUCING, not HALTED: the book may still need protective exits. Venue
 * and reconciliation failures HALT because the engine's picture of the account can no longer be
 * trusted. A person's reset never lifts a daily/weekly loss latch early; loosening dailyLossPct /
 * weeklyLossPct in the config and restarting does (reported as LATCH_LIFTED_BY_CONFIG).
 * Daily/weekly loss = equity now − equity at the first observation of the local day/week (realized +
 * unrealized P&L; a withdrawal counts as a loss, a deposit as a gain). A DAILY_LOSS_WARNING event is
 * raised once per day at dailyLossWarnRatio of the limit. Every latch is persisted through the
 * RiskStateStore and restored at start-up.
 *
 * ## Kill switch
 * `risk.createKillSwitch(port)` (only once per engine). `trigger()` latches HALTED (persisted first),
 * cancels all orders, closes all positions reduce-only, polls until the venue confirms flat or
 * reports what is left and why, and writes an audit record. The closes carry a KillSwitchBypass that
 * the port passes to `evaluate(req, ctx, { killSwitchBypass })`; the engine accepts only the exact
 * object it issued for the run in progress, only on reduce-only exits, so a strategy that got hold
 * of one could at most reduce exposure during that run. `stopNewEntries()` is the lighter action.
 *
 * ## Limits
 * `tightenLimits(partial)` only tightens (RISK_LIMIT_TIGHTER; whitelist only shrinks, blackout hours
 * only grow); loosening takes a config change and a restart. At start-up the configured limits are
 * compared with the last persisted effective ones: loosened keys are reported in
 * `startup.limits.loosened` and as a LIMITS_LOOSENED event; a run-time tightening survives a restart
 * while the config for that key is unchanged.
 *
 * ## Visibility
 * Every denial, state change, warning, breaker trip and kill-switch step is a RiskEvent handed to the
 * RiskEventSink. `getUsage(ctx)` returns the use of each limit; `getStatus()` the state and latches.
 */
export { RiskEngine } from "./risk-engine";
export type {
  EvaluateOptions,
  RiskEngineOptions,
  RiskEngineStartup,
  RiskResetOptions,
  RiskResetResult,
  RiskStatus,
} from "./risk-engine";
export { KillSwitch } from "./kill-switch";
export type {
  KillSwitchAuditRecord,
  KillSwitchCloseOptions,
  KillSwitchCloseResult,
  KillSwitchError,
  KillSwitchOptions,
  KillSwitchOrder,
  KillSwitchPhase,
  KillSwitchPosition,
  KillSwitchRemaining,
  KillSwitchStatus,
  KillSwitchStep,
  KillSwitchVenuePort,
} from "./kill-switch";
export { KillSwitchBypass, OrderApproval, ApprovalAuthority, type ApprovalRedeemer } from "./bypass";
export { InMemoryRiskStateStore, persistedRiskStateSchema } from "./state-store";
export type { PeriodAnchor, PersistedRiskState, RiskStateStore } from "./state-store";
export { TradingCalendar, InvalidTimeZoneError, type CalendarPeriod, type LocalDate } from "./calendar";
export {
  applyTightening,
  compareLimit,
  diffLimits,
  parseRiskLimits,
  resolveStartupLimits,
  RISK_LIMIT_TIGHTER_EXTRA,
  type LimitChange,
  type LimitDirection,
  type StartupLimitsReport,
} from "./limits";
export { DEFAULT_RISK_CHECKS } from "./checks";
export { expectedFillPrice } from "./checks/slippage";
export { RiskMetrics, lossStreak, type RiskEngineView } from "./metrics";
export { realScheduler, withTimeout, TimeoutError, type Scheduler } from "./scheduler";
export type {
  OrderClass,
  RiskCheck,
  RiskCheckInput,
  RiskCheckResult,
  RiskClosedTrade,
  RiskContext,
  RiskDecision,
  RiskEntryRecord,
  RiskEvent,
  RiskFuturesContext,
  RiskEventKind,
  RiskEventSeverity,
  RiskEventSink,
  RiskLatch,
  RiskLatchId,
  RiskOpenOrder,
  RiskPerpContract,
  RiskPosition,
  RiskUsage,
  LiveRampState,
  SessionRiskRules,
  StrategyBudget,
  StrategyBudgetLimits,
} from "./types";
export { liveRampCap } from "./checks/live-ramp";
