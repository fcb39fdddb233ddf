import type { Prisma, PrismaClient } from "../generated/client";
import type { ClosedTrade, KernelMode } from "../../model/types";
import { num, optNum } from "./convert";
import { fillFromRow, orderFromRow } from "./order-store";
import type { SignalExecution } from "../../engine";

/**
 * The read side of what the engine stored: trades, orders with their fills, signals, equity points
 * and risk events. The application layer (server/application) asks these; nothing else sees Prisma.
 */

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
export type TradeRecord = ReturnType<typeof tradeFromRow>;

export interface TradeFilter {
  mode: KernelMode;
  symbol?: string;
  side?: "long" | "short";
  strategy?: string;
  result?: "win" | "loss";
  from?: number;
  to?: number;
}
export interface TradeSort {
  sort: "closedAt" | "pnl" | "pnlPct" | "symbol";
  order: "asc" | "desc";
}

function tradeWhere(f: TradeFilter): Prisma.TradeWhereInput {
  const where: Prisma.TradeWhereInput = { mode: f.mode };
  if (f.symbol) where.symbol = f.symbol;
  if (f.side) where.side = f.side;
  if (f.strategy) where.strategyInstanceId = f.strategy;
  if (f.result === "win") where.pnl = { gt: 0 };
  if (f.result === "loss") where.pnl = { lte: 0 };
  if (f.from !== undefined || f.to !== undefined) where.closedAt = { gte: f.from !== undefined ? new Date(f.from) : undefined, lte: f.to !== undefined ? new Date(f.to) : undefined };
  return where;
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
    /** docs/api.md issue 21 (signals.execution): null until the engine has acted on it. */
    execution: r.executionStatus
      ? { status: r.executionStatus as SignalExecution["status"], code: r.executionCode, message: r.executionMessage, clientOrderId: r.executionOrderId }
      : null,
  };
}
export type SignalRecord = ReturnType<typeof signalFromRow>;

export class TradeRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async page(filter: TradeFilter, sort: TradeSort, page: number, pageSize: number): Promise<{ items: TradeRecord[]; total: number }> {
    const where = tradeWhere(filter);
    const [total, rows] = await Promise.all([
      this.prisma.trade.count({ where }),
      this.prisma.trade.findMany({ where, orderBy: [{ [sort.sort]: sort.order }, { id: sort.order }], skip: (page - 1) * pageSize, take: pageSize }),
    ]);
    return { items: rows.map(tradeFromRow), total };
  }

  /**
   * Totals over every trade matching the filter (not one page), summed by the database on its NUMERIC
   * columns (exact, no floating point): P&L, fees, wins (pnl > 0) and losses (pnl <= 0), as the result filter counts them.
   */
  async totals(filter: TradeFilter): Promise<{ pnl: number; fees: number; wins: number; losses: number }> {
    const where = tradeWhere(filter);
    const [sums, wins, losses] = await Promise.all([
      this.prisma.trade.aggregate({ where, _sum: { pnl: true, fees: true } }),
      this.prisma.trade.count({ where: { AND: [where, { pnl: { gt: 0 } }] } }),
      this.prisma.trade.count({ where: { AND: [where, { pnl: { lte: 0 } }] } }),
    ]);
    return { pnl: optNum(sums._sum.pnl) ?? 0, fees: optNum(sums._sum.fees) ?? 0, wins, losses };
  }

  async all(filter: TradeFilter, sort: TradeSort, limit: number): Promise<TradeRecord[]> {
    return (await this.prisma.trade.findMany({ where: tradeWhere(filter), orderBy: [{ [sort.sort]: sort.order }, { id: sort.order }], take: limit })).map(tradeFromRow);
  }

  /** Every trade of a mode, oldest close first (performance). */
  async ofMode(mode: KernelMode): Promise<TradeRecord[]> {
    return (await this.prisma.trade.findMany({ where: { mode }, orderBy: { closedAt: "asc" } })).map(tradeFromRow);
  }

  async ofSession(sessionId: string): Promise<TradeRecord[]> {
    return (await this.prisma.trade.findMany({ where: { sessionId }, orderBy: { closedAt: "asc" } })).map(tradeFromRow);
  }

  /** One trade with its entry and exit orders (and their fills), its signal and the entry's risk checks. */
  async detail(id: string) {
    const row = await this.prisma.trade.findUnique({ where: { id } });
    if (!row) return null;
    const ids = [row.entryOrderId, row.exitOrderId].filter((x): x is string => !!x);
    const orders = await this.prisma.order.findMany({ where: { clientOrderId: { in: ids } }, include: { fills: { orderBy: { seq: "asc" } } }, orderBy: { createdAt: "asc" } });
    const signal = row.signalId ? await this.prisma.signal.findUnique({ where: { id: row.signalId } }) : null;
    const entry = orders.find((o) => o.clientOrderId === row.entryOrderId);
    return {
      trade: tradeFromRow(row),
      orders: orders.map((o) => ({ ...orderFromRow(o), fills: o.fills.map(fillFromRow) })),
      signal: signal ? signalFromRow(signal) : null,
      riskChecks: (entry?.riskChecks as Array<{ check: string; code: string; message: string }> | null) ?? [],
    };
  }
}

