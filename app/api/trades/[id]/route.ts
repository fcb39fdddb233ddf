import { route, services } from "@/server/http/route";
import { getTrade } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/trades/{id}: the trade with its orders, fills, signal and risk checks. */
export const GET = route(async (_req, ctx) => getTrade(services().db.prisma, (await ctx.params).id));
