/**
 * Market's second entry point, without ccxt: candle CSV files, 1m → higher timeframe aggregation,
 * timeframe arithmetic, candle validation and the candle store port. The backtester and its worker
 * threads read candles through this file, so loading a backtest never loads ccxt, websockets or the
 * database (market's index.ts also exports the exchange, the streams and the download). Everything
 * here is on the index too; nothing may be added here that imports ccxt or opens a connection.
 */
export { InMemoryCandleStore, type CandleStore } from "./candle-store";
export { AGGREGATED_TIMEFRAMES, CandleAggregator, type CandleAggregatorOptions } from "./aggregator";
export { candleProblem, sequenceProblem } from "./validation";
export { periodStart, parseTimeframe, isTimeframe } from "./timeframes";
export {
  importCandleCsv,
  parseCandleCsv,
  parseOpenTime,
  readCandleCsvRows,
  symbolAndTimeframeFromFileName,
  CandleCsvError,
  CANDLE_CSV_HEADER,
  formatCandleCsvRow,
  type ImportCandleCsvOptions,
  type CsvIssue,
} from "./csv";
