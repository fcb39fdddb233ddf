/**
 * Execution: order lifecycle, venues (ghost, paper, live via ccxt) and start-up reconciliation.
 *
 * Wiring (a composition root): build a venue (createGhostVenue / PaperVenue / LiveVenue) and an
 * OrderStore, and hand `orderGateway({ venue, store, ... })` to the account, which never keeps the
 * venue itself. The gateway owns the (internal) OrderManager: on start-up `gateway.reconcile()` and
 * refuse to trade when `report.ok` is false, then `gateway.start()`. Feed market data through
 * `gateway.onMarket(event)` (it forwards to the venue and triggers engine-held stops, which get a
 * second risk decision). An order is sent only by `gateway.submit(approval)` with the approval
 * `RiskEngine.authorize()` issued, and only while the venue's order-rate throttle has room; the
 * ledger listens to `gateway.events.on("order.fill")`, the UI to "order.updated" and
 * "execution.warning".
 */
export type {
  ExecutionVenue,
  FeeSchedule,
  MarketEvent,
  VenueCapabilities,
  VenueFill,
  VenueKind,
  VenueOrderUpdate,
  VenueUpdateListener,
} from "./types";
export { DEFAULT_FEES } from "./types";
export { VenueError, classifyOrderOutcome, classifyVenueFailure, isVenueError, toVenueError, type VenueErrorCode, type VenueFault } from "./errors";
export { ManualScheduler, TimerScheduler, type TaskScheduler, type ScheduledTask } from "../core/scheduler";
export { PaperVenue, createGhostVenue, type MarketPrint, type PaperVenueOptions } from "./paper-venue";
// The one fill model of resting limits (paper venue and the simulator's matching engine share it).
export {
  CANDLE_PRINTS,
  CANDLE_PRINT_MS,
  candlePrints,
  printRelation,
  queueAheadAt,
  restingFill,
  type CandlePrint,
  type FillSide,
  type Print,
  type PrintRelation,
  type RestingFill,
  type RestingQueueOrder,
} from "./fill-model";
export { LiveVenue, type LiveVenueOptions, type LiveRetryPolicy } from "./live-venue";
export { feeScheduleFromCcxt } from "./fees";
export { ORDER_TRANSITIONS, applyVenueUpdate, canTransition, isTerminal, type UpdateOutcome } from "./order-state";
export { InMemoryOrderStore, orderFinal, type OrderStore } from "./order-store";
// The order manager is internal: orders reach it only through the gateway, with a risk approval.
export { toRequest, type ExecutionEvents, type NewOrder, type RetryPolicy } from "./order-manager";
export {
  OrderGateway,
  orderGateway,
  PENDING_CLIENT_ORDER_ID,
  type GatewayResult,
  type GatewayRiskWiring,
  type OrderGatewayFactory,
  type OrderGatewayOptions,
} from "./order-gateway";
export { OrderThrottle, BINANCE_SPOT_ORDER_LIMITS, type OrderRateLimits, type OrderRateWindow, type ThrottleAnswer } from "./order-throttle";
export {
  reconcile,
  type ReconcileAction,
  type ReconcileActionKind,
  type ReconcileError,
  type ReconcileOptions,
  type ReconcileReport,
  summarizeReconciliation,
  type ReconciliationSummary,
  compareBalances,
  reconcileBalances,
  DEFAULT_QUOTE_TOLERANCE,
  type BalanceCheck,
  type BalanceReport,
  type CompareBalancesInput,
  type LedgerHoldings,
  type ReconcileBalancesOptions,
  type ReconcileFinding,
  type ReconcileFindingKind,
} from "./reconcile";
export { assertValidOrderRequest, orderRequestProblems, isStopType, splitSymbol } from "./validate";
export { createLiveVenue, createLocalVenue, restoreVenueOrders, type VenueFactoryOptions } from "./venue-factory";
