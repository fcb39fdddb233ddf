import type { PrismaClient } from "../generated/client";
import type { Timeframe } from "../../model/types";
import { num } from "./convert";

/** A stored strategy instance (strategy_instances). */
export interface StrategyRecord {
  id: string;
  name: string;
  kind: string;
  params: unknown;
  symbols: string[];
  timeframe: Timeframe;
  capital: number;
  /** Its own loss limits, quote currency (null = none). */
  maxLossQuote: number | null;
  dailyLossQuote: number | null;
  status: string;
  state: unknown;
  createdAt: number;
}

export interface StrategyRecordInput {
  id: string;
  name: string;
  kind: string;
  params: object;
  symbols: string[];
  timeframe: string;
  capital: number;
  maxLossQuote?: number | null;
  dailyLossQuote?: number | null;
  status: string;
}

type Row = Awaited<ReturnType<PrismaClient["strategyInstance"]["findMany"]>>[number];

function fromRow(r: Row): StrategyRecord {
  return { id: r.id, name: r.name, kind: r.kind, params: r.params, symbols: r.symbols, timeframe: r.timeframe as Timeframe, capital: num(r.capital), maxLossQuote: r.maxLossQuote === null ? null : num(r.maxLossQuote), dailyLossQuote: r.dailyLossQuote === null ? null : num(r.dailyLossQuote), status: r.status, state: r.state, createdAt: r.createdAt.getTime() };
}

const decimalOrNull = (v: number | null | undefined) => (v === undefined || v === null ? null : String(v));

/** Strategy instances and their per-instance trade statistics. */
export class StrategyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(): Promise<StrategyRecord[]> {
    return (await this.prisma.strategyInstance.findMany({ orderBy: { createdAt: "asc" } })).map(fromRow);
  }

  async get(id: string): Promise<StrategyRecord | null> {
    const row = await this.prisma.strategyInstance.findUnique({ where: { id } });
    return row ? fromRow(row) : null;
  }

  async create(input: StrategyRecordInput): Promise<StrategyRecord> {
    return fromRow(await this.prisma.strategyInstance.create({ data: { ...input, capital: String(input.capital), maxLossQuote: decimalOrNull(input.maxLossQuote), dailyLossQuote: decimalOrNull(input.dailyLossQuote) } }));
  }

  /** Changed fields (undefined = kept); the saved state is cleared: a changed strategy starts fresh. */
  async update(
    id: string,
    changes: { name?: string; params?: object; symbols?: string[]; timeframe?: string; capital?: number; maxLossQuote?: number | null; dailyLossQuote?: number | null; status?: string },
  ): Promise<StrategyRecord> {
    return fromRow(
      await this.prisma.strategyInstance.update({
        where: { id },
        data: {
          ...changes,
          capital: changes.capital !== undefined ? String(changes.capital) : undefined,
          maxLossQuote: changes.maxLossQuote !== undefined ? decimalOrNull(changes.maxLossQuote) : undefined,
          dailyLossQuote: changes.dailyLossQuote !== undefined ? decimalOrNull(changes.dailyLossQuote) : undefined,
          state: {},
        },
      }),
    );
  }

  async setStatus(id: string, status: string): Promise<StrategyRecord | null> {
    const row = await this.prisma.strategyInstance.update({ where: { id }, data: { status } }).catch(() => null);
    return row ? fromRow(row) : null;
  }

  async delete(id: string): Promise<StrategyRecord | null> {
    const row = await this.prisma.strategyInstance.delete({ where: { id } }).catch(() => null);
    return row ? fromRow(row) : null;
  }

  /** Trades, total P&L and wins of one instance in one mode. */
  async stats(id: string, mode: string): Promise<{ trades: number; pnl: number; wins: number }> {
    const agg = await this.prisma.trade.aggregate({ where: { strategyInstanceId: id, mode }, _count: true, _sum: { pnl: true } });
    const wins = await this.prisma.trade.count({ where: { strategyInstanceId: id, mode, pnl: { gt: 0 } } });
    return { trades: agg._count, pnl: num(agg._sum.pnl), wins };
  }
}
