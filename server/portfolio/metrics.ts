import { AppError } from "../core/errors";
import type { ClosedTrade } from "../model/types";
import { addMoney, subMoney } from "./booking";
import { ZonedBucketer, type BucketUnit } from "./zoned-time";

/**
 * Performance metrics over closed trades and an equity curve. Pure functions; every result is plain
 * JSON: a metric that is undefined for the input (no trades, no losses, a flat curve) is null, never
 * NaN or Infinity. Units: "...Pct" fields are percent (5 = 5%), money is in the quote currency, times
 * are epoch ms. Definitions are in the doc comments of the result fields; the backtest report and the
 * dashboard cite them.
 *
 * Conventions:
 * - A win is a trade with pnl > 0, a loss pnl < 0; pnl = 0 is breakeven (counted in trades, in
 *   neither wins nor losses, and it ends a streak).
 * - A year is 365 days (crypto trades every day), for CAGR and for annualising Sharpe and Sortino.
 * - Risk-free rate = 0.
 */

export const DAY_MS = 86_400_000;
export const YEAR_MS = 365 * DAY_MS;
/** Near-zero dispersion below which Sharpe/Sortino are undefined (float noise of a constant series). */
const DISPERSION_EPSILON = 1e-12;
/** Refuse resampling into absurdly many periods (a wrong periodMs), rather than exhausting memory. */
const MAX_PERIODS = 5_000_000;

export class MetricsError extends AppError {
  constructor(message: string, details?: unknown) {
    super("METRICS_INVALID_INPUT", message, 400, details);
    this.name = "MetricsError";
  }
}

export interface EquityPoint {
  timestamp: number;
  equity: number;
}

export interface TradeRef {
  id: string;
  symbol: string;
  strategyInstanceId?: string;
  pnl: number;
  pnlPct: number;
  closedAt: number;
}

export interface TradeStats {
  /** Number of closed trades. */
  trades: number;
  wins: number;
  losses: number;
  breakeven: number;
  /** wins / trades × 100; null without trades. */
  winRatePct: number | null;
  /** Σ pnl (net of fees). */
  netProfit: number;
  /** Σ pnl of winning trades (≥ 0). */
  grossProfit: number;
  /** Σ pnl of losing trades (≤ 0). */
  grossLoss: number;
  /**
   * grossProfit / |grossLoss|. null when there is no loss; then profitFactorInfinite tells whether
   * that is because there were profits and no losses (an infinite profit factor) or nothing at all.
   */
  profitFactor: number | null;
  profitFactorInfinite: boolean;
  /** Average net pnl per trade (netProfit / trades), quote; null without trades. */
  expectancy: number | null;
  /** Average pnlPct per trade, %; null without trades. */
  expectancyPct: number | null;
  /** Average pnl of winning trades (> 0); null without wins. */
  avgWin: number | null;
  /** Average pnl of losing trades (< 0, a negative number); null without losses. */
  avgLoss: number | null;
  /** avgWin / |avgLoss|; null without wins or without losses. */
  payoffRatio: number | null;
  /** Σ fees of the trades (entry and exit), quote. */
  feesPaid: number;
  /** Trade with the highest pnl (earliest close on a tie); null without trades. */
  bestTrade: TradeRef | null;
  /** Trade with the lowest pnl (earliest close on a tie); null without trades. */
  worstTrade: TradeRef | null;
  /** Most consecutive wins, in order of closing time. */
  longestWinStreak: number;
  /** Most consecutive losses, in order of closing time. */
  longestLossStreak: number;
  /** Mean of closedAt − openedAt, ms; null without trades. */
  avgTradeDurationMs: number | null;
}

export interface DrawdownEpisode {
  /** Peak equity − trough equity, quote. */
  amount: number;
  /** amount / peak equity × 100. */
  pct: number;
  /** When the peak was set (the drawdown's start). */
  peakAt: number;
  peakEquity: number;
  troughAt: number;
  troughEquity: number;
  /** First time equity got back to the peak; null if it has not yet. */
  recoveredAt: number | null;
  /** (recoveredAt, or the end of the curve if not recovered) − peakAt, ms. */
  durationMs: number;
}

