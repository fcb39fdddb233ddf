import { route, app, parseBody, actorOf } from "@/server/http/route";
import { manualOrderSchema } from "@/server/application";

export const dynamic = "force-dynamic";

/** POST /api/orders/preview: the risk decision and sizing of POST /api/orders, nothing sent or stored (issue 21, orders.preview). */
export const POST = route(async (req, _ctx, principal) => {
  const input = await parseBody(req, manualOrderSchema);
  return app().orders.preview(input, actorOf(principal));
});
