import type { OptimisationJob } from "@/server/contract";
import { optimisations, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/optimisations/{id}: status, progress { done, total, stage } and, when completed, the report. */
export const GET = route(async (_req, ctx) => {
  const { id } = await ctx.params;
  return (await optimisations().get(id)) satisfies OptimisationJob;
});

/** DELETE /api/optimisations/{id}: cancel a queued or running optimisation (with BullMQ: its jobs too, from any web node). */
export const DELETE = route(async (_req, ctx) => {
  const { id } = await ctx.params;
  return optimisations().cancel(id);
});
