import { hostname } from "node:os";
import type { Evaluation, OptimisationJob, OptimisationJobs, OptimisationReport, OptimisationStatus, OptimiseProgress, RemoteOptimisations } from "../backtest";
import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import type { PrismaClient } from "../db";

/**
 * Optimisations shared by every web node (issue 19, table optimisation_runs), built by server/composition/optimisations.ts. The node that starts an
 * optimisation coordinates it (its OptimisationJobs queues the parameter sets as BullMQ jobs that the
 * workers run) and writes its status, progress and, at the end, its report to the database every
 * `syncMs`; any node reads them from there. A cancel on another node marks the row cancelled and
 * cancels the run's jobs; the coordinating node sees the mark and stops its search. A row whose
 * coordinating node stopped writing for `staleMs` (it crashed) is marked failed when it is next read.
 */

/** What the optimisation routes call (app/api/optimisations/**), on one process or any web node. */
export interface OptimisationService {
  start(input: unknown): Promise<{ id: string; status: OptimisationStatus }>;
  get(id: string): Promise<OptimisationJob>;
  cancel(id: string): Promise<{ id: string; status: OptimisationStatus; cancelled: boolean }>;
  /** Newest first, without the reports. */
  list(): Promise<Array<Omit<OptimisationJob, "report"> & { best: Evaluation | null }>>;
}

export interface SharedOptimisationsOptions {
  prisma: PrismaClient;
  /** This node's coordinator, with `remote` (the BullMQ jobs client) and ids unique across nodes. */
  jobs: OptimisationJobs;
  remote: RemoteOptimisations;
  logger: Logger;
  /** Name in the rows (default host:pid). */
  node?: string;
  /** How often the coordinating node writes a running optimisation's state, ms (default 500). */
  syncMs?: number;
  /** A running row not written for this long is failed (its node stopped), ms (default 30 s). */
  staleMs?: number;
  /** Rows GET /api/optimisations lists (default 20). */
  keep?: number;
}

const ACTIVE = ["queued", "running"];
const isFinished = (status: string) => !ACTIVE.includes(status);

interface Row {
  id: string;
  status: string;
  kind: string;
  progress: unknown;
  report?: unknown;
  best: unknown;
  error: string | null;
  node: string;
  createdAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
}

