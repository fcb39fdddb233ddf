import { z } from "zod";
import { modeSchema, orderSideSchema, positionSideSchema, timeframeSchema } from "./common";
import { orderStatusSchema } from "./orders";

/**
 * `GET /api/backtests` (list), `GET /api/backtests/{id}` (detail with progress and result) and
 * `POST /api/backtests` (202). A result is stored as JSON: fields the engine leaves undefined are absent,
 * non-finite numbers are null.
 */

export const backtestStatusSchema = z.enum(["queued", "running", "completed", "failed", "cancelled"]);
export type BacktestStatus = z.infer<typeof backtestStatusSchema>;

/** Progress of a running backtest (candles processed of the traded range, simulated time reached). */
export const backtestProgressSchema = z.object({ processed: z.number(), total: z.number(), pct: z.number(), at: z.number() });
export type BacktestProgressDto = z.infer<typeof backtestProgressSchema>;

/**
 * A run's config as stored (the validated backtest config: server/backtest/config.ts owns its rules).
 * The dashboard reads the strategies and the range; the other keys pass through as they are.
 */
export const backtestConfigViewSchema = z.looseObject({
  strategies: z
    .array(z.looseObject({ kind: z.string(), symbols: z.array(z.string()), timeframe: timeframeSchema.optional(), params: z.record(z.string(), z.unknown()) }))
    .optional(),
  from: z.number().optional(),
  to: z.number().optional(),
});
export type BacktestConfigView = z.infer<typeof backtestConfigViewSchema>;

export const backtestStrategySummarySchema = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  symbols: z.array(z.string()),
  timeframe: timeframeSchema,
  capital: z.number(),
  params: z.record(z.string(), z.unknown()),
});
export type BacktestStrategySummaryDto = z.infer<typeof backtestStrategySummarySchema>;

export const backtestRangeSchema = z.object({
  from: z.number(),
  to: z.number(),
  baseTimeframe: timeframeSchema,
  curveTimeframe: timeframeSchema,
  /** Candles the run processed (every symbol and timeframe). */
  candles: z.number(),
  /** Candles before `from` that only warmed the strategies up. */
  warmupCandles: z.number(),
});

const tradeRefSchema = z.object({
  id: z.string(),
  symbol: z.string(),
  strategyInstanceId: z.string().optional(),
  pnl: z.number(),
  pnlPct: z.number(),
  closedAt: z.number(),
});

/** Trade statistics (server/portfolio/metrics.ts TradeStats; `*Pct` in percentage points). */
export const tradeStatsSchema = z.object({
  trades: z.number(),
  wins: z.number(),
  losses: z.number(),
  breakeven: z.number(),
  winRatePct: z.number().nullable(),
  netProfit: z.number(),
  grossProfit: z.number(),
  grossLoss: z.number(),
  profitFactor: z.number().nullable(),
  profitFactorInfinite: z.boolean(),
  expectancy: z.number().nullable(),
  expectancyPct: z.number().nullable(),
  avgWin: z.number().nullable(),
  avgLoss: z.number().nullable(),
  payoffRatio: z.number().nullable(),
  feesPaid: z.number(),
  bestTrade: tradeRefSchema.nullable(),
  worstTrade: tradeRefSchema.nullable(),
  longestWinStreak: z.number(),
  longestLossStreak: z.number(),
  avgTradeDurationMs: z.number().nullable(),
});
export type TradeStatsDto = z.infer<typeof tradeStatsSchema>;

export const drawdownEpisodeSchema = z.object({
  amount: z.number(),
  pct: z.number(),
  peakAt: z.number(),
  peakEquity: z.number(),
  troughAt: z.number(),
  troughEquity: z.number(),
  recoveredAt: z.number().nullable(),
  durationMs: z.number(),
});

/** Equity-curve statistics (server/portfolio/metrics.ts CurveStats). */
export const curveStatsSchema = z.object({
  startAt: z.number().nullable(),
  endAt: z.number().nullable(),
  startEquity: z.number().nullable(),
  endEquity: z.number().nullable(),
  totalReturnPct: z.number().nullable(),
  cagrPct: z.number().nullable(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  calmar: z.number().nullable(),
  maxDrawdown: drawdownEpisodeSchema.nullable(),
  maxDrawdownAmount: z.number(),
  longestDrawdownMs: z.number(),
  periodMs: z.number(),
  periodsPerYear: z.number(),
  returnPeriods: z.number(),
});
export type CurveStatsDto = z.infer<typeof curveStatsSchema>;

/** A run's metrics: trade and curve statistics, exposure, and trade statistics per symbol and strategy. */
export const backtestMetricsSchema = tradeStatsSchema.extend({
  ...curveStatsSchema.shape,
  exposurePct: z.number().nullable(),
  tradesPerDay: z.number().nullable(),
  bySymbol: z.record(z.string(), tradeStatsSchema),
  byStrategy: z.record(z.string(), tradeStatsSchema),
});
export type BacktestMetricsDto = z.infer<typeof backtestMetricsSchema>;

export const backtestTradeSchema = z.object({
  id: z.string(),
  positionId: z.string(),
  mode: z.union([modeSchema, z.literal("backtest")]),
  symbol: z.string(),
  side: positionSideSchema,
  quantity: z.number(),
  entryPrice: z.number(),
  exitPrice: z.number(),
  pnl: z.number(),
  pnlPct: z.number(),
  fees: z.number(),
  /** Futures: net funding the position paid while open (negative = received); included in pnl. */
  fundingPaid: z.number().optional(),
  openedAt: z.number(),
  closedAt: z.number(),
  exitReason: z.string(),
  entryReason: z.string(),
  exitReasonText: z.string(),
  strategyInstanceId: z.string().optional(),
  sessionId: z.string().optional(),
  durationMs: z.number(),
  signalId: z.string().optional(),
  entryOrderId: z.string().optional(),
  exitOrderId: z.string().optional(),
});
export type BacktestTradeDto = z.infer<typeof backtestTradeSchema>;

export const backtestOrderSchema = z.object({
  clientOrderId: z.string(),
  symbol: z.string(),
  side: orderSideSchema,
  type: z.string(),
  intent: z.enum(["entry", "exit"]),
  status: orderStatusSchema,
  quantity: z.number(),
  filledQuantity: z.number(),
  avgFillPrice: z.number(),
  fee: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  strategyInstanceId: z.string().optional(),
  exitReason: z.string().optional(),
  reason: z.string(),
  error: z.string().optional(),
});
export type BacktestOrderDto = z.infer<typeof backtestOrderSchema>;

/** [openTime, open, high, low, close, volume] */
export const candleRowSchema = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]);

