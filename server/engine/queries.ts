import { z } from "zod";
import { AppError, notFound } from "../core/errors";
import { sumMoney } from "../core/decimal";
import { toCsv } from "../core/csv";
import { num, optNum } from "../db/repositories/convert";
import { fillFromRow, orderFromRow } from "../db/repositories/order-store";
import type { Prisma, PrismaClient } from "../db/generated/client";
import { TIMEFRAMES, type ClosedTrade, type KernelMode, type Timeframe } from "../model/types";
import { computeMetrics, drawdownSeries, tradePnlBuckets, type TradeStats } from "../portfolio/metrics";
import { candleDto, orderBookDto, positionDto } from "./dto";
import { RISK_LIMIT_TIGHTER } from "../config/risk-limits";
import { RISK_LIMIT_TIGHTER_EXTRA } from "../risk/limits";
import type { EngineRuntime } from "./runtime";

/**
 * Read side of the API: what route handlers return. Live state comes from the kernel (positions,
 * marks, trading state); history comes from the database.
 */

const MODES = ["ghost", "paper", "live"] as const;
export const modeSchema = z.enum(MODES);

function modeOr(engine: EngineRuntime, mode: string | undefined): KernelMode {
  if (mode === undefined || mode === "") return engine.kernel.mode;
  return modeSchema.parse(mode);
}

export async function getStatus(engine: EngineRuntime, prisma: PrismaClient) {
  const account = engine.kernel.activeAccount;
  const ledger = account.ledger;
  const now = engine.clock.now();
  // "Today" is the risk calendar's day (limits.timeZone), the same day the daily loss limit counts.
  const dayStart = account.risk.calendar.day(now).start;
  const equity = ledger.equity();
  const firstToday = await prisma.equitySnapshot.findFirst({
    where: { mode: account.mode, timestamp: { gte: new Date(dayStart) } },
    orderBy: { timestamp: "asc" },
  });
  const twentyFourHoursAgo = await prisma.equitySnapshot.findFirst({
    where: { mode: account.mode, timestamp: { lte: new Date(now - 86_400_000) } },
    orderBy: { timestamp: "desc" },
  });
  const startOfDayEquity = firstToday ? num(firstToday.equity) : ledger.startingCash;
  const equity24hAgo = twentyFourHoursAgo ? num(twentyFourHoursAgo.equity) : ledger.startingCash;
  const streams = engine.market.status();
  const feedState = streams.length === 0 ? "connecting" : streams.some((s) => s.state === "down") ? "down" : streams.some((s) => s.state !== "live") ? "reconnecting" : "live";
  const ages = streams.map((s) => s.lastMessageAgeMs).filter((a): a is number => a !== undefined);
  const lastMessageAgeMs = ages.length ? Math.min(...ages) : null;
  return {
    mode: engine.kernel.mode,
    venue: { ...engine.venue },
    tradingState: account.tradingState,
    tradingStateReason: account.tradingStateReason,
    equity,
    cash: ledger.cash,
    realizedPnl: ledger.realizedPnl,
    unrealizedPnl: ledger.unrealizedPnl(),
    todayPnl: equity - startOfDayEquity,
    change24hPct: equity24hAgo > 0 ? ((equity - equity24hAgo) / equity24hAgo) * 100 : null,
    quoteCurrency: ledger.quoteCurrency,
    feed: { state: feedState, lastMessageAgeMs },
    reconciliation: engine.reconciliation,
    liveArmed: engine.kernel.accounts.has("live"),
    marketTime: now,
    startedAt: engine.startedAt,
    exitAlarms: engine.kernel.exitAlarms(),
  };
}

/** GET /api/exit-alarms: positions the bot tried and failed to get out of, every mode. */
export function getExitAlarms(engine: EngineRuntime) {
  return { alarms: engine.kernel.exitAlarms() };
}

export function getSymbols(engine: EngineRuntime) {
  return [...engine.instruments.values()].map((i) => {
    const ticker = engine.market.lastTicker(i.symbol);
    return { symbol: i.symbol, base: i.base, quote: i.quote, last: ticker?.last ?? null, change24hPct: ticker?.changePct24h ?? null, simulated: engine.venue.simulated, tickSize: i.tickSize, stepSize: i.stepSize };
  });
}

export const candlesQuery = z.object({
  symbol: z.string().min(1),
  timeframe: z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]).default("1m"),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

function requireSymbol(engine: EngineRuntime, symbol: string) {
  if (!engine.instruments.has(symbol)) throw new AppError("UNKNOWN_SYMBOL", `unknown symbol ${symbol}: use one of ${[...engine.instruments.keys()].join(", ")}`, 404);
}

