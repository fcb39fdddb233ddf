import { route, app, actorOf, parseBody } from "@/server/http/route";
import { closePositionSchema } from "@/server/application";

/**
 * POST /api/positions/{id}/close { quantity? }: reduce-only market close through the risk engine; with
 * `quantity`, that much of it floored to the lot step (docs/api.md issue 21, positions.partialClose).
 */
export const POST = route(async (req, ctx, principal) => {
  const input = await parseBody(req, closePositionSchema);
  return app().positions.close((await ctx.params).id, actorOf(principal), input);
});
