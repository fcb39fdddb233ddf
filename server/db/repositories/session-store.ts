import type { PrismaClient } from "../generated/client";

/** A stored trading session (trading_sessions). */
export interface SessionRecord {
  id: string;
  mode: string;
  status: string;
  config: unknown;
  startedAt: number;
  endsAt: number;
  endedAt: number | null;
  endReason: string | null;
  report: unknown;
}

type Row = Awaited<ReturnType<PrismaClient["tradingSession"]["findMany"]>>[number];

function fromRow(r: Row): SessionRecord {
  return {
    id: r.id,
    mode: r.mode,
    status: r.status,
    config: r.config,
    startedAt: r.startedAt.getTime(),
    endsAt: r.endsAt.getTime(),
    endedAt: r.endedAt?.getTime() ?? null,
    endReason: r.endReason,
    report: r.report,
  };
}

export class SessionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async running(): Promise<SessionRecord[]> {
    return (await this.prisma.tradingSession.findMany({ where: { status: "running" } })).map(fromRow);
  }

  async get(id: string): Promise<SessionRecord | null> {
    const row = await this.prisma.tradingSession.findUnique({ where: { id } });
    return row ? fromRow(row) : null;
  }

  async latest(limit: number): Promise<SessionRecord[]> {
    return (await this.prisma.tradingSession.findMany({ orderBy: { startedAt: "desc" }, take: limit })).map(fromRow);
  }

  async create(input: { id: string; mode: string; config: object; startedAt: number; endsAt: number }): Promise<void> {
    await this.prisma.tradingSession.create({
      data: { id: input.id, mode: input.mode, status: "running", config: input.config, startedAt: new Date(input.startedAt), endsAt: new Date(input.endsAt) },
    });
  }

  async end(id: string, input: { endedAt: number; endReason: string; report: object }): Promise<void> {
    await this.prisma.tradingSession.update({ where: { id }, data: { status: "ended", endedAt: new Date(input.endedAt), endReason: input.endReason, report: input.report } });
  }

  /** Realized P&L of a session's closed trades. */
  async realizedPnl(id: string): Promise<number> {
    const agg = await this.prisma.trade.aggregate({ where: { sessionId: id }, _sum: { pnl: true } });
    return agg._sum.pnl ? agg._sum.pnl.toNumber() : 0;
  }
}