export interface CurveStats {
  startAt: number | null;
  endAt: number | null;
  startEquity: number | null;
  endEquity: number | null;
  /** (endEquity / startEquity − 1) × 100. */
  totalReturnPct: number | null;
  /**
   * Compound annual growth: ((endEquity / startEquity)^(1 / years) − 1) × 100, years = (endAt − startAt)
   * / 365 days. Extrapolates short curves (a one-week backtest is annualised); null if the curve spans no
   * time, starts at equity ≤ 0 or the result overflows.
   */
  cagrPct: number | null;
  /**
   * Annualised Sharpe ratio, risk-free = 0: mean(r) / stdev(r) × √periodsPerYear, with r the periodic
   * returns of the resampled equity curve (see periodicReturns) and stdev the sample standard deviation
   * (n − 1). null with fewer than 2 returns or when stdev is 0 (a flat or constant-return curve).
   */
  sharpe: number | null;
  /**
   * Annualised Sortino ratio, target 0: mean(r) / downside deviation × √periodsPerYear, downside
   * deviation = √(Σ min(r, 0)² / n) over all n returns. null with fewer than 2 returns or when no
   * period lost money (no downside).
   */
  sortino: number | null;
  /** cagrPct / maxDrawdown.pct; null when either is missing or there was no drawdown. */
  calmar: number | null;
  /** The deepest drawdown in percent of its peak; null when equity never fell below a peak. */
  maxDrawdown: DrawdownEpisode | null;
  /** Largest peak-to-trough fall in quote (may belong to another episode than maxDrawdown). */
  maxDrawdownAmount: number;
  /** Longest time spent below a previous peak, ms (an unrecovered drawdown counts up to endAt). */
  longestDrawdownMs: number;
  /** Resampling period of the returns behind Sharpe and Sortino, ms. */
  periodMs: number;
  /** Annualisation factor: periods per 365-day year unless given. */
  periodsPerYear: number;
  /** Number of periodic returns used. */
  returnPeriods: number;
}

export interface PerformanceMetrics extends TradeStats, CurveStats {
  /**
   * Share of the measured span with at least one open position, %: the union of the trades'
   * [openedAt, closedAt] intervals (and of still-open positions up to the end) over the span.
   * The span is the equity curve's, or first entry to last exit without a curve. null for an empty span.
   */
  exposurePct: number | null;
  /** trades / (span in days); null for an empty span. */
  tradesPerDay: number | null;
  bySymbol: Record<string, TradeStats>;
  /** Keyed by strategy instance id; trades without one under "unattributed". */
  byStrategy: Record<string, TradeStats>;
}

export interface MetricsInput {
  trades: readonly ClosedTrade[];
  /** Equity over time, in time order (EquitySnapshot[] fits). */
  equity: readonly EquityPoint[];
  /** Resampling period for Sharpe/Sortino, ms (default one day; pass the bar length for per-bar). */
  periodMs?: number;
  /** Annualisation factor (default 365 days / periodMs). */
  periodsPerYear?: number;
  /** Positions still open at the end, counted as exposed from openedAt to the end. */
  openPositions?: ReadonlyArray<{ openedAt: number }>;
}

// ---------------------------------------------------------------- validation

function assertEquityCurve(points: readonly EquityPoint[]): void {
  if (!Array.isArray(points)) throw new MetricsError("equity curve must be an array of { timestamp, equity }");
  let previous = -Infinity;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p === null || typeof p !== "object" || !Number.isFinite(p.timestamp) || !Number.isFinite(p.equity))
      throw new MetricsError(`equity point ${i} must have a finite timestamp and equity`, { index: i });
    if (p.timestamp < previous) throw new MetricsError(`equity curve is not in time order at point ${i}`, { index: i });
    previous = p.timestamp;
  }
}

