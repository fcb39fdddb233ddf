import { route, app, actorOf } from "@/server/http/route";
import type { SessionDto } from "@/server/contract";

/** POST /api/sessions/{id}/stop: end the session now, close its positions and write its report. */
export const POST = route(async (_req, ctx, principal) => (await app().sessions.end((await ctx.params).id, "manual", actorOf(principal))) satisfies SessionDto);
