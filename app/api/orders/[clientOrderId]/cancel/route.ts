import { route, app, actorOf } from "@/server/http/route";

/** POST /api/orders/{clientOrderId}/cancel: cancel one working order at the venue, audited (issue 21, orders.cancel). */
export const POST = route(async (_req, ctx, principal) => app().orders.cancel((await ctx.params).clientOrderId, actorOf(principal)));
