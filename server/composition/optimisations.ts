import { hostname } from "node:os";
import { newId } from "../core/ids";
import type { RiskLimits } from "../config";
import type { Logger } from "../core/logger";
import type { Database } from "../db";
import type { CandleStore } from "../market";
import { OptimisationJobs, optimisationJobs, type RemoteOptimisations } from "../backtest";
import { SharedOptimisations, localOptimisations, type OptimisationService } from "./optimisation-runs";

export type { OptimisationService } from "./optimisation-runs";

/**
 * The one place the optimisation service behind /api/optimisations is built (issue 19): the all-in-one
 * process (server/app.ts) and a web node apart from the engine (server/cluster/web-node.ts).
 *
 * - With REDIS_URL (`remote`, the BullMQ jobs client): every parameter set is a job the workers run; the
 *   node that started the optimisation coordinates it and keeps its state in the database
 *   (optimisation_runs), so status, progress, report and cancel work from any web node.
 * - Without: the process's own job list in memory, run on its worker threads, as before.
 */
export function createOptimisationService(deps: {
  db: Pick<Database, "prisma">;
  candleStore: CandleStore;
  logger: Logger;
  remote?: RemoteOptimisations;
  /** The configured risk limits: every parameter set runs under them (with the request's stated keys on top). */
  baseLimits?: RiskLimits;
  /** SharedOptimisations' write interval, ms (tests). */
  syncMs?: number;
}): OptimisationService & { close(): Promise<void> } {
  const { db, candleStore, logger, remote } = deps;
  if (!remote) {
    const local = localOptimisations(optimisationJobs(candleStore, { baseLimits: deps.baseLimits }));
    return { ...local, close: async () => {} };
  }
  const node = `${hostname()}:${process.pid}`;
  // Ids unique across web nodes: the run id names its BullMQ jobs and its rows.
  const jobs = new OptimisationJobs({ store: candleStore, remote, baseLimits: deps.baseLimits, newId: () => newId("opt_") });
  return new SharedOptimisations({ prisma: db.prisma, jobs, remote, logger: logger.child({ module: "optimisations" }), node, syncMs: deps.syncMs });
}

/** Routes of a web-layer test that registered an engine but no optimisation service: the process's own list. */
export function optimisationsOfEngine(candleStore: CandleStore): OptimisationService {
  return localOptimisations(optimisationJobs(candleStore));
}
