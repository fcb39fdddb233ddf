import { z } from "zod";
import { sumMoney } from "../core/decimal";
import type { ClosedTrade } from "../model/types";
import { computeMetrics, drawdownSeries, tradePnlBuckets, type TradeStats } from "../portfolio/metrics";
import { modeOr, type UseCaseDeps } from "./context";

/** The equity curve and the performance figures (overall, per strategy, per symbol, by day and hour). */

export const equityQuery = z.object({
  mode: z.string().optional(),
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  limit: z.coerce.number().int().min(1).max(20_000).default(5000),
});

function metricsDto(m: TradeStats & Partial<{ sharpe: number | null; sortino: number | null; maxDrawdown: { pct: number; amount: number } | null }>) {
  return {
    trades: m.trades,
    winRate: m.winRatePct,
    profitFactor: m.profitFactor,
    profitFactorInfinite: m.profitFactorInfinite,
    sharpe: m.sharpe ?? null,
    sortino: m.sortino ?? null,
    maxDrawdownPct: m.maxDrawdown?.pct ?? null,
    maxDrawdown: m.maxDrawdown?.amount ?? null,
    expectancy: m.expectancy,
    avgWin: m.avgWin,
    avgLoss: m.avgLoss,
    totalPnl: m.netProfit,
    fees: m.feesPaid,
  };
}

/** Realized P&L by local hour of day (0-23): when in the day the strategies make or lose money. */
function pnlByHourOfDay(buckets: ReadonlyArray<{ label: string; pnl: number; trades: number }>) {
  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, pnl: 0, trades: 0 }));
  for (const b of buckets) {
    const hour = Number.parseInt(b.label.slice(11, 13), 10);
    if (hour >= 0 && hour < 24) {
      hours[hour].pnl = sumMoney([hours[hour].pnl, b.pnl]);
      hours[hour].trades += b.trades;
    }
  }
  return hours.filter((h) => h.trades > 0);
}

export function performanceUseCases({ engine, repos }: UseCaseDeps) {
  const equity = (q: z.infer<typeof equityQuery>) => repos.equity.range(modeOr(engine, q.mode), q.from, q.to, q.limit);
  return {
    equity,

    async performance(mode?: string) {
      const m = modeOr(engine, mode);
      const [tradeRows, points] = await Promise.all([repos.trades.ofMode(m), equity({ mode: m, limit: 20_000 })]);
      const trades = tradeRows as unknown as ClosedTrade[];
      const account = engine.kernel.accounts.get(m);
      const curve = points.map((e) => ({ timestamp: e.timestamp, equity: e.equity }));
      if (account) curve.push({ timestamp: engine.clock.now(), equity: account.ledger.equity() });
      const tz = engine.config.risk.timeZone;
      const metrics = computeMetrics({ trades, equity: curve.length >= 2 ? curve : [], periodMs: 3_600_000, periodsPerYear: 24 * 365 });
      return {
        overall: metricsDto(metrics),
        byStrategy: Object.fromEntries(Object.entries(metrics.byStrategy).map(([k, v]) => [k, metricsDto(v)])),
        bySymbol: Object.fromEntries(Object.entries(metrics.bySymbol).map(([k, v]) => [k, metricsDto(v)])),
        daily: tradePnlBuckets(trades, "day", tz).map((b) => ({ day: b.label, start: b.start, pnl: b.pnl, trades: b.trades })),
        hourly: pnlByHourOfDay(tradePnlBuckets(trades, "hour", tz)),
        drawdown: drawdownSeries(curve).map((d) => ({ timestamp: d.timestamp, drawdownPct: d.drawdownPct })),
      };
    },
  };
}