function assertTrades(trades: readonly ClosedTrade[]): void {
  if (!Array.isArray(trades)) throw new MetricsError("trades must be an array of closed trades");
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (
      t === null ||
      typeof t !== "object" ||
      !Number.isFinite(t.pnl) ||
      !Number.isFinite(t.pnlPct) ||
      !Number.isFinite(t.fees) ||
      !Number.isFinite(t.openedAt) ||
      !Number.isFinite(t.closedAt) ||
      t.closedAt < t.openedAt
    )
      throw new MetricsError(`trade ${i} (${String(t?.id)}) needs finite pnl, pnlPct, fees, openedAt ≤ closedAt`, { index: i });
  }
}

function assertPeriod(periodMs: number, periodsPerYear: number): void {
  if (!(Number.isFinite(periodMs) && periodMs > 0)) throw new MetricsError(`periodMs must be a finite number > 0, got ${periodMs}`);
  if (!(Number.isFinite(periodsPerYear) && periodsPerYear > 0))
    throw new MetricsError(`periodsPerYear must be a finite number > 0, got ${periodsPerYear}`);
}

// ---------------------------------------------------------------- trade statistics

function tradeRef(t: ClosedTrade): TradeRef {
  const ref: TradeRef = { id: t.id, symbol: t.symbol, pnl: t.pnl, pnlPct: t.pnlPct, closedAt: t.closedAt };
  if (t.strategyInstanceId !== undefined) ref.strategyInstanceId = t.strategyInstanceId;
  return ref;
}

function byCloseTime(trades: readonly ClosedTrade[]): ClosedTrade[] {
  return trades.map((t, i) => ({ t, i })).sort((a, b) => a.t.closedAt - b.t.closedAt || a.i - b.i).map((x) => x.t);
}

/** Statistics of a list of closed trades (definitions on TradeStats). */
export function tradeStats(trades: readonly ClosedTrade[]): TradeStats {
  assertTrades(trades);
  return computeTradeStats(byCloseTime(trades));
}

function computeTradeStats(ordered: readonly ClosedTrade[]): TradeStats {
  let wins = 0;
  let losses = 0;
  let breakeven = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let feesPaid = 0;
  let pctSum = 0;
  let durationSum = 0;
  let best: ClosedTrade | null = null;
  let worst: ClosedTrade | null = null;
  let winStreak = 0;
  let lossStreak = 0;
  let longestWinStreak = 0;
  let longestLossStreak = 0;
  for (const t of ordered) {
    if (t.pnl > 0) {
      wins += 1;
      grossProfit = addMoney(grossProfit, t.pnl);
      winStreak += 1;
      lossStreak = 0;
    } else if (t.pnl < 0) {
      losses += 1;
      grossLoss = addMoney(grossLoss, t.pnl);
      lossStreak += 1;
      winStreak = 0;
    } else {
      breakeven += 1;
      winStreak = 0;
      lossStreak = 0;
    }
    if (winStreak > longestWinStreak) longestWinStreak = winStreak;
    if (lossStreak > longestLossStreak) longestLossStreak = lossStreak;
    feesPaid = addMoney(feesPaid, t.fees);
    pctSum += t.pnlPct;
    durationSum += t.closedAt - t.openedAt;
    if (best === null || t.pnl > best.pnl) best = t;
    if (worst === null || t.pnl < worst.pnl) worst = t;
  }
  const n = ordered.length;
  const netProfit = addMoney(grossProfit, grossLoss);
  const avgWin = wins > 0 ? grossProfit / wins : null;
  const avgLoss = losses > 0 ? grossLoss / losses : null;
  return {
    trades: n,
    wins,
    losses,
    breakeven,
    winRatePct: n > 0 ? (wins / n) * 100 : null,
    netProfit,
    grossProfit,
    grossLoss,
    profitFactor: grossLoss < 0 ? grossProfit / -grossLoss : null,
    profitFactorInfinite: grossLoss === 0 && grossProfit > 0,
    expectancy: n > 0 ? netProfit / n : null,
    expectancyPct: n > 0 ? pctSum / n : null,
    avgWin,
    avgLoss,
    payoffRatio: avgWin !== null && avgLoss !== null ? avgWin / -avgLoss : null,
    feesPaid,
    bestTrade: best ? tradeRef(best) : null,
    worstTrade: worst ? tradeRef(worst) : null,
    longestWinStreak,
    longestLossStreak,
    avgTradeDurationMs: n > 0 ? durationSum / n : null,
  };
}

