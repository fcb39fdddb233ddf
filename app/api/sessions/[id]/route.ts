import { route, app } from "@/server/http/route";
import type { SessionDto } from "@/server/contract";

export const dynamic = "force-dynamic";

/** GET /api/sessions/{id}: one session, its live P&L while it runs, its report once it ended. */
export const GET = route(async (_req, ctx) => (await app().sessions.get((await ctx.params).id)) satisfies SessionDto);
