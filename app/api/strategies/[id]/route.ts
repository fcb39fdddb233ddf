import { route, app, parseBody, actorOf } from "@/server/http/route";
import { strategyUpdateSchema } from "@/server/application";

export const dynamic = "force-dynamic";

export const GET = route(async (_req, ctx) => app().strategies.get((await ctx.params).id));

export const PATCH = route(async (req, ctx, principal) => {
  // Validate the whole body first: a bad request must not touch the engine or the database.
  const input = await parseBody(req, strategyUpdateSchema);
  return app().strategies.update((await ctx.params).id, input, actorOf(principal));
});

export const DELETE = route(async (_req, ctx, principal) => app().strategies.delete((await ctx.params).id, actorOf(principal)));
