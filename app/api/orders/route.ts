import { route, app, parseQuery, parseBody, actorOf } from "@/server/http/route";
import { manualOrderSchema, ordersQuery } from "@/server/application";

export const dynamic = "force-dynamic";

/** GET /api/orders?status=open|all&mode=&limit= */
export const GET = route((req) => {
  const query = parseQuery(req, ordersQuery);
  return app().orders.list(query);
});

/** POST /api/orders: a manual order, through the risk engine. */
export const POST = route(async (req, _ctx, principal) => {
  const input = await parseBody(req, manualOrderSchema);
  const result = await app().orders.place(input, actorOf(principal));
  return Response.json(result, { status: 201 });
});