const json = (value: unknown) => (value === null || value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

export class SharedOptimisations implements OptimisationService {
  private readonly node: string;
  private readonly syncs = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: SharedOptimisationsOptions) {
    this.node = options.node ?? `${hostname()}:${process.pid}`;
  }

  async start(input: unknown): Promise<{ id: string; status: OptimisationStatus }> {
    if (this.closed) throw new AppError("NOT_READY", "this node is stopping; start the optimisation on another", 503);
    const started = this.options.jobs.start(input); // a bad config is a 400 here, before any row
    const job = this.options.jobs.get(started.id);
    try {
      await this.options.prisma.optimisationRun.create({
        data: { id: job.id, status: job.status, kind: job.kind, node: this.node, createdAt: new Date(job.createdAt), heartbeatAt: new Date() },
      });
    } catch (err) {
      // Not visible to the other nodes: do not run it here alone either.
      await this.options.jobs.cancel(job.id).catch(() => {});
      throw new AppError("OPTIMISE_NOT_STORED", `the optimisation could not be stored: ${errorMessage(err)}`, 503);
    }
    this.scheduleSync(job.id);
    return started;
  }

  async get(id: string): Promise<OptimisationJob> {
    const row = await this.options.prisma.optimisationRun.findUnique({ where: { id } });
    if (!row) throw new AppError("NOT_FOUND", `optimisation ${id} not found`, 404);
    return toJob(await this.failIfStale(row));
  }

  async list(): Promise<Array<Omit<OptimisationJob, "report"> & { best: Evaluation | null }>> {
    const rows = await this.options.prisma.optimisationRun.findMany({
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: this.options.keep ?? 20,
      omit: { report: true },
    });
    const checked = await Promise.all(rows.map((row) => this.failIfStale(row)));
    return checked.map((row) => {
      const { report: _report, ...rest } = toJob(row);
      return { ...rest, best: (row.best as Evaluation | null) ?? null };
    });
  }

  async cancel(id: string): Promise<{ id: string; status: OptimisationStatus; cancelled: boolean }> {
    const job = await this.get(id);
    if (isFinished(job.status)) return { id, status: job.status, cancelled: false };
    const now = new Date();
    const { count } = await this.options.prisma.optimisationRun.updateMany({
      where: { id, status: { in: ACTIVE } },
      data: { status: "cancelled", error: "cancelled", finishedAt: now },
    });
    if (count === 0) {
      const after = await this.get(id);
      return { id, status: after.status, cancelled: false };
    }
    if (this.coordinatedHere(id)) {
      // Coordinated here: stop the search now (it cancels the run's jobs too).
      await this.options.jobs.cancel(id).catch((err) => this.options.logger.warn({ err: errorMessage(err), id }, "optimisation not cancelled here"));
    } else {
      // Coordinated by another node: the run's jobs stop now; that node sees the row and stops its search.
      await this.options.remote.cancel(id);
    }
    return { id, status: "cancelled", cancelled: true };
  }

  /** Stop writing; the runs this node coordinated and did not finish are marked failed (interrupted). */
  async close(): Promise<void> {
    this.closed = true;
    const ids = [...this.syncs.keys()];
    for (const timer of this.syncs.values()) clearTimeout(timer);
    this.syncs.clear();
    if (ids.length === 0) return;
    await this.options.prisma.optimisationRun
      .updateMany({
        where: { id: { in: ids }, status: { in: ACTIVE } },
        data: { status: "failed", error: `interrupted: the node that coordinated it (${this.node}) stopped`, finishedAt: new Date() },
      })
      .catch((err) => this.options.logger.warn({ err: errorMessage(err) }, "optimisations not marked interrupted"));
  }

  private scheduleSync(id: string): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      void this.sync(id)
        .catch((err) => {
          this.options.logger.warn({ err: errorMessage(err), id }, "optimisation state not written");
          return false;
        })
        .then((more) => {
          if (!this.syncs.has(id)) return;
          this.syncs.delete(id);
          if (more) this.scheduleSync(id);
        });
    }, this.options.syncMs ?? 500);
    timer.unref();
    this.syncs.set(id, timer);
  }

  /** One write of the local run's state (never over a row another node cancelled). False once finished. */
  private async sync(id: string): Promise<boolean> {
    const row = await this.options.prisma.optimisationRun.findUnique({ where: { id }, select: { status: true } });
    if (!row) return false;
    let job: OptimisationJob;
    try {
      job = this.options.jobs.get(id);
    } catch {
      return false; // pruned from memory: nothing more to write
    }
    if (row.status === "cancelled") {
      // Cancelled from another node: stop the search here.
      if (!isFinished(job.status)) await this.options.jobs.cancel(id);
      return false;
    }
    const finished = isFinished(job.status);
    await this.options.prisma.optimisationRun.updateMany({
      where: { id, status: { in: ACTIVE } },
      data: {
        status: job.status,
        progress: json(job.progress),
        heartbeatAt: new Date(),
        ...(finished ? { report: json(job.report), best: json(job.report?.best), error: job.error, finishedAt: new Date(job.finishedAt ?? Date.now()) } : {}),
      },
    });
    return !finished;
  }

  /** Ids are unique across nodes: a run this node's coordinator knows is one it started. */
  private coordinatedHere(id: string): boolean {
    try {
      return !this.closed && !isFinished(this.options.jobs.get(id).status);
    } catch {
      return false;
    }
  }

  private async failIfStale<T extends Row>(row: T): Promise<T> {
    if (isFinished(row.status) || this.coordinatedHere(row.id)) return row;
    const staleMs = this.options.staleMs ?? 30_000;
    if (Date.now() - row.heartbeatAt.getTime() < staleMs) return row;
    const error = `interrupted: the node that coordinated it (${row.node}) stopped reporting ${Math.round(staleMs / 1000)} s ago`;
    const finishedAt = new Date();
    const { count } = await this.options.prisma.optimisationRun.updateMany({
      where: { id: row.id, status: { in: ACTIVE }, heartbeatAt: { lt: new Date(Date.now() - staleMs) } },
      data: { status: "failed", error, finishedAt },
    });
    if (count === 0) {
      const fresh = await this.options.prisma.optimisationRun.findUnique({ where: { id: row.id } });
      return (fresh ? { ...row, ...fresh } : row) as T;
    }
    // Its jobs would only keep the workers busy for nobody.
    await this.options.remote.cancel(row.id).catch(() => {});
    return { ...row, status: "failed", error, finishedAt };
  }
}

function toJob(row: Row): OptimisationJob {
  return {
    id: row.id,
    status: row.status as OptimisationStatus,
    kind: row.kind,
    progress: (row.progress as OptimiseProgress | null) ?? null,
    report: (row.report as OptimisationReport | null | undefined) ?? null,
    error: row.error,
    createdAt: row.createdAt.getTime(),
    finishedAt: row.finishedAt?.getTime() ?? null,
  };
}

/** The process's own optimisations, in memory (one process without REDIS_URL: worker threads, as before). */
export function localOptimisations(jobs: OptimisationJobs): OptimisationService {
  return {
    start: async (input) => jobs.start(input),
    get: async (id) => jobs.get(id),
    cancel: (id) => jobs.cancel(id),
    list: async () => jobs.list(),
  };
}
