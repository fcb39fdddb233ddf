/**
 * Execution: order lifecycle, venues (ghost, paper, live via ccxt) and start-up reconciliation.
 *
 * Wiring (engine): build a venue (createGhostVenue / PaperVenue / LiveVenue), an OrderStore and an
 * OrderManager; on start-up run `reconcile()` and refuse to trade when `report.ok` is false, then
 * `venue.start()` and `manager.start()`. Feed market data through `manager.onMarket(event)` (it
 * forwards to the venue and triggers engine-held stops). After risk approves a signal, call
 * `manager.place(order)`; the ledger listens to `manager.events.on("order.fill")`, the UI to
 * "order.updated" and "execution.warning".
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
export { VenueError, isVenueError, toVenueError, type VenueErrorCode } from "./errors";
export { ManualScheduler, TimerScheduler, type Scheduler, type ScheduledTask } from "./scheduler";
export { PaperVenue, createGhostVenue, type PaperVenueOptions } from "./paper-venue";
export { LiveVenue, type LiveVenueOptions, type LiveRetryPolicy } from "./live-venue";
export { feeScheduleFromCcxt } from "./fees";
export { ORDER_TRANSITIONS, applyVenueUpdate, canTransition, isTerminal, type UpdateOutcome } from "./order-state";
export { InMemoryOrderStore, type OrderStore } from "./order-store";
export { OrderManager, toRequest, type ExecutionEvents, type NewOrder, type OrderManagerOptions, type RetryPolicy } from "./order-manager";
export {
  reconcile,
  type ReconcileAction,
  type ReconcileActionKind,
  type ReconcileError,
  type ReconcileOptions,
  type ReconcileReport,
} from "./reconcile";
export { assertValidOrderRequest, orderRequestProblems, isStopType, splitSymbol } from "./validate";
