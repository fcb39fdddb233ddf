import { route, services, engine, parseBody, actorOf } from "@/server/http/route";
import { createStrategyInstance, listStrategies, strategyCreateSchema } from "@/server/engine/commands";

export const dynamic = "force-dynamic";

export const GET = route(() => listStrategies(engine(), services().db.prisma));

export const POST = route(async (req, _ctx, principal) => {
  const created = await createStrategyInstance(engine(), services().db.prisma, await parseBody(req, strategyCreateSchema), actorOf(principal), services().audit);
  return Response.json(created, { status: 201 });
});