export async function getCandles(engine: EngineRuntime, q: z.infer<typeof candlesQuery>) {
  requireSymbol(engine, q.symbol);
  let candles = engine.market.recentCandles(q.symbol, q.timeframe, q.limit);
  if (candles.length < q.limit) {
    const stored = await engine.candleStore.loadLatest(q.symbol, q.timeframe, q.limit);
    const newest = candles[0]?.openTime ?? Number.POSITIVE_INFINITY;
    candles = [...stored.filter((c) => c.openTime < newest), ...candles].slice(-q.limit);
  }
  const forming = engine.market.formingCandle(q.symbol, q.timeframe);
  const out = candles.map(candleDto);
  if (forming && (!candles.length || forming.openTime > candles[candles.length - 1].openTime)) out.push(candleDto(forming));
  return { symbol: q.symbol, timeframe: q.timeframe, simulated: engine.venue.simulated, candles: out };
}

export const orderBookQuery = z.object({ symbol: z.string().min(1), depth: z.coerce.number().int().min(1).max(100).default(20) });

export function getOrderBook(engine: EngineRuntime, q: z.infer<typeof orderBookQuery>) {
  requireSymbol(engine, q.symbol);
  const book = engine.market.lastOrderBook(q.symbol);
  if (!book) throw new AppError("NO_ORDER_BOOK_YET", `no order book received for ${q.symbol} yet`, 503);
  return orderBookDto(book, q.depth, engine.venue.simulated);
}

export function listPositions(engine: EngineRuntime, mode?: string) {
  const account = engine.kernel.accounts.get(modeOr(engine, mode));
  if (!account) return [];
  return account.ledger.positions().map((p) => positionDto({ ...p, status: "open" }, engine));
}

