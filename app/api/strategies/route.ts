import { route, app, parseBody, actorOf } from "@/server/http/route";
import { strategyCreateSchema } from "@/server/application";

export const dynamic = "force-dynamic";

export const GET = route(() => app().strategies.list());

export const POST = route(async (req, _ctx, principal) => {
  // Validate the whole body first: a bad request must not touch the engine or the database.
  const input = await parseBody(req, strategyCreateSchema);
  const created = await app().strategies.create(input, actorOf(principal));
  return Response.json(created, { status: 201 });
});
