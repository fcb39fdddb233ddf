import type { PrismaClient } from "../db";
import type { BacktestResult } from "./runner";

/**
 * Backtest runs in the database (table backtest_runs). The Json columns hold:
 * - config: the request as given (validated);
 * - metrics: { metrics, curves, summary, range, strategies, timing, execution };
 * - equity: { equity, drawdown, chart };
 * - trades: { trades, orders, notes }.
 * resultOf() puts a BacktestResult back together from them.
 */

export type BacktestStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

export interface BacktestRunRow {
  id: string;
  status: BacktestStatus;
  config: unknown;
  metrics: unknown;
  equity: unknown;
  trades: unknown;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface BacktestRunSummaryRow {
  id: string;
  status: BacktestStatus;
  config: unknown;
  metrics: unknown;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** Persistence port of the backtest service (Prisma in the app, in memory in tests). */
export interface BacktestRunRepository {
  create(id: string, config: unknown, status: BacktestStatus, createdAt: Date): Promise<void>;
  setStatus(id: string, status: BacktestStatus): Promise<void>;
  complete(id: string, result: BacktestResult, execution: string, finishedAt: Date): Promise<void>;
  fail(id: string, status: "failed" | "cancelled", error: string, finishedAt: Date): Promise<void>;
  /** Newest first, without the heavy columns (equity, trades). */
  list(options: { limit: number; offset: number; status?: BacktestStatus }): Promise<{ rows: BacktestRunSummaryRow[]; total: number }>;
  get(id: string): Promise<BacktestRunRow | undefined>;
  delete(id: string): Promise<boolean>;
  /** Runs left queued or running by a process that stopped: marked failed. Returns how many. */
  failUnfinished(error: string, at: Date): Promise<number>;
}

/** JSON-safe copy (Prisma Json columns refuse undefined inside arrays and NaN/Infinity). */
function json(value: unknown): object {
  return JSON.parse(JSON.stringify(value)) as object;
}

export function columnsOf(result: BacktestResult, execution: string): { metrics: object; equity: object; trades: object } {
  return {
    metrics: json({
      metrics: result.metrics,
      curves: result.curves,
      summary: result.summary,
      range: result.range,
      strategies: result.strategies,
      timing: result.timing,
      benchmark: result.benchmark ?? null,
      execution,
      normalizedConfig: result.config,
    }),
    equity: json({ equity: result.equity, drawdown: result.drawdown, chart: result.chart }),
    trades: json({ trades: result.trades, orders: result.orders, notes: result.notes }),
  };
}

/** The stored result of a completed run, or undefined. */
export function resultOf(row: BacktestRunRow): (BacktestResult & { execution: string }) | undefined {
  if (row.status !== "completed" || !row.metrics || !row.equity || !row.trades) return undefined;
  const m = row.metrics as Record<string, unknown>;
  const e = row.equity as Record<string, unknown>;
  const t = row.trades as Record<string, unknown>;
  return {
    version: 1,
    config: m.normalizedConfig as BacktestResult["config"],
    strategies: m.strategies as BacktestResult["strategies"],
    range: m.range as BacktestResult["range"],
    metrics: m.metrics as BacktestResult["metrics"],
    curves: m.curves as BacktestResult["curves"],
    summary: m.summary as BacktestResult["summary"],
    timing: m.timing as BacktestResult["timing"],
    benchmark: (m.benchmark ?? null) as BacktestResult["benchmark"],
    equity: e.equity as BacktestResult["equity"],
    drawdown: e.drawdown as BacktestResult["drawdown"],
    chart: e.chart as BacktestResult["chart"],
    trades: t.trades as BacktestResult["trades"],
    orders: t.orders as BacktestResult["orders"],
    notes: t.notes as BacktestResult["notes"],
    execution: String(m.execution ?? "unknown"),
  };
}

/** States a run can still leave; the others are final. */
const UNFINISHED: BacktestStatus[] = ["queued", "running"];

export class PrismaBacktestRunRepository implements BacktestRunRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(id: string, config: unknown, status: BacktestStatus, createdAt: Date): Promise<void> {
    await this.prisma.backtestRun.create({ data: { id, status, config: json(config), createdAt } });
  }

  async setStatus(id: string, status: BacktestStatus): Promise<void> {
    // A run that has ended stays ended: a stalled job's second attempt must not mark it running again.
    await this.prisma.backtestRun.updateMany({ where: { id, status: { in: UNFINISHED } }, data: { status } });
  }

  async complete(id: string, result: BacktestResult, execution: string, finishedAt: Date): Promise<void> {
    await this.prisma.backtestRun.updateMany({ where: { id }, data: { status: "completed", ...columnsOf(result, execution), finishedAt, error: null } });
  }

  async fail(id: string, status: "failed" | "cancelled", error: string, finishedAt: Date): Promise<void> {
    // A completed result is never overwritten by a late failure of a duplicate attempt.
    await this.prisma.backtestRun.updateMany({ where: { id, status: { not: "completed" } }, data: { status, error, finishedAt } });
  }

  async list(options: { limit: number; offset: number; status?: BacktestStatus }): Promise<{ rows: BacktestRunSummaryRow[]; total: number }> {
    const where = options.status ? { status: options.status } : {};
    const [rows, total] = await Promise.all([
      this.prisma.backtestRun.findMany({
        where,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        skip: options.offset,
        take: options.limit,
        select: { id: true, status: true, config: true, metrics: true, error: true, createdAt: true, finishedAt: true },
      }),
      this.prisma.backtestRun.count({ where }),
    ]);
    return { rows: rows.map((r) => ({ ...r, status: r.status as BacktestStatus })), total };
  }

  async get(id: string): Promise<BacktestRunRow | undefined> {
    const row = await this.prisma.backtestRun.findUnique({ where: { id } });
    return row ? { ...row, status: row.status as BacktestStatus } : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const { count } = await this.prisma.backtestRun.deleteMany({ where: { id } });
    return count > 0;
  }

  async failUnfinished(error: string, at: Date): Promise<number> {
    const { count } = await this.prisma.backtestRun.updateMany({ where: { status: { in: ["queued", "running"] } }, data: { status: "failed", error, finishedAt: at } });
    return count;
  }
}

export class InMemoryBacktestRunRepository implements BacktestRunRepository {
  private readonly rows = new Map<string, BacktestRunRow>();

