import type { EquityPoint } from "../portfolio";
import type { BacktestResult, BacktestTrade } from "./runner";
import { toCsv } from "../core/csv";

/** Exports (CSV of trades or of the equity curve, JSON of everything) and the CLI's text summary. */

const TRADE_COLUMNS = [
  "id",
  "strategyInstanceId",
  "symbol",
  "side",
  "quantity",
  "entryPrice",
  "exitPrice",
  "pnl",
  "pnlPct",
  "fees",
  "openedAt",
  "closedAt",
  "durationMs",
  "exitReason",
  "entryReason",
  "exitReasonText",
] as const;

/** A CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. Futures trades (with funding) get a fundingPaid column. */
export function tradesCsv(trades: readonly BacktestTrade[]): string {
  if (!trades.some((t) => t.fundingPaid !== undefined)) return toCsv(TRADE_COLUMNS, trades);
  const columns = [...TRADE_COLUMNS.slice(0, TRADE_COLUMNS.indexOf("fees") + 1), "fundingPaid", ...TRADE_COLUMNS.slice(TRADE_COLUMNS.indexOf("fees") + 1)] as const;
  return toCsv(columns, trades);
}

export function equityCsv(points: readonly EquityPoint[]): string {
  return toCsv(["timestamp", "equity"], points);
}

// ---------------------------------------------------------------- text summary

const fmt = (value: number | null | undefined, digits = 2, suffix = "") =>
  value === null || value === undefined || !Number.isFinite(value) ? "–" : `${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}${suffix}`;

const iso = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 16);

function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : h >= 1 ? `${h.toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}

function table(rows: string[][], align: Array<"l" | "r">): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => (align[c] === "r" ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  ")).join("\n");
}

/** The metrics and the last trades as plain-text tables (the CLI prints this on stdout). */
export function summaryText(result: BacktestResult, lastTrades = 10): string {
  const m = result.metrics;
  const s = result.summary;
  const q = result.config.quoteCurrency;
  const header = [
    `Backtest ${result.strategies.map((st) => `${st.kind} ${st.symbols.join(",")} ${st.timeframe}`).join(" + ")}`,
    `Range ${iso(result.range.from)} → ${iso(result.range.to)} UTC, ${result.range.candles.toLocaleString("en-US")} candles (fills on ${result.range.baseTimeframe}), ${result.range.warmupCandles} warm-up`,
    `Params ${result.strategies.map((st) => JSON.stringify(st.params)).join(" | ")}`,
  ];
  const dd = m.maxDrawdown;
  const rows: string[][] = [
    ["Metric", "Value"],
    ["Starting balance", `${fmt(s.startingBalance)} ${q}`],
    ["Ending equity", `${fmt(s.endingEquity)} ${q}`],
    ["Net profit", `${fmt(s.netProfit)} ${q}`],
    ["Total return", fmt(m.totalReturnPct, 2, " %")],
    ["Buy and hold (same symbols)", result.benchmark ? `${fmt(result.benchmark.returnPct, 2, " %")} (${result.benchmark.perSymbol.map((b) => `${b.symbol} ${fmt(b.returnPct, 2, " %")}`).join(", ")})` : "–"],
    ["CAGR", fmt(m.cagrPct, 2, " %")],
    ["Trades", String(m.trades)],
    ["Win rate", fmt(m.winRatePct, 1, " %")],
    ["Profit factor", m.profitFactorInfinite ? "∞ (no loss)" : fmt(m.profitFactor)],
    ["Expectancy / trade", `${fmt(m.expectancy)} ${q}`],
    ["Average win", `${fmt(m.avgWin)} ${q}`],
    ["Average loss", `${fmt(m.avgLoss)} ${q}`],
    ["Payoff ratio", fmt(m.payoffRatio)],
    ["Sharpe (annualised)", fmt(m.sharpe)],
    ["Sortino (annualised)", fmt(m.sortino)],
    ["Calmar", fmt(m.calmar)],
    ["Max drawdown", dd ? `${fmt(dd.pct, 2, " %")} (${fmt(dd.amount)} ${q}) ${iso(dd.peakAt)} → ${iso(dd.troughAt)}` : "–"],
    ["Longest drawdown", durationText(m.longestDrawdownMs)],
    ["Exposure", fmt(m.exposurePct, 1, " %")],
    ["Trades per day", fmt(m.tradesPerDay)],
    ["Fees paid", `${fmt(s.feesPaid)} ${q}`],
    ...(s.fundingPaid !== undefined
      ? [
          ["Funding paid (− = received)", `${fmt(s.fundingPaid)} ${q}`],
          ["Liquidations", `${s.liquidations ?? 0}${s.liquidationFees ? ` (${fmt(s.liquidationFees)} ${q} maintenance margin lost)` : ""}`],
        ]
      : []),
    ["Signals / orders", `${s.signals} / ${s.orders}`],
    ["Risk denials", Object.keys(s.denials).length ? Object.entries(s.denials).map(([k, v]) => `${k} ${v}`).join(", ") : "none"],
    ["Trading state at end", s.tradingState],
  ];
  const trades = result.trades.slice(-lastTrades);
  const tradeRows: string[][] = [["Closed (UTC)", "Symbol", "Side", "Qty", "Entry", "Exit", "P&L", "P&L %", "Exit reason"]];
  for (const t of trades) {
    tradeRows.push([iso(t.closedAt), t.symbol, t.side, fmt(t.quantity, 5), fmt(t.entryPrice), fmt(t.exitPrice), fmt(t.pnl), fmt(t.pnlPct, 2, " %"), t.exitReason]);
  }
  const parts = [...header, "", table(rows, ["l", "r"]), ""];
  const breakers = result.notes.filter((n) => n.kind === "risk:breaker");
  if (breakers.length) {
    parts.push("Circuit breakers tripped (as they would live; nobody resets them during a backtest):");
    for (const b of breakers) parts.push(`  ${iso(b.at)} ${b.code}: ${b.message}`);
    parts.push("");
  }
  parts.push(trades.length ? `Last ${trades.length} of ${result.trades.length} trades` : "No closed trades");
  if (trades.length) parts.push(table(tradeRows, ["l", "l", "l", "r", "r", "r", "r", "r", "l"]));
  return `${parts.join("\n")}\n`;
}
