import type { EquityPointDto, MetricsDto, PerformanceDto } from "../contract";
import { z } from "zod";
import { sumMoney } from "../core/decimal";
import type { ClosedTrade } from "../model/types";
import { computeMetrics, drawdownSeries, tradePnlBuckets, type TradeStats } from "../portfolio";
import { notFound } from "../core/errors";
import { modeOr, type UseCaseDeps } from "./context";

/** The equity curve and the performance figures (overall, per strategy, per symbol, by day and hour). */

export const equityQuery = z.object({
  mode: z.string().optional(),
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  limit: z.coerce.number().int().min(1).max(20_000).default(5000),
  /** A strategy instance id: that instance's own curve (its capital plus its realized P&L, marked at the end). */
  strategy: z.string().trim().min(1).max(64).optional(),
});

export const performanceQuery = z.object({
  mode: z.string().optional(),
  /** A strategy instance id: its trades only, and its own curve for the drawdown and ratios. */
  strategy: z.string().trim().min(1).max(64).optional(),
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
  } satisfies MetricsDto;
}

/** A metrics row with the futures funding total, when there is one (spot rows stay as they were). */
function withFunding(m: MetricsDto, fundingPaid: number | undefined): MetricsDto {
  return fundingPaid === undefined ? m : { ...m, fundingPaid };
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
  /**
   * One instance's curve: its capital plus its realized P&L after each of its trades, and a last point
   * now with its open positions' unrealized P&L (account snapshots cannot be split between instances).
   */
  const instanceEquity = async (mode: ReturnType<typeof modeOr>, id: string, from: number | undefined, to: number | undefined, limit: number) => {
    const [row, all] = await Promise.all([repos.strategies.get(id), repos.trades.ofMode(mode)]);
    const trades = all.filter((t) => t.strategyInstanceId === id);
    if (!row && trades.length === 0) throw notFound(`strategy instance ${id}`);
    const capital = row?.capital ?? 0;
    const points: EquityPointDto[] = [];
    let realized = 0;
    for (const t of trades) {
      realized = sumMoney([realized, t.pnl]);
      const equity = sumMoney([capital, realized]);
      points.push({ timestamp: t.closedAt, equity, cash: equity, realizedPnl: realized, unrealizedPnl: 0 });
    }
    const open = engine.kernel.accounts.get(mode)?.ledger.positions().filter((p) => p.strategyInstanceId === id) ?? [];
    const unrealized = sumMoney(open.map((p) => p.unrealizedPnl));
    points.push({ timestamp: engine.clock.now(), equity: sumMoney([capital, realized, unrealized]), cash: sumMoney([capital, realized]), realizedPnl: realized, unrealizedPnl: unrealized });
    const inRange = points.filter((p) => (from === undefined || p.timestamp >= from) && (to === undefined || p.timestamp <= to));
    return inRange.slice(Math.max(0, inRange.length - limit));
  };
  /** `GET /api/equity`: the account's stored curve, or one instance's rebuilt from its trades. */
  const equity = (q: z.infer<typeof equityQuery>): Promise<EquityPointDto[]> =>
    q.strategy ? instanceEquity(modeOr(engine, q.mode), q.strategy, q.from, q.to, q.limit) : repos.equity.range(modeOr(engine, q.mode), q.from, q.to, q.limit);
  return {
    equity,

    async performance(mode?: string, strategy?: string) {
      const m = modeOr(engine, mode);
      const [tradeRows, points] = await Promise.all([repos.trades.ofMode(m), equity({ mode: m, limit: 20_000, strategy })]);
      const trades = (strategy ? tradeRows.filter((t) => t.strategyInstanceId === strategy) : tradeRows) as unknown as ClosedTrade[];
      const account = engine.kernel.accounts.get(m);
      const curve = points.map((e) => ({ timestamp: e.timestamp, equity: e.equity }));
      // The instance's curve already ends now, marked; the account's gets its live equity.
      if (account && !strategy) curve.push({ timestamp: engine.clock.now(), equity: account.ledger.equity() });
      const tz = engine.config.risk.timeZone;
      const metrics = computeMetrics({ trades, equity: curve.length >= 2 ? curve : [], periodMs: 3_600_000, periodsPerYear: 24 * 365 });
      // Futures: net funding from the ledger (absent for spot and until a payment is booked).
      const attribution = account?.ledger.attribution();
      const overallFunding = strategy ? attribution?.byStrategy[strategy]?.fundingPaid : account?.ledger.summary().fundingPaid;
      return {
        overall: withFunding(metricsDto(metrics), overallFunding),
        byStrategy: Object.fromEntries(Object.entries(metrics.byStrategy).map(([k, v]) => [k, withFunding(metricsDto(v), attribution?.byStrategy[k]?.fundingPaid)])),
        bySymbol: Object.fromEntries(
          Object.entries(metrics.bySymbol).map(([k, v]) => [k, withFunding(metricsDto(v), strategy ? undefined : attribution?.bySymbol[k]?.fundingPaid)]),
        ),
        daily: tradePnlBuckets(trades, "day", tz).map((b) => ({ day: b.label, start: b.start, pnl: b.pnl, trades: b.trades })),
        hourly: pnlByHourOfDay(tradePnlBuckets(trades, "hour", tz)),
        drawdown: drawdownSeries(curve).map((d) => ({ timestamp: d.timestamp, drawdownPct: d.drawdownPct })),
      } satisfies PerformanceDto;
    },
  };
}
