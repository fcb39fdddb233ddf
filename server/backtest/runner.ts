import { roundMoney } from "../core/decimal";
import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../config/risk-limits";
import { buyAndHoldSummary } from "../golive";
import type { CandleStore } from "../market";
import type { Candle, ExitReason, OrderStatus, OrderType, Side, Timeframe } from "../model/types";
import { DAY_MS, computeMetrics, curveStats, drawdownSeries, type CurveStats, type DrawdownPoint, type EquityPoint, type LedgerClosedTrade, type PerformanceMetrics } from "../portfolio";
import { createStrategy, getStrategyDefinition, safeStrategy, type Strategy } from "../strategy";
import type { AccountFutures } from "../engine";
import type { RiskPerpContract } from "../risk";
import {
  BACKTEST_PERP_BRACKETS,
  backtestInstrument,
  defaultInstanceId,
  effectiveLimits,
  fundingRateSource,
  parseBacktestConfig,
  shortsAllowed,
  type BacktestConfig,
  type BacktestConfigInput,
} from "./config";
import { buildTimeline, loadCsvData, loadStoredData, planData, prepareSeries, type BacktestData, type DataPlan } from "./data";
import { composeBacktestEngine } from "./engine";
import { liquidateOnCandle, type BacktestLiquidation } from "./liquidation";
import { chartCandles, decimateCurve, realizedCurve, type CandleRow } from "./series";

export type BacktestTrade = LedgerClosedTrade & { signalId?: string; entryOrderId?: string; exitOrderId?: string };

/** An order of the run, without the fields that only matter to a live venue. */
export interface BacktestOrder {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  intent: "entry" | "exit";
  status: OrderStatus;
  quantity: number;
  filledQuantity: number;
  avgFillPrice: number;
  fee: number;
  createdAt: number;
  updatedAt: number;
  strategyInstanceId?: string;
  exitReason?: ExitReason;
  reason: string;
  error?: string;
}

export interface BacktestProgress {
  /** Candles processed of the traded range (all symbols and timeframes). */
  processed: number;
  total: number;
  pct: number;
  /** Simulated time reached (close time of the last candle processed). */
  at: number;
}

export interface BacktestStrategySummary {
  id: string;
  kind: string;
  name: string;
  symbols: string[];
  timeframe: Timeframe;
  capital: number;
  params: Record<string, unknown>;
}

export interface BacktestResult {
  version: 1;
  config: BacktestConfig;
  strategies: BacktestStrategySummary[];
  range: {
    from: number;
    to: number;
    baseTimeframe: Timeframe;
    curveTimeframe: Timeframe;
    /** Candles the run processed (every symbol and timeframe). */
    candles: number;
    /** Candles before `from` that only warmed the strategies up. */
    warmupCandles: number;
  };
  /** From computeMetrics over every closed trade and the full marked-to-market equity curve. */
  metrics: PerformanceMetrics;
  /** Curve metrics per symbol and per strategy, on realized P&L step curves (see series.ts). */
  curves: { bySymbol: Record<string, CurveStats>; byStrategy: Record<string, CurveStats> };
  summary: {
    startingBalance: number;
    endingEquity: number;
    netProfit: number;
    /** Every fee the ledger booked (closed and still-open positions; futures: liquidation fees included). */
    feesPaid: number;
    /**
     * Futures runs: net funding paid by every position (negative when received); already in the
     * trades' pnl, the net profit and the equity. Absent for spot.
     */
    fundingPaid?: number;
    /** Futures runs: positions the (simulated) venue liquidated (trades with exit reason "liquidation"). */
    liquidations?: number;
    /** Futures runs: the maintenance margin those liquidations lost (part of feesPaid). */
    liquidationFees?: number;
    signals: number;
    /** Orders sent: entries, signal exits, protective exits and end-of-run closes. */
    orders: number;
    /** Entries the risk engine refused, by code. */
    denials: Record<string, number>;
    strategyErrors: number;
    openPositionsAtEnd: number;
    /** Trading state at the end (a breaker may have stopped entries). */
    tradingState: string;
  };
  trades: BacktestTrade[];
  orders: BacktestOrder[];
  /** Downsampled equity curve (bucket minimum and maximum kept) and its drawdown. */
  equity: EquityPoint[];
  drawdown: DrawdownPoint[];
  /** Per symbol: the candles to draw the trades on (coarsened to at most a few thousand). */
  chart: Record<string, { timeframe: Timeframe; candles: CandleRow[] }>;
  /** Risk events other than denials, strategy errors and engine warnings (first ones). */
  notes: Array<{ at: number; kind: string; code: string; message: string }>;
  /** Wall-clock figures: the only part of a result that differs between two identical runs. */
  timing: { durationMs: number; candlesPerSecond: number };
  /** Buy-and-hold of the same symbols over the same period (server/golive/benchmark.ts); null without prices. */
  benchmark?: { returnPct: number; finalEquity: number; perSymbol: { symbol: string; first: number; last: number; returnPct: number }[] } | null;
}

