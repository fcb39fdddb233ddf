import { route, services, actorOf } from "@/server/http/route";
import { AppError } from "@/server/core/errors";

/** POST /api/sessions/{id}/stop: end the session now, close its positions and write its report. */
export const POST = route(async (_req, ctx, principal) => {
  const sessions = services().sessions;
  if (!sessions) throw new AppError("NOT_READY", "trading sessions are not available yet", 503);
  return sessions.end((await ctx.params).id, "manual", actorOf(principal));
});
