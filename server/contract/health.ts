import { z } from "zod";

/** One difference reconciliation found between the venue and the ledger (a fill it could not book, balances that differ...). */
export const reconciliationFindingSchema = z.object({ kind: z.string(), severity: z.enum(["warning", "critical"]), message: z.string() });
export type ReconciliationFindingDto = z.infer<typeof reconciliationFindingSchema>;

/** The start-up reconciliation with its findings, as `GET /api/health` reports it. */
export const healthReconciliationSchema = z.object({
  ok: z.boolean(),
  status: z.enum(["ok", "degraded", "failed"]),
  message: z.string(),
  findings: z.array(reconciliationFindingSchema),
});
export type HealthReconciliationDto = z.infer<typeof healthReconciliationSchema>;

/** `GET /api/health` (no auth; 503 while starting or when the database is down). */
export const healthSchema = z.object({
  status: z.enum(["ok", "starting", "degraded", "down"]),
  version: z.string(),
  uptimeS: z.number(),
  db: z.object({ kind: z.enum(["embedded", "postgres"]), ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
  engine: z.object({ state: z.enum(["starting", "running", "stopping"]), reconciliation: healthReconciliationSchema.nullable() }),
  /** Why the status is not "ok", one sentence each. */
  reasons: z.array(z.string()),
});
export type HealthDto = z.infer<typeof healthSchema>;
