import { route, app, parseBody, actorOf } from "@/server/http/route";
import { tightenSchema } from "@/server/application";

/** PATCH /api/risk/limits: tighten only; loosening needs a config change and a restart. */
export const PATCH = route(async (req, _ctx, principal) => {
  const input = await parseBody(req, tightenSchema);
  return app().risk.tighten(input, actorOf(principal));
});
