import type { ChartMarker } from "../charts/chart-types";
import { formatDuration, formatInt, formatMoney, formatNumber, formatPlainPct, formatStat, isNum, formatSignedMoney } from "../lib/format";
import type { BacktestListItem, BacktestResultDto, BacktestStatus, CandleDto } from "../lib/types";
import { COLORS } from "../shell/colors";

/** Pure helpers of the backtest page: what the API returns (server/contract/backtest.ts), shaped for tables and charts. */

export type { BacktestDetail, BacktestListItem, BacktestProgressDto, BacktestStatus } from "../lib/types";
export type BacktestResult = BacktestResultDto;

export const isFinished = (status: BacktestStatus) => status === "completed" || status === "failed" || status === "cancelled";

/** "ma_crossover BTC/USDT 5m" for a run's first strategy. */
export function runLabel(config: BacktestListItem["config"] | undefined): string {
  const s = config?.strategies?.[0];
  if (!s) return "backtest";
  return [s.kind, (s.symbols ?? []).join(","), s.timeframe].filter(Boolean).join(" ");
}

export interface MetricLine {
  key: string;
  label: string;
  /** The value as text, and the number behind it (for colouring and comparing). */
  text: string;
  value: number | null;
  /** Larger is better (true), smaller is better (false), or neither (undefined). */
  higherIsBetter?: boolean;
  /** Why the figure says little or was withheld (too few trades, too short a period). */
  note?: string;
}

/** Annualising a return from fewer days than this is guesswork: CAGR is withheld. */
export const MIN_CAGR_DAYS = 30;
const DAY_MS = 86_400_000;
/** Ratios that come from the trades and need a sample to mean anything. */
const TRADE_RATIOS = new Set(["winRate", "pf", "expectancy", "payoff", "sharpe", "sortino", "calmar"]);

const num = (v: unknown): number | null => (isNum(v) ? v : null);

/** The headline metrics of a result, in reading order; definitions are those of server/portfolio/metrics.ts. */
export function metricLines(result: BacktestResult): MetricLine[] {
  const m = result.metrics;
  const s = result.summary;
  const dd = m.maxDrawdown;
  const periodMs = isNum(result.range?.from) && isNum(result.range?.to) ? Math.max(0, result.range.to - result.range.from) : null;
  const lines: MetricLine[] = [
    { key: "net", label: "Net profit", text: formatSignedMoney(s.netProfit), value: num(s.netProfit), higherIsBetter: true },
    { key: "return", label: "Total return", text: formatPlainPct(m.totalReturnPct), value: num(m.totalReturnPct), higherIsBetter: true },
    { key: "cagr", label: "CAGR", text: formatPlainPct(m.cagrPct), value: num(m.cagrPct), higherIsBetter: true },
    { key: "trades", label: "Trades", text: formatInt(m.trades), value: m.trades },
    { key: "winRate", label: "Win rate", text: formatPlainPct(m.winRatePct, 1), value: num(m.winRatePct), higherIsBetter: true },
    { key: "pf", label: "Profit factor", text: m.profitFactorInfinite ? "∞" : formatStat(m.profitFactor), value: m.profitFactorInfinite ? Number.POSITIVE_INFINITY : num(m.profitFactor), higherIsBetter: true },
    { key: "expectancy", label: "Expectancy / trade", text: formatSignedMoney(m.expectancy), value: num(m.expectancy), higherIsBetter: true },
    { key: "avgWin", label: "Average win", text: formatMoney(m.avgWin), value: num(m.avgWin), higherIsBetter: true },
    { key: "avgLoss", label: "Average loss", text: formatMoney(m.avgLoss), value: num(m.avgLoss), higherIsBetter: true },
    { key: "payoff", label: "Payoff ratio", text: formatStat(m.payoffRatio), value: num(m.payoffRatio), higherIsBetter: true },
    { key: "sharpe", label: "Sharpe", text: formatStat(m.sharpe), value: num(m.sharpe), higherIsBetter: true },
    { key: "sortino", label: "Sortino", text: formatStat(m.sortino), value: num(m.sortino), higherIsBetter: true },
    { key: "calmar", label: "Calmar", text: formatStat(m.calmar), value: num(m.calmar), higherIsBetter: true },
    { key: "maxDd", label: "Max drawdown", text: dd ? `${formatPlainPct(dd.pct)} (${formatMoney(dd.amount)})` : "—", value: dd ? dd.pct : 0, higherIsBetter: false },
    { key: "ddDuration", label: "Longest drawdown", text: formatDuration(m.longestDrawdownMs), value: num(m.longestDrawdownMs), higherIsBetter: false },
    { key: "exposure", label: "Exposure", text: formatPlainPct(m.exposurePct, 1), value: num(m.exposurePct) },
    { key: "tradesPerDay", label: "Trades per day", text: formatNumber(m.tradesPerDay, 2), value: num(m.tradesPerDay) },
    { key: "fees", label: "Fees paid", text: formatMoney(s.feesPaid), value: num(s.feesPaid), higherIsBetter: false },
  ];
  const days = periodMs === null ? null : periodMs / DAY_MS;
  const sampleNote = isNum(m.trades) && m.trades < 30 ? `only ${m.trades} trades: fewer than 30, mostly chance` : undefined;
  return lines.map((l) => {
    if (l.key === "cagr" && days !== null && days < MIN_CAGR_DAYS) {
      return { ...l, text: "—", value: null, note: `not annualised from ${formatNumber(days, 1)} days of data (needs ${MIN_CAGR_DAYS})` };
    }
    if (l.key === "ddDuration" && periodMs !== null && isNum(l.value) && l.value > periodMs) {
      // A drawdown cannot outlast the test: it started before the first candle of the range (warm-up).
      return { ...l, text: formatDuration(periodMs), value: periodMs, note: "the whole test period (the reported span included the warm-up)" };
    }
    if (TRADE_RATIOS.has(l.key) && sampleNote) return { ...l, note: sampleNote };
    return l;
  });
}