/** Trade statistics per group (e.g. per symbol); groups in order of first appearance. */
export function tradeStatsBy(trades: readonly ClosedTrade[], groupOf: (trade: ClosedTrade) => string): Record<string, TradeStats> {
  assertTrades(trades);
  const groups = new Map<string, ClosedTrade[]>();
  for (const t of byCloseTime(trades)) {
    const key = groupOf(t);
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(t);
  }
  const result: Record<string, TradeStats> = {};
  for (const [key, list] of groups) result[key] = computeTradeStats(list);
  return result;
}

/**
 * tradeStatsBy() of trades already checked and in close-time order, for computeMetrics: no second
 * check or sort, and a group holding every trade (one symbol, one strategy: the usual backtest) takes
 * a copy of the statistics already computed for all of them rather than computing them again.
 */
function groupedTradeStats(ordered: readonly ClosedTrade[], groupOf: (trade: ClosedTrade) => string, all: TradeStats): Record<string, TradeStats> {
  const groups = new Map<string, ClosedTrade[]>();
  for (const t of ordered) {
    const key = groupOf(t);
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(t);
  }
  const result: Record<string, TradeStats> = {};
  for (const [key, list] of groups) {
    result[key] =
      list.length === ordered.length
        ? { ...all, bestTrade: all.bestTrade && { ...all.bestTrade }, worstTrade: all.worstTrade && { ...all.worstTrade } }
        : computeTradeStats(list);
  }
  return result;
}

export const bySymbol = (t: ClosedTrade): string => t.symbol;
export const byStrategy = (t: ClosedTrade): string => t.strategyInstanceId ?? "unattributed";

// ---------------------------------------------------------------- equity curve

/**
 * Periodic simple returns of an equity curve resampled to periodMs. Sample times: the curve's first
 * timestamp, then every epoch-aligned boundary k × periodMs after it up to the curve's last timestamp
 * (a trailing partial period is left out); the equity at a sample time is the last point at or before
 * it. r_i = E_i / E_(i−1) − 1; a period starting at equity ≤ 0 is skipped (a return is undefined).
 * For per-bar returns pass the bar length and a curve sampled at bar boundaries.
 */
