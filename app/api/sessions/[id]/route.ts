import { route, app } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route(async (_req, ctx) => app().sessions.get((await ctx.params).id));
