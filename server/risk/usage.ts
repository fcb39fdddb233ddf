import type { RiskLimits } from "../config/risk-limits";
import type { RiskMetrics } from "./metrics";
import type { RiskUsage } from "./types";

/** Ratios are capped so the value stays JSON-safe when a minimum faces a zero balance. */
const MAX_RATIO = 1000;

function round(n: number, dp: number): number {
  if (!Number.isFinite(n)) return 0;
  const f = 10 ** dp;
  return Math.round(n * f) / f;
}

function maxUsage(key: string, label: string, used: number, limit: number, unit: string, dp: number): RiskUsage {
  const ratio = limit > 0 ? used / limit : used > 0 ? MAX_RATIO : 1;
  return { key, label, used: round(used, dp), limit: round(limit, dp), unit, direction: "max", ratio: round(Math.min(ratio, MAX_RATIO), 4) };
}

function minUsage(key: string, label: string, used: number, limit: number, unit: string, dp: number): RiskUsage {
  const ratio = limit <= 0 ? 0 : used > 0 ? limit / used : MAX_RATIO;
  return { key, label, used: round(used, dp), limit: round(limit, dp), unit, direction: "min", ratio: round(Math.min(ratio, MAX_RATIO), 4) };
}

/** Current use of every limit for which "how much is used" means something. */
export function computeUsage(metrics: RiskMetrics, limits: Readonly<RiskLimits>, venueErrorsInWindow: number): RiskUsage[] {
  const { ctx } = metrics;
  const q = ctx.quoteCurrency;
  const equity = ctx.equity > 0 ? ctx.equity : 0;
  const pctOfEquity = (v: number) => (equity > 0 ? (v / equity) * 100 : 0);
  let largest = 0;
  for (const p of ctx.positions) largest = Math.max(largest, Math.abs(metrics.positionNotional(p)));
  return [
    maxUsage("openPositions", "Open positions", metrics.openPositionCount(), limits.maxOpenPositions, "positions", 0),
    maxUsage("largestPosition", "Largest position", pctOfEquity(largest), limits.maxPositionPctEquity, "% of equity", 2),
    maxUsage("dailyLoss", "Daily loss", Math.max(0, -metrics.dayPnl()), metrics.dayLossLimitQuote(), q, 2),
    maxUsage("weeklyLoss", "Weekly loss", Math.max(0, -metrics.weekPnl()), metrics.weekLossLimitQuote(), q, 2),
    maxUsage("drawdown", "Drawdown from peak", metrics.drawdownPct(), limits.maxDrawdownPct, "%", 2),
    maxUsage("portfolioHeat", "Portfolio heat", pctOfEquity(metrics.heat()), limits.maxPortfolioHeatPct, "% of equity", 2),
    maxUsage("leverage", "Leverage", equity > 0 ? metrics.exposure() / equity : 0, limits.maxLeverage, "×", 4),
    maxUsage("tradesToday", "Trades today", metrics.entriesToday(), limits.maxTradesPerDay, "trades", 0),
    maxUsage("consecutiveLosses", "Consecutive losses", metrics.lossStreak(), limits.maxConsecutiveLosses, "losses", 0),
    maxUsage("venueErrors", "Venue errors in window", venueErrorsInWindow, limits.venueErrorBreakerCount, "errors", 0),
    minUsage("stablecoinReserve", `${q} reserve`, pctOfEquity(ctx.freeQuote), limits.stablecoinReservePct, "% of equity", 2),
    minUsage("accountBalance", "Free balance", ctx.freeQuote, limits.minAccountBalance, q, 2),
  ];
}