export function periodicReturns(points: readonly EquityPoint[], periodMs: number): number[] {
  assertEquityCurve(points);
  if (!(Number.isFinite(periodMs) && periodMs > 0)) throw new MetricsError(`periodMs must be a finite number > 0, got ${periodMs}`);
  if (points.length < 2) return [];
  const first = points[0].timestamp;
  const last = points[points.length - 1].timestamp;
  const firstBoundary = (Math.floor(first / periodMs) + 1) * periodMs;
  const periods = last >= firstBoundary ? Math.floor((last - firstBoundary) / periodMs) + 1 : 0;
  if (periods > MAX_PERIODS)
    throw new MetricsError(`resampling into ${periods} periods of ${periodMs} ms is too many (max ${MAX_PERIODS}): choose a longer period`);
  const returns: number[] = [];
  let previous = points[0].equity;
  let j = 0;
  for (let k = 0; k < periods; k++) {
    const boundary = firstBoundary + k * periodMs;
    while (j + 1 < points.length && points[j + 1].timestamp <= boundary) j++;
    const value = points[j].equity;
    if (previous > 0) returns.push(value / previous - 1);
    previous = value;
  }
  return returns;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Annualised Sharpe ratio of periodic returns (definition on CurveStats.sharpe). */
export function sharpeRatio(returns: readonly number[], periodsPerYear: number): number | null {
  if (returns.length < 2) return null;
  const m = mean(returns);
  let ss = 0;
  for (const r of returns) ss += (r - m) * (r - m);
  const sd = Math.sqrt(ss / (returns.length - 1));
  if (!(sd > DISPERSION_EPSILON)) return null;
  return (m / sd) * Math.sqrt(periodsPerYear);
}

/** Annualised Sortino ratio of periodic returns (definition on CurveStats.sortino). */
export function sortinoRatio(returns: readonly number[], periodsPerYear: number): number | null {
  if (returns.length < 2) return null;
  let downside = 0;
  for (const r of returns) if (r < 0) downside += r * r;
  const dd = Math.sqrt(downside / returns.length);
  if (!(dd > DISPERSION_EPSILON)) return null;
  return (mean(returns) / dd) * Math.sqrt(periodsPerYear);
}

export interface DrawdownPoint {
  timestamp: number;
  equity: number;
  /** Highest equity up to this point. */
  peak: number;
  /** peak − equity, quote (≥ 0). */
  drawdown: number;
  /** drawdown / peak × 100 (≥ 0; 0 when the peak is ≤ 0). */
  drawdownPct: number;
}

/** Running peak and drawdown at every point of the curve (the drawdown chart). */
export function drawdownSeries(points: readonly EquityPoint[]): DrawdownPoint[] {
  assertEquityCurve(points);
  const series: DrawdownPoint[] = new Array(points.length);
  let peak = -Infinity;
  for (let i = 0; i < points.length; i++) {
    const { timestamp, equity } = points[i];
    if (equity > peak) peak = equity;
    const drawdown = peak - equity;
    series[i] = { timestamp, equity, peak, drawdown, drawdownPct: peak > 0 ? (drawdown / peak) * 100 : 0 };
  }
  return series;
}

/** Drawdown episodes of the curve: the deepest in % and the largest amount and longest duration. */
export function drawdownAnalysis(points: readonly EquityPoint[]): {
  maxDrawdown: DrawdownEpisode | null;
  maxDrawdownAmount: number;
  longestDrawdownMs: number;
} {
  assertEquityCurve(points);
  let maxDrawdown: DrawdownEpisode | null = null;
  let maxDrawdownAmount = 0;
  let longestDrawdownMs = 0;
  if (points.length === 0) return { maxDrawdown, maxDrawdownAmount, longestDrawdownMs };
  const endAt = points[points.length - 1].timestamp;
  let peak = points[0].equity;
  let peakAt = points[0].timestamp;
  let episode: DrawdownEpisode | null = null;
  const finish = (ep: DrawdownEpisode, recoveredAt: number | null) => {
    ep.recoveredAt = recoveredAt;
    ep.durationMs = (recoveredAt ?? endAt) - ep.peakAt;
    if (ep.durationMs > longestDrawdownMs) longestDrawdownMs = ep.durationMs;
    if (maxDrawdown === null || ep.pct > maxDrawdown.pct) maxDrawdown = ep;
  };
  for (let i = 1; i < points.length; i++) {
    const { timestamp, equity } = points[i];
    if (equity >= peak) {
      if (episode !== null) {
        finish(episode, timestamp);
        episode = null;
      }
      if (equity > peak) {
        peak = equity;
        peakAt = timestamp;
      }
      continue;
    }
    const amount = peak - equity;
    if (episode === null) {
      episode = {
        amount,
        pct: peak > 0 ? (amount / peak) * 100 : 0,
        peakAt,
        peakEquity: peak,
        troughAt: timestamp,
        troughEquity: equity,
        recoveredAt: null,
        durationMs: 0,
      };
    } else if (amount > episode.amount) {
      episode.amount = amount;
      episode.pct = peak > 0 ? (amount / peak) * 100 : 0;
      episode.troughAt = timestamp;
      episode.troughEquity = equity;
    }
    if (amount > maxDrawdownAmount) maxDrawdownAmount = amount;
  }
  if (episode !== null) finish(episode, null);
  return { maxDrawdown, maxDrawdownAmount, longestDrawdownMs };
}

/** Curve statistics (definitions on CurveStats). */
export function curveStats(points: readonly EquityPoint[], options: { periodMs?: number; periodsPerYear?: number } = {}): CurveStats {
  const periodMs = options.periodMs ?? DAY_MS;
  const periodsPerYear = options.periodsPerYear ?? YEAR_MS / periodMs;
  assertPeriod(periodMs, periodsPerYear);
  assertEquityCurve(points);
  const { maxDrawdown, maxDrawdownAmount, longestDrawdownMs } = drawdownAnalysis(points);
  if (points.length === 0) {
    return {
      startAt: null,
      endAt: null,
      startEquity: null,
      endEquity: null,
      totalReturnPct: null,
      cagrPct: null,
      sharpe: null,
      sortino: null,
      calmar: null,
      maxDrawdown,
      maxDrawdownAmount,
      longestDrawdownMs,
      periodMs,
      periodsPerYear,
      returnPeriods: 0,
    };
  }
  const first = points[0];
  const last = points[points.length - 1];
  const totalReturnPct = first.equity > 0 ? (last.equity / first.equity - 1) * 100 : null;
  const years = (last.timestamp - first.timestamp) / YEAR_MS;
  let cagrPct: number | null = null;
  if (years > 0 && first.equity > 0) {
    cagrPct = last.equity <= 0 ? -100 : (Math.pow(last.equity / first.equity, 1 / years) - 1) * 100;
    if (!Number.isFinite(cagrPct)) cagrPct = null;
  }
  const returns = periodicReturns(points, periodMs);
  const calmar = cagrPct !== null && maxDrawdown !== null && maxDrawdown.pct > 0 ? cagrPct / maxDrawdown.pct : null;
  return {
    startAt: first.timestamp,
    endAt: last.timestamp,
    startEquity: first.equity,
    endEquity: last.equity,
    totalReturnPct,
    cagrPct,
    sharpe: sharpeRatio(returns, periodsPerYear),
    sortino: sortinoRatio(returns, periodsPerYear),
    calmar: calmar !== null && Number.isFinite(calmar) ? calmar : null,
    maxDrawdown,
    maxDrawdownAmount,
    longestDrawdownMs,
    periodMs,
    periodsPerYear,
    returnPeriods: returns.length,
  };
}

/** Union length of intervals clipped to [from, to]. */
function coveredMs(intervals: Array<[number, number]>, from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let curStart = Number.NaN;
  let curEnd = Number.NaN;
  for (const [a, b] of clipped) {
    if (Number.isNaN(curEnd) || a > curEnd) {
      if (!Number.isNaN(curEnd)) covered += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) curEnd = b;
  }
  if (!Number.isNaN(curEnd)) covered += curEnd - curStart;
  return covered;
}

/** All metrics: trade statistics overall and per symbol / strategy, curve statistics, exposure. */
export function computeMetrics(input: MetricsInput): PerformanceMetrics {
  assertTrades(input.trades);
  const ordered = byCloseTime(input.trades);
  const trades = computeTradeStats(ordered);
  const curve = curveStats(input.equity, { periodMs: input.periodMs, periodsPerYear: input.periodsPerYear });
  const open = input.openPositions ?? [];
  for (const p of open)
    if (!Number.isFinite(p?.openedAt)) throw new MetricsError("openPositions entries need a finite openedAt");

  let from: number | null = curve.startAt;
  let to: number | null = curve.endAt;
  if (from === null || to === null) {
    if (ordered.length > 0 || open.length > 0) {
      let earliest = Infinity;
      let latest = -Infinity;
      for (const t of ordered) {
        if (t.openedAt < earliest) earliest = t.openedAt;
        if (t.closedAt > latest) latest = t.closedAt;
      }
      for (const p of open) if (p.openedAt < earliest) earliest = p.openedAt;
      from = earliest;
      to = Math.max(latest, earliest);
    }
  }
  const span = from !== null && to !== null ? to - from : 0;
  let exposurePct: number | null = null;
  let tradesPerDay: number | null = null;
  if (span > 0 && from !== null && to !== null) {
    const intervals: Array<[number, number]> = ordered.map((t) => [t.openedAt, t.closedAt]);
    for (const p of open) intervals.push([p.openedAt, to]);
    exposurePct = (coveredMs(intervals, from, to) / span) * 100;
    tradesPerDay = trades.trades / (span / DAY_MS);
  }
  return {
    ...trades,
    ...curve,
    exposurePct,
    tradesPerDay,
    bySymbol: groupedTradeStats(ordered, bySymbol, trades),
    byStrategy: groupedTradeStats(ordered, byStrategy, trades),
  };
}

// ---------------------------------------------------------------- P&L buckets (bar charts)

export interface PnlBucket {
  /** Bucket start, epoch ms (local midnight or local full hour in the time zone). */
  start: number;
  /** "2023-03-01" (day) or "2023-03-01 14:00" (hour), local to the time zone. */
  label: string;
  /** Σ pnl (trades) or equity change (curve) within the bucket, quote. */
  pnl: number;
  /** Trades closed in the bucket (0 for curve buckets). */
  trades: number;
  wins: number;
  losses: number;
  /** Σ fees of the trades closed in the bucket (0 for curve buckets). */
  fees: number;
}

/**
 * Realized P&L per local day or hour: each trade's net pnl is booked in the bucket of its closedAt in
 * the given IANA time zone. Only buckets with trades are listed, in time order.
 */
export function tradePnlBuckets(trades: readonly ClosedTrade[], unit: BucketUnit, timeZone = "UTC"): PnlBucket[] {
  assertTrades(trades);
  const bucketer = new ZonedBucketer(unit, timeZone);
  const buckets = new Map<number, PnlBucket>();
  for (const t of byCloseTime(trades)) {
    const { start, label } = bucketer.bucketOf(t.closedAt);
    let b = buckets.get(start);
    if (b === undefined) buckets.set(start, (b = { start, label, pnl: 0, trades: 0, wins: 0, losses: 0, fees: 0 }));
    b.pnl = addMoney(b.pnl, t.pnl);
    b.fees = addMoney(b.fees, t.fees);
    b.trades += 1;
    if (t.pnl > 0) b.wins += 1;
    else if (t.pnl < 0) b.losses += 1;
  }
  return [...buckets.values()];
}

/**
 * Mark-to-market P&L per local day or hour from the equity curve: the last equity in the bucket minus
 * the last equity before it (the curve's first point for the first bucket). Includes unrealized moves;
 * every bucket from the first to the last point that holds a point is listed, in time order.
 */
export function equityPnlBuckets(points: readonly EquityPoint[], unit: BucketUnit, timeZone = "UTC"): PnlBucket[] {
  assertEquityCurve(points);
  const bucketer = new ZonedBucketer(unit, timeZone);
  const result: PnlBucket[] = [];
  if (points.length === 0) return result;
  let reference = points[0].equity;
  let current: PnlBucket | null = null;
  let lastEquity = reference;
  for (const p of points) {
    const { start, label } = bucketer.bucketOf(p.timestamp);
    if (current === null || current.start !== start) {
      if (current !== null) {
        current.pnl = subMoney(lastEquity, reference);
        reference = lastEquity;
      }
      current = { start, label, pnl: 0, trades: 0, wins: 0, losses: 0, fees: 0 };
      result.push(current);
    }
    lastEquity = p.equity;
  }
  if (current !== null) current.pnl = subMoney(lastEquity, reference);
  return result;
}
