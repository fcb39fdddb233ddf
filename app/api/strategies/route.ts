import { route, services, engine, parseBody, actorOf } from "@/server/http/route";
import { createStrategyInstance, listStrategies, strategyCreateSchema } from "@/server/engine/commands";

export const dynamic = "force-dynamic";

export const GET = route(() => listStrategies(engine(), services().db.prisma));

export const POST = route(async (req, _ctx, principal) => {
  // Validate the whole body first: a bad request must not touch the engine or the database.
  const input = await parseBody(req, strategyCreateSchema);
  const created = await createStrategyInstance(engine(), services().db.prisma, input, actorOf(principal), services().audit);
  return Response.json(created, { status: 201 });
});
