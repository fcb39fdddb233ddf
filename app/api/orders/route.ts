import { route, services, engine, parseQuery, parseBody, actorOf } from "@/server/http/route";
import { listOrders, ordersQuery } from "@/server/engine/queries";
import { manualOrderSchema, placeManualOrder } from "@/server/engine/commands";

export const dynamic = "force-dynamic";

/** GET /api/orders?status=open|all&mode=&limit= */
export const GET = route((req) => listOrders(engine(), services().db.prisma, parseQuery(req, ordersQuery)));

/** POST /api/orders: a manual order, through the risk engine. */
export const POST = route(async (req, _ctx, principal) => {
  const result = await placeManualOrder(engine(), await parseBody(req, manualOrderSchema), actorOf(principal));
  return Response.json(result, { status: 201 });
});