export interface RunBacktestOptions {
  /** Candles in hand; otherwise they are loaded from config.source. */
  data?: BacktestData;
  /** Stored candles (source "stored"). */
  store?: CandleStore;
  /** The app's configured risk limits; config.riskLimits apply on top. Default DEFAULT_RISK_LIMITS. */
  baseLimits?: RiskLimits;
  onProgress?: (progress: BacktestProgress) => void;
  /** Candles between two progress reports; default about 1 % of the run. */
  progressEvery?: number;
  /** Give the event loop a turn at each progress report (a run in the server's own thread). */
  yieldEvery?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  /** Skip the result parts only a person reads (orders, chart, per-symbol/strategy curves): the optimiser's runs. */
  lean?: boolean;
}

const MAX_NOTES = 200;
const MAX_CHART_CANDLES = 10_000;

interface PreparedStrategy {
  summary: BacktestStrategySummary;
  strategy: Strategy;
}

function createStrategies(config: BacktestConfig, onError: (message: string) => void): PreparedStrategy[] {
  return config.strategies.map((s, index) => {
    const id = s.id ?? defaultInstanceId(s.kind, index);
    const timeframe = s.timeframe ?? getStrategyDefinition(s.kind).defaultTimeframe;
    const inner = createStrategy(s.kind, s.params, { id, symbols: s.symbols, timeframe });
    const strategy = safeStrategy(inner, (report) => onError(`${id}: ${report.message}`)) as unknown as Strategy;
    return {
      strategy,
      summary: {
        id,
        kind: s.kind,
        name: s.name ?? `${getStrategyDefinition(s.kind).title} (${timeframe})`,
        symbols: s.symbols,
        timeframe,
        capital: s.capital ?? config.startingBalance,
        params: inner.params as Record<string, unknown>,
      },
    };
  });
}

export async function loadData(config: BacktestConfig, plan: DataPlan, options: Pick<RunBacktestOptions, "store">): Promise<BacktestData> {
  const source = config.source;
  if (source.type === "csv") return loadCsvData(source, plan);
  if (source.type === "stored") {
    if (!options.store) throw new AppError("BACKTEST_NO_STORE", "stored candles need a candle store (a database)", 500);
    return loadStoredData(options.store, plan, config.from!, config.to!);
  }
  throw new AppError("BACKTEST_NO_DATA", "source \"inline\" needs the candles handed to runBacktest (options.data)", 400);
}

function planOf(config: BacktestConfig, strategies: readonly PreparedStrategy[]): DataPlan {
  return planData(
    config,
    strategies.map((s) => ({
      symbols: s.summary.symbols,
      timeframe: s.summary.timeframe,
      warmupCandles: s.strategy.warmupCandles,
      // Every timeframe it subscribes to (confirm timeframes included), each with its own warm-up.
      subscriptions: s.strategy.subscriptions.map((sub) => ({ symbol: sub.symbol, timeframe: sub.timeframe, warmupCandles: sub.warmupCandles })),
    })),
  );
}

/** The plan (symbols, timeframes, warm-up) of a config, without running it. */
export function planBacktest(config: BacktestConfig): DataPlan {
  return planOf(config, createStrategies(config, () => {}));
}

/**
 * Run a backtest: the live kernel, account, risk engine and strategies on a simulated clock and venue.
 * Same config and candles, same result (timing aside), byte for byte.
 */
