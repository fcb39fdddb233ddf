import { route, app, parseBody, actorOf } from "@/server/http/route";
import { sessionCreateSchema } from "@/server/application";
import type { SessionDto } from "@/server/contract";

export const dynamic = "force-dynamic";

/** GET /api/sessions: every session, newest first. */
export const GET = route(async () => (await app().sessions.list()) satisfies SessionDto[]);

/** POST /api/sessions: start a session (seed defaults: $500, 4 h, BTC+ETH, MA 9/21 on 5m, +$6 / -$15). */
export const POST = route(async (req, _ctx, principal) => {
  // Validate the whole body before the session manager is looked up or anything is written.
  const input = await parseBody(req, sessionCreateSchema);
  const created = (await app().sessions.create(input, actorOf(principal))) satisfies SessionDto;
  return Response.json(created, { status: 201 });
});