export const backtestBenchmarkSchema = z.object({
  returnPct: z.number(),
  finalEquity: z.number(),
  perSymbol: z.array(z.object({ symbol: z.string(), first: z.number(), last: z.number(), returnPct: z.number() })),
});

/** A completed run's full result (server/backtest/runner.ts), as stored and returned by `GET /api/backtests/{id}`. */
export const backtestResultSchema = z.object({
  version: z.literal(1),
  config: backtestConfigViewSchema,
  strategies: z.array(backtestStrategySummarySchema),
  range: backtestRangeSchema,
  metrics: backtestMetricsSchema,
  curves: z.object({ bySymbol: z.record(z.string(), curveStatsSchema), byStrategy: z.record(z.string(), curveStatsSchema) }),
  summary: z.object({
    startingBalance: z.number(),
    endingEquity: z.number(),
    netProfit: z.number(),
    feesPaid: z.number(),
    /** Futures runs: net funding paid (negative = received), in the net profit and the equity. */
    fundingPaid: z.number().optional(),
    /** Futures runs: positions liquidated, and the maintenance margin they lost (part of feesPaid). */
    liquidations: z.number().optional(),
    liquidationFees: z.number().optional(),
    signals: z.number(),
    orders: z.number(),
    denials: z.record(z.string(), z.number()),
    strategyErrors: z.number(),
    openPositionsAtEnd: z.number(),
    tradingState: z.string(),
  }),
  trades: z.array(backtestTradeSchema),
  orders: z.array(backtestOrderSchema),
  equity: z.array(z.object({ timestamp: z.number(), equity: z.number() })),
  drawdown: z.array(z.object({ timestamp: z.number(), equity: z.number(), peak: z.number(), drawdown: z.number(), drawdownPct: z.number() })),
  chart: z.record(z.string(), z.object({ timeframe: timeframeSchema, candles: z.array(candleRowSchema) })),
  notes: z.array(z.object({ at: z.number(), kind: z.string(), code: z.string(), message: z.string() })),
  timing: z.object({ durationMs: z.number(), candlesPerSecond: z.number() }),
  benchmark: backtestBenchmarkSchema.nullable().optional(),
});
export type BacktestResultDto = z.infer<typeof backtestResultSchema>;

/** The headline metrics of a completed run in the list (null before it completed). */
export const backtestHeadlineSchema = z.object({
  totalReturnPct: z.number().nullable(),
  sharpe: z.number().nullable(),
  maxDrawdownPct: z.number().nullable(),
  trades: z.number().nullable(),
  winRatePct: z.number().nullable(),
  profitFactor: z.number().nullable(),
});

/** One row of `GET /api/backtests`. */
export const backtestListItemSchema = z.object({
  id: z.string(),
  status: backtestStatusSchema,
  progress: backtestProgressSchema.nullable(),
  config: backtestConfigViewSchema,
  strategies: z.array(backtestStrategySummarySchema).nullable(),
  range: backtestRangeSchema.nullable(),
  headline: backtestHeadlineSchema.nullable(),
  error: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type BacktestListItem = z.infer<typeof backtestListItemSchema>;

/** `GET /api/backtests?limit&offset&status`. */
export const backtestListSchema = z.object({ items: z.array(backtestListItemSchema), total: z.number(), limit: z.number(), offset: z.number() });
export type BacktestListDto = z.infer<typeof backtestListSchema>;

/** `GET /api/backtests/{id}`: status, progress while it runs, the full result once completed. */
export const backtestDetailSchema = z.object({
  id: z.string(),
  status: backtestStatusSchema,
  progress: backtestProgressSchema.nullable(),
  config: backtestConfigViewSchema,
  error: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  /** How the run executed ("worker", "inline", a BullMQ worker...). */
  result: backtestResultSchema.extend({ execution: z.string() }).nullable(),
});
export type BacktestDetail = z.infer<typeof backtestDetailSchema>;

/** `POST /api/backtests` (202) and `POST /api/optimisations` (202). */
export const jobStartedSchema = z.object({ id: z.string(), status: backtestStatusSchema });
export type JobStartedDto = z.infer<typeof jobStartedSchema>;

/** `DELETE /api/backtests/{id}`. */
export const backtestRemovedSchema = z.object({ deleted: z.boolean(), cancelled: z.boolean() });
