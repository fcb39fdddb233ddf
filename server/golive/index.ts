/**
 * Going live: the go-live checklist over the paper and backtest history, the live ramp (the size cap
 * that grows with live trading days), paper/backtest/live drift, reconciliation of the venue's balances
 * and orders with the ledger (and the actions on its rows), the buy-and-hold benchmark, and the session
 * rules (net P&L, stop reasons). Routes call the service functions with the engine's view and the
 * database client; the calculations are pure and exported for the backtester and the sessions.
 */
export {
  getGoLive,
  refreshLiveRamp,
  acknowledgeGoLiveRisk,
  getDrift,
  getReconciliation,
  actOnReconciliation,
  getPerformanceBenchmark,
  RECONCILIATION_IGNORED_SETTING,
  type GoLiveAccountView,
  type GoLiveEngineView,
} from "./service";
export { reconciliationEnginePorts, type ReconciliationAccount, type ReconciliationEnginePorts } from "./engine-ports";
export { evaluateGoLive, GO_LIVE_THRESHOLDS, type GoLiveChecklist, type GoLiveHistory, type GoLiveItem, type GoLiveItemId } from "./checklist";
export { computeDrift, DRIFT_MODES, slippageBps, type DriftMode, type DriftReport, type DriftRow } from "./drift";
export {
  applyReconciliationAction,
  computeReconciliationPanel,
  perpPositionFindings,
  type ActionRequest,
  type ReconciliationAction,
  type ReconciliationPanel,
  type ReconciliationRow,
  type ReconciliationStatus,
} from "./reconciliation";
export { computeLiveRamp, type RampTrade } from "./ramp";
export { buyAndHold, buyAndHoldSummary, benchmarkSeries, type BenchmarkSeries, type BuyAndHold, type BuyAndHoldSummary } from "./benchmark";
export { sessionNetPnl, sessionStopReason, type SessionOpenPosition, type SessionPnl, type SessionStop } from "./session-rules";