export class OrderHistoryRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(mode: KernelMode, status: "open" | "all", limit: number) {
    const where: Prisma.OrderWhereInput = { mode };
    if (status === "open") where.status = { in: ["new", "submitted", "partially_filled"] };
    const rows = await this.prisma.order.findMany({ where, orderBy: { createdAt: "desc" }, take: limit, include: { fills: { orderBy: { seq: "asc" } } } });
    return rows.map((r) => ({ ...orderFromRow(r), fills: r.fills.map(fillFromRow) }));
  }

  /** One stored order by its client order id (any mode), or null. */
  async get(clientOrderId: string) {
    const row = await this.prisma.order.findUnique({ where: { clientOrderId } });
    return row ? orderFromRow(row) : null;
  }
}

export class SignalRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async latest(mode: KernelMode, limit: number): Promise<SignalRecord[]> {
    return (await this.prisma.signal.findMany({ where: { mode }, orderBy: { timestamp: "desc" }, take: limit })).map(signalFromRow);
  }

  /** Outcome and outcome % of every entry signal of a mode. */
  async entryOutcomes(mode: KernelMode): Promise<Array<{ outcome: string | null; outcomePct: number }>> {
    const rows = await this.prisma.signal.findMany({ where: { mode, action: { startsWith: "enter" } }, select: { outcome: true, outcomePct: true } });
    return rows.map((r) => ({ outcome: r.outcome, outcomePct: num(r.outcomePct) }));
  }
}

export interface EquityPoint {
  timestamp: number;
  equity: number;
  cash: number;
  realizedPnl: number;
  unrealizedPnl: number;
}

export class EquityRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The newest `limit` points in [from, to], oldest first. */
  async range(mode: KernelMode, from: number | undefined, to: number | undefined, limit: number): Promise<EquityPoint[]> {
    const rows = await this.prisma.equitySnapshot.findMany({
      where: { mode, timestamp: { gte: from !== undefined ? new Date(from) : undefined, lte: to !== undefined ? new Date(to) : undefined } },
      orderBy: { timestamp: "desc" },
      take: limit,
    });
    return rows.reverse().map((r) => ({ timestamp: r.timestamp.getTime(), equity: num(r.equity), cash: num(r.cash), realizedPnl: num(r.realizedPnl), unrealizedPnl: num(r.unrealizedPnl) }));
  }

  async firstSince(mode: KernelMode, at: number): Promise<number | null> {
    const row = await this.prisma.equitySnapshot.findFirst({ where: { mode, timestamp: { gte: new Date(at) } }, orderBy: { timestamp: "asc" } });
    return row ? num(row.equity) : null;
  }

  async lastBefore(mode: KernelMode, at: number): Promise<number | null> {
    const row = await this.prisma.equitySnapshot.findFirst({ where: { mode, timestamp: { lte: new Date(at) } }, orderBy: { timestamp: "desc" } });
    return row ? num(row.equity) : null;
  }
}

export class RiskEventRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async latest(filter: { mode?: KernelMode; kind?: string }, limit: number) {
    const rows = await this.prisma.riskEvent.findMany({ where: { mode: filter.mode, kind: filter.kind || undefined }, orderBy: { timestamp: "desc" }, take: limit });
    return rows.map((r) => ({ id: r.id, mode: r.mode, timestamp: r.timestamp.getTime(), kind: r.kind, code: r.code, severity: r.severity, message: r.message, data: r.data }));
  }
}
