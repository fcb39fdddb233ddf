import { route, services, engine, parseBody, actorOf } from "@/server/http/route";
import { deleteStrategyInstance, getStrategyInstance, strategyUpdateSchema, updateStrategyInstance } from "@/server/engine/commands";

export const dynamic = "force-dynamic";

export const GET = route(async (_req, ctx) => getStrategyInstance(engine(), services().db.prisma, (await ctx.params).id));

export const PATCH = route(async (req, ctx, principal) => {
  // Validate the whole body first: a bad request must not touch the engine or the database.
  const input = await parseBody(req, strategyUpdateSchema);
  return updateStrategyInstance(engine(), services().db.prisma, (await ctx.params).id, input, actorOf(principal), services().audit);
});

export const DELETE = route(async (_req, ctx, principal) => deleteStrategyInstance(engine(), services().db.prisma, (await ctx.params).id, actorOf(principal), services().audit));
