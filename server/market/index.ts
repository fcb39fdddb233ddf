/**
 * Market data: ccxt REST history and websocket streams, validation, gap backfill, 1m → higher
 * timeframe aggregation, candle storage port, historical download and CSV import.
 */
export { MarketDataService, type MarketDataServiceOptions } from "./market-data-service";
export type { HolePolicy } from "./candle-sequencer";
export type {
  BackfillReport,
  CandleEvent,
  CandleSource,
  ConnectionState,
  InvalidDataReport,
  InvalidKind,
  MarketEvents,
  MarketExchange,
  MarketTicker,
  MarketTrade,
  StreamKind,
  StreamStatus,
  WarmupStatus,
} from "./types";
export { guardCcxtWebsocketSends } from "./ccxt-guards";
// Everything without ccxt (CSV, aggregation, timeframes, validation, the candle store port) is the pure entry's.
export * from "./pure";
export { orderBookFromCcxt } from "./validation";
export { fetchCandlePages, fetchClosedCandles, type FetchCandlesOptions } from "./rest-history";
export { DEFAULT_BACKOFF, type BackoffPolicy } from "./retry";
export {
  downloadCandles,
  CsvFileSink,
  StoreCandleSink,
  type CandleSink,
  type DownloadCandlesOptions,
  type DownloadProgress,
  type DownloadResult,
} from "./download";
export {
  createExchange,
  describeVenue,
  VenueConfigError,
  type CreateExchangeOptions,
  type SimulatorEndpoints,
  type VenueDescription,
  type VenueLabel,
  type VenueRef,
} from "./exchange";
export { instrumentFromMarket, isLinearSwap } from "./instruments";
export { VenueClock, simulatorTimeSource, exchangeTimeSource, type VenueClockOptions, type VenueClockStatus, type VenueTimeAnswer } from "./venue-clock";
