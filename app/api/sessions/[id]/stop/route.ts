import { route, app, actorOf } from "@/server/http/route";

/** POST /api/sessions/{id}/stop: end the session now, close its positions and write its report. */
export const POST = route(async (_req, ctx, principal) => app().sessions.end((await ctx.params).id, "manual", actorOf(principal)));