export async function runBacktest(input: BacktestConfigInput | BacktestConfig, options: RunBacktestOptions = {}): Promise<BacktestResult> {
  const started = performance.now();
  const config = parseBacktestConfig(input);
  const notes: BacktestResult["notes"] = [];
  const note = (at: number, kind: string, code: string, message: string) => {
    if (notes.length < MAX_NOTES) notes.push({ at, kind, code, message });
  };
  let strategyErrors = 0;
  let clockNow = () => 0;
  const prepared = createStrategies(config, (message) => {
    strategyErrors += 1;
    note(clockNow(), "strategy", "STRATEGY_ERROR", message);
  });
  const plan = planOf(config, prepared);
  const data = options.data ?? (await loadData(config, plan, options));
  const timeline = buildTimeline(prepareSeries(data, plan), plan, config.from, config.to);
  const { run, closeTimes, sampleAfter } = timeline;
  if (run.length === 0) {
    throw new AppError("BACKTEST_EMPTY", `no candles between ${new Date(timeline.from).toISOString()} and ${new Date(timeline.to).toISOString()}`, 422);
  }

  const futuresRun = config.market === "futures";
  const instruments = new Map(plan.symbols.map((symbol) => [symbol, backtestInstrument(symbol, config.instruments[symbol], futuresRun ? "perp" : undefined)]));
  const limits = effectiveLimits(config, options.baseLimits ?? DEFAULT_RISK_LIMITS);
  // Futures: every symbol is a perpetual at the configured leverage and margin mode; funding at the
  // series' rate or the constant one (config.ts futuresSchema), booked by the account itself.
  const contracts = new Map<string, RiskPerpContract>(
    futuresRun ? plan.symbols.map((symbol) => [symbol, { symbol, leverage: config.futures.leverage, marginMode: config.futures.marginMode, brackets: BACKTEST_PERP_BRACKETS }]) : [],
  );
  const futures: AccountFutures | undefined = futuresRun ? { contracts, fundingRate: fundingRateSource(config.futures) } : undefined;
  let listenerError: unknown;
  const engine = await composeBacktestEngine({
    instruments,
    startingBalance: config.startingBalance,
    quoteCurrency: config.quoteCurrency,
    fees: config.fees,
    slippageBps: config.slippageBps,
    limits,
    exitRules: config.exitRules,
    baseTimeframe: plan.baseTimeframe,
    allowShort: shortsAllowed(config),
    startTime: timeline.from,
    logger: options.logger,
    ...(futures ? { futures } : {}),
    onListenerError: (_event, err) => (listenerError ??= err),
  });
  const { clock, bus, kernel, account, ledger } = engine;
  clockNow = () => clock.now();

  const trades: BacktestTrade[] = [];
  const denials: Record<string, number> = {};
  bus.on("trade", (trade) => trades.push(trade));
  bus.on("risk:event", (event) => {
    if (event.kind === "denial") denials[event.code] = (denials[event.code] ?? 0) + 1;
    else note(event.timestamp, `risk:${event.kind}`, event.code, event.message);
  });
  bus.on("warning", (w) => note(w.at, "warning", w.code, w.message));

  for (const s of prepared) kernel.addStrategy({ id: s.summary.id, name: s.summary.name, kind: s.summary.kind, capital: s.summary.capital }, s.strategy);
  for (const candle of timeline.warm) kernel.warm(candle);

  // The equity curve: one point at the start and after each candle of the curve timeframe.
  const capacity = 2 + sampleAfter.reduce((n, v) => n + v, 0);
  const curveTimes = new Float64Array(capacity);
  const curveEquity = new Float64Array(capacity);
  curveTimes[0] = timeline.from;
  curveEquity[0] = ledger.equity();
  let points = 1;

  const total = run.length;
  const every = Math.max(1, options.progressEvery ?? Math.max(1_000, Math.ceil(total / 100)));
  let nextReport = every;
  const report = options.onProgress;
  const signal = options.signal;

  const liquidations: BacktestLiquidation[] = [];
  const baseTimeframe = plan.baseTimeframe;
  for (let i = 0; i < total; i++) {
    clock.set(closeTimes[i]);
    const candle = run[i];
    // Futures: the venue liquidates inside the candle, before the account books its close (liquidation.ts).
    if (futures && candle.timeframe === baseTimeframe && contracts.has(candle.symbol)) {
      const liquidated = await liquidateOnCandle(account, contracts, candle, closeTimes[i], liquidations.length + 1);
      if (liquidated) liquidations.push(liquidated);
    }
    const work = kernel.onCandle(candle);
    if (work !== undefined) await work;
    if (sampleAfter[i] === 1) {
      curveTimes[points] = closeTimes[i];
      curveEquity[points] = ledger.equity();
      points += 1;
    }
    if (i + 1 === nextReport) {
      nextReport += every;
      if (signal?.aborted) throw new AppError("BACKTEST_CANCELLED", "the backtest was cancelled", 499);
      report?.({ processed: i + 1, total, pct: ((i + 1) / total) * 100, at: closeTimes[i] });
      if (options.yieldEvery) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  await kernel.idle();

  const endTime = closeTimes[total - 1];
  if (config.closeAtEnd) {
    for (const position of ledger.positions()) {
      await account.closePosition(position, { exitReason: "session_end", reason: "Backtest ended: position closed at the last price" });
    }
    await kernel.idle();
  }
  const finalEquity = ledger.equity();
  if (curveTimes[points - 1] === endTime) curveEquity[points - 1] = finalEquity;
  else {
    curveTimes[points] = endTime;
    curveEquity[points] = finalEquity;
    points += 1;
  }
  if (listenerError) throw new AppError("BACKTEST_INTERNAL", `an engine event listener failed: ${errorMessage(listenerError)}`, 500);
  report?.({ processed: total, total, pct: 100, at: endTime });

  trades.sort((a, b) => a.closedAt - b.closedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fullCurve: EquityPoint[] = new Array(points);
  for (let i = 0; i < points; i++) fullCurve[i] = { timestamp: curveTimes[i], equity: curveEquity[i] };
  const span = endTime - timeline.from;
  // Daily returns for Sharpe/Sortino; hourly when the run is too short for a meaningful daily series.
  const periodMs = span >= 7 * DAY_MS ? DAY_MS : 3_600_000;
  const openPositions = ledger.positions().map((p) => ({ openedAt: p.openedAt }));
  const metrics = computeMetrics({ trades, equity: fullCurve, periodMs, openPositions });
  // The summary only (first and last close per symbol): the held basket's curve is not part of the result.
  const held = buyAndHoldSummary(run, plan.baseTimeframe, config.startingBalance, config.fees.taker);
  const benchmark = held ? { returnPct: held.returnPct, finalEquity: held.finalEquity, perSymbol: held.perSymbol } : null;

  const equity = decimateCurve(curveTimes, curveEquity, points, config.equityPoints);
  const orders = engine.orderStore.allOrders();
  const lean = options.lean ?? false;
  const result: BacktestResult = {
    version: 1,
    // The stored config lists the limits the run was bound by (base limits with the request's on top).
    config: { ...config, riskLimits: limits },
    strategies: prepared.map((s) => s.summary),
    range: {
      from: timeline.from,
      to: endTime,
      baseTimeframe: plan.baseTimeframe,
      curveTimeframe: plan.curveTimeframe,
      candles: total,
      warmupCandles: timeline.warm.length,
    },
    metrics,
    benchmark,
    curves: lean ? { bySymbol: {}, byStrategy: {} } : groupCurves(trades, prepared, config, timeline.from, endTime, periodMs),
    summary: {
      startingBalance: config.startingBalance,
      endingEquity: finalEquity,
      netProfit: finalEquity - config.startingBalance,
      feesPaid: ledger.fees,
      ...(futuresRun
        ? { fundingPaid: ledger.fundingPaid, liquidations: liquidations.length, liquidationFees: roundMoney(liquidations.reduce((sum, l) => sum + l.maintenanceMargin, 0)) }
        : {}),
      signals: kernel.stats.signals,
      orders: orders.length,
      denials,
      strategyErrors,
      openPositionsAtEnd: ledger.openPositionCount,
      tradingState: account.tradingState,
    },
    trades,
    orders: lean ? [] : orders.map(compactOrder),
    equity,
    drawdown: drawdownSeries(equity),
    chart: lean ? {} : chartsOf(run, plan, prepared),
    notes,
    timing: { durationMs: 0, candlesPerSecond: 0 },
  };
  await account.stop();
  const durationMs = performance.now() - started;
  result.timing = { durationMs: Math.round(durationMs * 1000) / 1000, candlesPerSecond: Math.round(total / (durationMs / 1000)) };
  return result;
}

function compactOrder(o: import("../model/types").Order): BacktestOrder {
  const out: BacktestOrder = {
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    intent: o.intent,
    status: o.status,
    quantity: o.quantity,
    filledQuantity: o.filledQuantity,
    avgFillPrice: o.avgFillPrice,
    fee: o.fee,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    reason: o.reason,
  };
  if (o.strategyInstanceId !== undefined) out.strategyInstanceId = o.strategyInstanceId;
  if (o.exitReason !== undefined) out.exitReason = o.exitReason;
  if (o.error !== undefined) out.error = o.error;
  return out;
}

function groupCurves(trades: BacktestTrade[], prepared: PreparedStrategy[], config: BacktestConfig, from: number, to: number, periodMs: number): BacktestResult["curves"] {
  const bySymbol: Record<string, CurveStats> = {};
  const byStrategy: Record<string, CurveStats> = {};
  const symbols = [...new Set(prepared.flatMap((s) => s.summary.symbols))];
  for (const symbol of symbols) {
    bySymbol[symbol] = curveStats(realizedCurve(trades.filter((t) => t.symbol === symbol), config.startingBalance, from, to), { periodMs });
  }
  for (const s of prepared) {
    byStrategy[s.summary.id] = curveStats(realizedCurve(trades.filter((t) => t.strategyInstanceId === s.summary.id), s.summary.capital, from, to), { periodMs });
  }
  return { bySymbol, byStrategy };
}

function chartsOf(run: readonly Candle[], plan: DataPlan, prepared: PreparedStrategy[]): BacktestResult["chart"] {
  const chart: BacktestResult["chart"] = {};
  for (const symbol of plan.symbols) {
    const timeframe = prepared.find((s) => s.summary.symbols.includes(symbol))?.summary.timeframe ?? plan.curveTimeframe;
    const candles = run.filter((c) => c.symbol === symbol && c.timeframe === timeframe);
    const coarse = chartCandles(candles, timeframe, MAX_CHART_CANDLES);
    chart[symbol] = { timeframe: coarse.timeframe, candles: coarse.rows };
  }
  return chart;
}