/** Which of two values is better, by the metric's direction: "a", "b" or null (equal, unknown or no direction). */
export function better(line: Pick<MetricLine, "higherIsBetter">, a: number | null, b: number | null): "a" | "b" | null {
  if (line.higherIsBetter === undefined || a === null || b === null || a === b) return null;
  return (a > b) === line.higherIsBetter ? "a" : "b";
}

export function compareLines(a: BacktestResult, b: BacktestResult): Array<{ key: string; label: string; a: MetricLine; b: MetricLine; winner: "a" | "b" | null }> {
  const left = metricLines(a);
  const right = new Map(metricLines(b).map((l) => [l.key, l]));
  return left.map((l) => {
    const r = right.get(l.key)!;
    return { key: l.key, label: l.label, a: l, b: r, winner: better(l, l.value, r.value) };
  });
}

/** The stored chart rows of a symbol as the candle chart's bars. */
export function chartBars(result: BacktestResult, symbol: string): CandleDto[] {
  const rows = result.chart[symbol]?.candles ?? [];
  return rows.map(([time, open, high, low, close, volume]) => ({ time, open, high, low, close, volume, closed: true }));
}

/** Entry arrows and exit dots (coloured by result, labelled with P&L) of a symbol's trades. */
export function tradeMarkersOf(result: BacktestResult, symbol: string): ChartMarker[] {
  const markers: ChartMarker[] = [];
  for (const t of result.trades) {
    if (t.symbol !== symbol) continue;
    const long = t.side === "long";
    markers.push({ time: t.openedAt, position: long ? "belowBar" : "aboveBar", shape: long ? "arrowUp" : "arrowDown", color: COLORS.neutral, text: long ? "L" : "S" });
    markers.push({ time: t.closedAt, position: long ? "aboveBar" : "belowBar", shape: "circle", color: t.pnl >= 0 ? COLORS.profit : COLORS.loss, text: formatSignedMoney(t.pnl) });
  }
  return markers.sort((x, y) => x.time - y.time);
}

/** Equity curve points as the time-series chart wants them. */
export function equityPoints(result: BacktestResult): Array<{ time: number; value: number }> {
  return result.equity.map((p) => ({ time: p.timestamp, value: p.equity }));
}

/** Drawdown below zero, in percent. */
export function drawdownPoints(result: BacktestResult): Array<{ time: number; value: number }> {
  return result.drawdown.map((p) => ({ time: p.timestamp, value: -Math.abs(p.drawdownPct) }));
}

/** Equity as % of the starting balance, so two runs with different balances share one axis. */
export function equityReturnPoints(result: BacktestResult): Array<{ time: number; value: number }> {
  const start = result.summary.startingBalance;
  return result.equity.map((p) => ({ time: p.timestamp, value: start > 0 ? (p.equity / start - 1) * 100 : 0 }));
}
