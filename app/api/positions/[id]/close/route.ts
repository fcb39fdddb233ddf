import { route, app, actorOf } from "@/server/http/route";

/** POST /api/positions/{id}/close: reduce-only market close through the risk engine. */
export const POST = route(async (_req, ctx, principal) => app().positions.close((await ctx.params).id, actorOf(principal)));
