import { route, app, actorOf } from "@/server/http/route";

export const POST = route(async (_req, ctx, principal) => app().strategies.setStatus((await ctx.params).id, "active", actorOf(principal)));
