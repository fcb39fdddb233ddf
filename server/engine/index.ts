/**
 * # Trading engine (server/engine): the kernel entry
 *
 * What the live engine and the backtester share: the TradingKernel (strategies' signals to sized
 * orders), the TradingAccount (one per mode: risk decision, order gateway, ledger, exits), the one
 * fill booker (live fills and the restart replay), ledger snapshots, the exit guard, sizing, the
 * strategy factory, the engine's events and the wire DTOs built from them. This entry loads no ccxt,
 * no database client and no HTTP: backtest workers load it.
 *
 * The live runtime (./runtime: the EngineRuntime the composition root assembles from the venue,
 * account and strategy factories, reaching ccxt through server/composition and server/market) is the
 * second entry; only its types are re-exported here.
 */
export { TradingAccount, type AccountOptions, type SubmitResult } from "./account";
export { futuresRiskContext, venuePerpPositions, type AccountFutures, type VenuePerpPosition } from "./futures-account";
export { TradingKernel, type KernelOptions, type ManualOrderInput, type StrategyInstanceInfo } from "./kernel";
export type { EngineEvents, KernelKillSwitchStatus, SignalExecution } from "./events";
export { candleDto, orderBookDto, orderDto, positionDto, signalDto, tradeDto } from "./dto";
export { FillBooker, type BookedFill, type BookedTrade, type TradeOrigin } from "./fill-booker";
export { countingLedgerIds, parseLedgerSnapshot, type LedgerSnapshot } from "./ledger-snapshot";
export { moveToDustDurably, replayFills, sweepDust, unsellablePositions, type ReplayEntry, type ReplayResult, type RestoredTrade } from "./replay";
export { ExitGuard, FLAGGED_RETRY_MS, MAX_BURST, OVERDUE_MS, RETRY_DELAYS_MS, isQuantityMismatch, type ExitAlarm, type ExitAlarmCode, type ExitPositionRef, type RetryPlan } from "./exit-guard";
export { CONFIDENCE_SIZING, confidenceReason, confidenceScale, sizeEntry, type ConfidenceTier, type Sizing, type SizingInput } from "./sizing";
export { StrategyFactory, type StrategyInstanceSpec } from "./strategy-factory";
export type {
  EngineParts,
  EngineRecorder,
  EngineRuntime,
  EngineSettingsPort,
  HistoryCandleStore,
  ReconciliationState,
  VenueConnection,
} from "./runtime";
