/**
 * # Backtester (server/backtest)
 *
 * A backtest runs the code that trades live: the same strategies (through the same safe wrapper), the
 * same TradingKernel, TradingAccount, OrderManager, RiskEngine (with the configured limits, every
 * breaker and cooldown included), Ledger, sizing, fee and fill rules. Only the clock (a ManualClock set
 * to each candle's close time) and the venue (a PaperVenue fed with candles instead of a scheduler) are
 * simulated. Same config and candles → same orders, fills and trades, byte for byte (sequential ids).
 *
 * ## Timeline and no look-ahead
 * - The run walks one timeline of closed candles ordered by close time; at equal close times the finest
 *   timeframe comes first, then symbol order. The clock is set to the candle's close time before the
 *   kernel sees it, so a strategy gets a candle only once it has closed, and no later candle has been
 *   read by anything yet (BaseStrategy also refuses a candle that closes after `now`).
 * - Candles before `from` only warm the strategies' indicators (Strategy.warm, no signal, no order).
 * - Fill modes: "candle" — fills, protective exits and marks use the strategy's own candles;
 *   "1m" — they use the 1-minute candles inside them (finer exits), while the strategy still decides
 *   on its own timeframe (built from the minutes with CandleAggregator).
 *
 * ## Intra-candle assumptions (what a candle cannot tell)
 * - A strategy's market order is sent when its candle closes and fills at that candle's close moved
 *   against the order by `slippageBps` (the paper venue's fill model: no order book in a backtest),
 *   with the taker fee. Quantities are floored to the lot step, prices rounded to the tick.
 * - Protective exits (stop loss, take profit, trailing and ATR stops; server/portfolio/exits.ts) are
 *   checked on every base candle against the levels in force at its start. A level inside the candle's
 *   range is reached "at touch": the exit fills at the level itself (simulateExitAtTrigger), or at the
 *   open when the candle opened beyond it (a gap), then slippage and fee apply.
 * - When a stop and the take profit both lie inside one candle, the STOP is assumed hit first (the
 *   conservative choice: a backtest never books a win that may have been a loss).
 * - The paper venue moves the price inside a closed candle along open → low → high → close (a bullish
 *   candle) or open → high → low → close (bearish); this only matters to resting limit and stop orders,
 *   which the built-in strategies do not use.
 * - An exit started on a candle completes before the next candle is processed (the loop awaits the
 *   order work), so the next candle cannot move its fill.
 * - Positions still open at the end are closed at the last close (exit reason session_end) unless
 *   closeAtEnd is false; the trades and metrics then include them.
 *
 * ## Risk engine in a backtest
 * The limits are the app's configured ones (or the defaults), with the config's riskLimits on top. The
 * breakers that wait for a person's reset (consecutive losses, drawdown) stay latched for the rest of the
 * run, exactly as they would live: the summary reports the denials by code and the trading state at the end.
 *
 * ## Metrics
 * computeMetrics (server/portfolio/metrics.ts) over the closed trades and the full equity curve (a point
 * per candle of the finest strategy timeframe, marked to market); Sharpe and Sortino from daily returns
 * (hourly for runs shorter than 7 days). Per symbol and per strategy: trade statistics from computeMetrics
 * and curve statistics on realized-P&L step curves. The stored curve is downsampled keeping each
 * bucket's minimum and maximum, so drawdowns survive.
 */
export {
  backtestConfigSchema,
  backtestStrategySchema,
  backtestInstrument,
  parseBacktestConfig,
  resolveStrategyKind,
  DEFAULT_INSTRUMENT,
  type BacktestConfig,
  type BacktestConfigInput,
  type BacktestStrategyConfig,
} from "./config";
export {
  BacktestDataError,
  aggregate,
  buildTimeline,
  loadCsvData,
  loadStoredData,
  packData,
  planData,
  prepareSeries,
  sliceData,
  unpackData,
  type BacktestData,
  type CandleSeries,
  type DataPlan,
  type PackedSeries,
  type Timeline,
} from "./data";
export { composeBacktestEngine, type BacktestEngine, type ComposeOptions } from "./engine";
export { runBacktest, loadData, planBacktest, type BacktestOrder, type BacktestProgress, type BacktestResult, type BacktestStrategySummary, type BacktestTrade, type RunBacktestOptions } from "./runner";
export { OBJECTIVES, compareEvaluations, evaluateConfig, objectiveOf, type EvaluateRequest, type Evaluation, type EvaluationMetrics, type Objective } from "./evaluate";
export {
  WORKER_THRESHOLD_CANDLES,
  gridOf,
  optimise,
  optimiseConfigSchema,
  randomSets,
  resolveSpace,
  seededRandom,
  walkForwardFolds,
  optimisationJobs,
  OptimisationJobs,
  apiOptimiseConfigSchema,
  type FoldPlan,
  type FoldReport,
  type IndexRange,
  type OptimisationReport,
  type OptimiseConfig,
  type OptimiseConfigInput,
  type OptimiseOptions,
  type OptimiseProgress,
  type OptimisationJob,
  type OptimisationJobsOptions,
  type OptimisationStatus,
  type ResolvedParam,
  type RemoteOptimisations,
} from "./optimise";
export { BacktestPool, runInWorker, defaultWorkerCount, type Evaluator, type ExecutionMode, type RunInWorkerOptions } from "./pool";
export { equityCsv, summaryText, tradesCsv } from "./report";
export { chartCandles, decimateCurve, realizedCurve, type CandleRow } from "./series";
export {
  InMemoryBacktestRunRepository,
  PrismaBacktestRunRepository,
  columnsOf,
  resultOf,
  type BacktestRunRepository,
  type BacktestRunRow,
  type BacktestRunSummaryRow,
  type BacktestStatus,
} from "./store";
export { BacktestService, apiBacktestConfigSchema, exportQuerySchema, listQuerySchema, prepareBacktestData, type BacktestServiceOptions, type RemoteBacktests } from "./service";
