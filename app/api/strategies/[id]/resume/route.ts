import { route, services, engine, actorOf } from "@/server/http/route";
import { setStrategyStatus } from "@/server/engine/commands";

export const POST = route(async (_req, ctx, principal) => setStrategyStatus(engine(), services().db.prisma, (await ctx.params).id, "active", actorOf(principal), services().audit));
