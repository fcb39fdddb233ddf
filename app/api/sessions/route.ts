import { route, services, parseBody, actorOf } from "@/server/http/route";
import { AppError } from "@/server/core/errors";
import { sessionCreateSchema } from "@/server/engine/sessions";

export const dynamic = "force-dynamic";

function sessions() {
  const found = services().sessions;
  if (!found) throw new AppError("NOT_READY", "trading sessions are not available yet", 503);
  return found;
}

/** GET /api/sessions: every session, newest first. */
export const GET = route(() => sessions().list());

/** POST /api/sessions: start a session (seed defaults: $500, 4 h, BTC+ETH, MA 9/21 on 5m, +$6 / -$15). */
export const POST = route(async (req, _ctx, principal) => {
  // Validate the whole body before the session manager is looked up or anything is written.
  const input = await parseBody(req, sessionCreateSchema);
  const created = await sessions().create(input, actorOf(principal));
  return Response.json(created, { status: 201 });
});
