import { route, engine, actorOf } from "@/server/http/route";
import { closePosition } from "@/server/engine/commands";

/** POST /api/positions/{id}/close: reduce-only market close through the risk engine. */
export const POST = route(async (_req, ctx, principal) => {
  const { id } = await ctx.params;
  return closePosition(engine(), id, actorOf(principal));
});