  async create(id: string, config: unknown, status: BacktestStatus, createdAt: Date): Promise<void> {
    this.rows.set(id, { id, status, config: json(config), metrics: null, equity: null, trades: null, error: null, createdAt, finishedAt: null });
  }

  async setStatus(id: string, status: BacktestStatus): Promise<void> {
    const row = this.rows.get(id);
    if (row && UNFINISHED.includes(row.status)) row.status = status;
  }

  async complete(id: string, result: BacktestResult, execution: string, finishedAt: Date): Promise<void> {
    const row = this.rows.get(id);
    if (row) Object.assign(row, { status: "completed", ...columnsOf(result, execution), finishedAt, error: null });
  }

  async fail(id: string, status: "failed" | "cancelled", error: string, finishedAt: Date): Promise<void> {
    const row = this.rows.get(id);
    if (row && row.status !== "completed") Object.assign(row, { status, error, finishedAt });
  }

  async list(options: { limit: number; offset: number; status?: BacktestStatus }): Promise<{ rows: BacktestRunSummaryRow[]; total: number }> {
    const all = [...this.rows.values()]
      .filter((r) => !options.status || r.status === options.status)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    return {
      rows: all.slice(options.offset, options.offset + options.limit).map(({ equity: _e, trades: _t, ...rest }) => ({ ...rest })),
      total: all.length,
    };
  }

  async get(id: string): Promise<BacktestRunRow | undefined> {
    const row = this.rows.get(id);
    return row ? { ...row } : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return this.rows.delete(id);
  }

  async failUnfinished(error: string, at: Date): Promise<number> {
    let count = 0;
    for (const row of this.rows.values()) {
      if (row.status === "queued" || row.status === "running") {
        Object.assign(row, { status: "failed", error, finishedAt: at });
        count += 1;
      }
    }
    return count;
  }
}
