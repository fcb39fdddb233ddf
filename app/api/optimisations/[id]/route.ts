import { optimisationJobs } from "@/server/backtest";
import type { OptimisationJob } from "@/server/contract";
import { engine, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/optimisations/{id}: status, progress { done, total, stage } and, when completed, the report. */
export const GET = route(async (_req, ctx) => {
  const { id } = await ctx.params;
  return optimisationJobs(engine().candleStore).get(id) satisfies OptimisationJob;
});

/** DELETE /api/optimisations/{id}: cancel a queued or running optimisation (with BullMQ: its jobs too). */
export const DELETE = route(async (_req, ctx) => {
  const { id } = await ctx.params;
  return optimisationJobs(engine().candleStore).cancel(id);
});
