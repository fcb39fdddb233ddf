import { route, app } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/trades/{id}: the trade with its orders, fills, signal and risk checks. */
export const GET = route(async (_req, ctx) => app().trades.get((await ctx.params).id));
