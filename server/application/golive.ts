import { AppError } from "../core/errors";
import type { Services } from "../http/services";
import type { BenchmarkDto } from "../contract";
import { acknowledgeGoLiveRisk, actOnReconciliation, getDrift, getGoLive, getPerformanceBenchmark, getReconciliation, reconciliationEnginePorts } from "../golive";
import type { ActionRequest } from "../golive";

/**
 * # Go-live, drift and reconciliation on the engine (issue 19)
 *
 * What the routes under app/api/{reconciliation,drift,go-live} do, as one object: in a process with the
 * engine, run here on its runtime (`goLiveOperations(services)`); on a web node apart from the engine
 * (ROLE=web), each call travels the command bus as `golive.<method>` and the engine runs the same
 * function on its own runtime (server/cluster/engine-node.ts), so the status and body are the same.
 *
 * Alerts (`alerts.<method>`, REMOTE_ALERTS_METHODS) and the Prometheus text (`metrics.text`) travel the
 * same way: the alert service (its channels, dispatcher and log) and the metrics registry are the engine's.
 */
export interface GoLiveOperations {
  /** GET /api/reconciliation. */
  reconciliation(): Promise<unknown>;
  /** POST /api/reconciliation/actions (audited on the engine). */
  reconciliationAction(input: ActionRequest, actor: string): Promise<unknown>;
  /** GET /api/drift. */
  drift(range: { from?: number; to?: number }): Promise<unknown>;
  /** GET /api/go-live. */
  checklist(): Promise<unknown>;
  /** GET /api/go-live/benchmark; no mode: the engine's current mode. */
  benchmark(mode: BenchmarkDto["mode"] | undefined): Promise<unknown>;
  /** POST /api/go-live/acknowledge (audited on the engine). */
  acknowledge(actor: string): Promise<unknown>;
}

/** The methods a web node may call on the engine as `golive.<method>`. */
export const REMOTE_GOLIVE_METHODS: ReadonlySet<string> = new Set<keyof GoLiveOperations>(["reconciliation", "reconciliationAction", "drift", "checklist", "benchmark", "acknowledge"]);

/** The alert service's methods a web node's routes call (GET /api/alerts, the channels, the test send), as `alerts.<method>`. */
export const REMOTE_ALERTS_METHODS: ReadonlySet<string> = new Set(["log", "channels", "saveChannel", "deleteChannel", "testChannel"]);

const noAudit = () => new AppError("NOT_READY", "the audit log is not available", 503);

/** The operations on this process's own engine (one process, or the engine answering a web node). */
export function goLiveOperations(services: Services): GoLiveOperations {
  const running = () => {
    if (!services.engine) throw new AppError("NOT_READY", "the trading engine is starting; try again in a moment", 503);
    return services.engine;
  };
  const prisma = services.db.prisma;
  return {
    reconciliation: () => getReconciliation(running(), prisma),
    reconciliationAction: (input, actor) => {
      if (!services.audit) throw noAudit();
      const engine = running();
      // adopt, close, mark_closed and cancel act on the live account (server/golive/engine-ports.ts).
      return actOnReconciliation(engine, prisma, input, actor, { audit: services.audit, enginePorts: reconciliationEnginePorts(engine.kernel) });
    },
    drift: (range) => getDrift(running(), prisma, range),
    checklist: () => getGoLive(running(), prisma),
    benchmark: (mode) => {
      const engine = running();
      return getPerformanceBenchmark(engine, prisma, mode ?? engine.kernel.mode);
    },
    acknowledge: (actor) => {
      if (!services.audit) throw noAudit();
      return acknowledgeGoLiveRisk(running(), prisma, actor, services.audit);
    },
  };
}
