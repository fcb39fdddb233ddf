/**
 * The built-in exchange simulator: a loopback server speaking the subset of Binance's spot REST and
 * WebSocket API that ccxt's `binance` class uses, so the whole live path (signing, orders, streams,
 * reconnects, errors) runs without a network. Everything it produces is labelled simulated.
 */
export { startSimulator, type SimulatorHandle, type SimulatorOptions } from "./server";
export { SimulatorCore, DEFAULT_ACCOUNT, type SimulatorCoreOptions, type CoreState, type MarketState } from "./core";
export { FaultController, faultPatchSchema, INJECTED_REJECTION_MSG, type FaultPatch, type FaultState } from "./faults";
export { StochasticPriceModel, CsvReplaySource, SUBSTEPS_PER_MINUTE, SUBSTEP_MS, type MinutePath, type PriceSource, type Regime } from "./price-model";
export { parseReplayCsv, loadReplayCsv, CsvFormatError, type CsvCandle } from "./csv";
export { buildSymbolSpec, DEFAULT_SYMBOLS, type SymbolSpec, type SymbolSpecOverride } from "./instruments";
export { SymbolMarket, type PublicTrade, type Ticker24h } from "./market";
export { SyntheticOrderBook, DEFAULT_ORDER_BOOK_CONFIG, type OrderBookConfig } from "./order-book";
export { INTERVAL_MS, type KlineBar, type MinuteBar } from "./candles";
export {
  MatchingEngine,
  Account,
  type AccountSpec,
  type FeeMode,
  type NewOrderRequest,
  type SimOrder,
  type SimFill,
  type ExecutionReport,
} from "./matching-engine";
export { BinanceError } from "./binance-errors";