export const ordersQuery = z.object({
  status: z.enum(["open", "all"]).default("all"),
  mode: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export async function listOrders(engine: EngineRuntime, prisma: PrismaClient, q: z.infer<typeof ordersQuery>) {
  const where: Prisma.OrderWhereInput = { mode: modeOr(engine, q.mode) };
  if (q.status === "open") where.status = { in: ["new", "submitted", "partially_filled"] };
  const rows = await prisma.order.findMany({ where, orderBy: { createdAt: "desc" }, take: q.limit, include: { fills: { orderBy: { seq: "asc" } } } });
  return rows.map((r) => ({ ...orderFromRow(r), fills: r.fills.map(fillFromRow) }));
}

export const tradesQuery = z.object({
  mode: z.string().optional(),
  symbol: z.string().optional(),
  side: z.enum(["long", "short"]).optional(),
  strategy: z.string().optional(),
  result: z.enum(["win", "loss"]).optional(),
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  sort: z.enum(["closedAt", "pnl", "pnlPct", "symbol"]).default("closedAt"),
  order: z.enum(["asc", "desc"]).default("desc"),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

function tradeWhere(engine: EngineRuntime, q: z.infer<typeof tradesQuery>): Prisma.TradeWhereInput {
  const where: Prisma.TradeWhereInput = { mode: modeOr(engine, q.mode) };
  if (q.symbol) where.symbol = q.symbol;
  if (q.side) where.side = q.side;
  if (q.strategy) where.strategyInstanceId = q.strategy;
  if (q.result === "win") where.pnl = { gt: 0 };
  if (q.result === "loss") where.pnl = { lte: 0 };
  if (q.from !== undefined || q.to !== undefined) where.closedAt = { gte: q.from !== undefined ? new Date(q.from) : undefined, lte: q.to !== undefined ? new Date(q.to) : undefined };
  return where;
}

type TradeRow = Awaited<ReturnType<PrismaClient["trade"]["findMany"]>>[number];
export function tradeFromRow(r: TradeRow) {
  return {
    id: r.id,
    positionId: r.positionId,
    mode: r.mode as KernelMode,
    symbol: r.symbol,
    side: r.side,
    quantity: num(r.quantity),
    entryPrice: num(r.entryPrice),
    exitPrice: num(r.exitPrice),
    pnl: num(r.pnl),
    pnlPct: num(r.pnlPct),
    fees: num(r.fees),
    openedAt: r.openedAt.getTime(),
    closedAt: r.closedAt.getTime(),
    exitReason: r.exitReason as ClosedTrade["exitReason"],
    entryReason: r.entryReason,
    exitReasonText: r.exitReasonText,
    strategyInstanceId: r.strategyInstanceId ?? undefined,
    signalId: r.signalId ?? null,
  };
}

export async function listTrades(engine: EngineRuntime, prisma: PrismaClient, q: z.infer<typeof tradesQuery>) {
  const where = tradeWhere(engine, q);
  const [total, rows] = await Promise.all([
    prisma.trade.count({ where }),
    prisma.trade.findMany({ where, orderBy: [{ [q.sort]: q.order }, { id: q.order }], skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
  ]);
  return { items: rows.map(tradeFromRow), total, page: q.page, pageSize: q.pageSize };
}

export async function exportTrades(engine: EngineRuntime, prisma: PrismaClient, q: z.infer<typeof tradesQuery>, format: "csv" | "json"): Promise<Response> {
  const rows = (await prisma.trade.findMany({ where: tradeWhere(engine, q), orderBy: [{ [q.sort]: q.order }, { id: q.order }], take: 100_000 })).map(tradeFromRow);
  const stamp = new Date().toISOString().slice(0, 10);
  if (format === "json") {
    return new Response(JSON.stringify(rows, null, 2), {
      headers: { "Content-Type": "application/json", "Content-Disposition": `attachment; filename="tradekeel-trades-${stamp}.json"` },
    });
  }
  const columns = ["id", "mode", "symbol", "side", "quantity", "entryPrice", "exitPrice", "pnl", "pnlPct", "fees", "openedAt", "closedAt", "exitReason", "entryReason", "exitReasonText", "strategyInstanceId"] as const;
  return new Response(toCsv(columns, rows), {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="tradekeel-trades-${stamp}.csv"` },
  });
}

export async function getTrade(prisma: PrismaClient, id: string) {
  const row = await prisma.trade.findUnique({ where: { id } });
  if (!row) throw notFound(`trade ${id}`);
  const ids = [row.entryOrderId, row.exitOrderId].filter((x): x is string => !!x);
  const orders = await prisma.order.findMany({ where: { clientOrderId: { in: ids } }, include: { fills: { orderBy: { seq: "asc" } } }, orderBy: { createdAt: "asc" } });
  const signal = row.signalId ? await prisma.signal.findUnique({ where: { id: row.signalId } }) : null;
  const entry = orders.find((o) => o.clientOrderId === row.entryOrderId);
  return {
    trade: tradeFromRow(row),
    orders: orders.map((o) => ({ ...orderFromRow(o), fills: o.fills.map(fillFromRow) })),
    signal: signal ? signalFromRow(signal) : null,
    riskChecks: (entry?.riskChecks as Array<{ check: string; code: string; message: string }> | null) ?? [],
  };
}

type SignalRow = Awaited<ReturnType<PrismaClient["signal"]["findMany"]>>[number];
function signalFromRow(r: SignalRow) {
  return {
    id: r.id,
    mode: r.mode,
    timestamp: r.timestamp.getTime(),
    strategyInstanceId: r.strategyInstanceId,
    symbol: r.symbol,
    timeframe: r.timeframe,
    action: r.action,
    price: num(r.price),
    reason: r.reason,
    data: r.data,
    outcome: r.outcome,
    exitPrice: optNum(r.exitPrice) ?? null,
    outcomePct: optNum(r.outcomePct) ?? null,
    outcomeAt: r.outcomeAt?.getTime() ?? null,
  };
}

export const signalsQuery = z.object({ mode: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });

export async function listSignals(engine: EngineRuntime, prisma: PrismaClient, q: z.infer<typeof signalsQuery>) {
  const rows = await prisma.signal.findMany({ where: { mode: modeOr(engine, q.mode) }, orderBy: { timestamp: "desc" }, take: q.limit });
  return rows.map(signalFromRow);
}

export async function signalStats(engine: EngineRuntime, prisma: PrismaClient, mode?: string) {
  const rows = await prisma.signal.findMany({ where: { mode: modeOr(engine, mode), action: { startsWith: "enter" } }, select: { outcome: true, outcomePct: true } });
  const closed = rows.filter((r) => r.outcome === "win" || r.outcome === "loss");
  const wins = closed.filter((r) => r.outcome === "win").map((r) => num(r.outcomePct));
  const losses = closed.filter((r) => r.outcome === "loss").map((r) => num(r.outcomePct));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const avg = (xs: number[]) => (xs.length ? sum(xs) / xs.length : null);
  return {
    total: rows.length,
    closed: closed.length,
    wins: wins.length,
    losses: losses.length,
    accuracy: closed.length ? (wins.length / closed.length) * 100 : null,
    avgWinPct: avg(wins),
    avgLossPct: avg(losses),
    expectancyPct: closed.length ? sum([...wins, ...losses]) / closed.length : null,
    profitFactor: losses.length && sum(losses) !== 0 ? sum(wins) / Math.abs(sum(losses)) : null,
  };
}

export const equityQuery = z.object({
  mode: z.string().optional(),
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  limit: z.coerce.number().int().min(1).max(20_000).default(5000),
});

export async function listEquity(engine: EngineRuntime, prisma: PrismaClient, q: z.infer<typeof equityQuery>) {
  const rows = await prisma.equitySnapshot.findMany({
    where: { mode: modeOr(engine, q.mode), timestamp: { gte: q.from !== undefined ? new Date(q.from) : undefined, lte: q.to !== undefined ? new Date(q.to) : undefined } },
    orderBy: { timestamp: "desc" },
    take: q.limit,
  });
  return rows.reverse().map((r) => ({ timestamp: r.timestamp.getTime(), equity: num(r.equity), cash: num(r.cash), realizedPnl: num(r.realizedPnl), unrealizedPnl: num(r.unrealizedPnl) }));
}

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

export async function getPerformance(engine: EngineRuntime, prisma: PrismaClient, mode?: string) {
  const m = modeOr(engine, mode);
  const [tradeRows, equity] = await Promise.all([
    prisma.trade.findMany({ where: { mode: m }, orderBy: { closedAt: "asc" } }),
    listEquity(engine, prisma, { mode: m, limit: 20_000 }),
  ]);
  const trades = tradeRows.map(tradeFromRow) as unknown as ClosedTrade[];
  const account = engine.kernel.accounts.get(m);
  const curve = equity.map((e) => ({ timestamp: e.timestamp, equity: e.equity }));
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

export const riskEventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), kind: z.string().optional(), mode: z.string().optional() });

export async function listRiskEvents(engine: EngineRuntime, prisma: PrismaClient, q: z.infer<typeof riskEventsQuery>) {
  const rows = await prisma.riskEvent.findMany({
    where: { mode: q.mode ? modeSchema.parse(q.mode) : undefined, kind: q.kind || undefined },
    orderBy: { timestamp: "desc" },
    take: q.limit,
  });
  return rows.map((r) => ({ id: r.id, mode: r.mode, timestamp: r.timestamp.getTime(), kind: r.kind, code: r.code, severity: r.severity, message: r.message, data: r.data }));
}

export function getRisk(engine: EngineRuntime, mode?: string) {
  const account = engine.kernel.accounts.get(modeOr(engine, mode));
  if (!account) throw new AppError("MODE_UNAVAILABLE", `mode ${mode} is not configured`, 404);
  return {
    mode: account.mode,
    tradingState: account.tradingState,
    reason: account.tradingStateReason,
    latches: account.risk.latches,
    limits: account.risk.limits,
    /** Which direction tightens each limit: the Risk page's form only offers those moves. */
    tighter: { ...RISK_LIMIT_TIGHTER, ...RISK_LIMIT_TIGHTER_EXTRA },
    usage: account.risk.getUsage(account.riskContext()),
  };
}

export async function getSystem(engine: EngineRuntime, db: { kind: string; ping(): Promise<{ ok: boolean; latencyMs?: number }> }) {
  const mem = process.memoryUsage();
  const ping = await db.ping();
  const streams = engine.market.status();
  const lastCandleAgeMs: Record<string, number | null> = {};
  const now = engine.clock.now();
  for (const symbol of engine.symbols) {
    const last = engine.market.recentCandles(symbol, "1m", 1)[0];
    lastCandleAgeMs[symbol] = last ? now - (last.openTime + 60_000) : null;
  }
  return {
    uptimeS: Math.round((Date.now() - engine.startedAt) / 1000),
    memory: { rssMb: Math.round(mem.rss / 1048576), heapUsedMb: Math.round(mem.heapUsed / 1048576) },
    db: { kind: db.kind, ok: ping.ok, latencyMs: ping.latencyMs ?? null },
    feed: { streams, lastCandleAgeMs },
    venue: { ...engine.venue, errors: engine.venueErrors.slice(-20), orderLatencyMs: engine.orderLatencyMs() },
    engine: { ...engine.kernel.stats, marketTime: now, simulatorSpeed: engine.venue.simulated ? engine.config.simulator.speed : null },
    persistence: { pending: engine.persistence.pending, lastError: engine.persistence.lastError },
  };
}
