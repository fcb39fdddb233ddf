import { route, app, parseQuery } from "@/server/http/route";
import { orderBookQuery } from "@/server/application";

export const dynamic = "force-dynamic";

/** GET /api/orderbook?symbol=&depth= */
export const GET = route((req) => {
  const query = parseQuery(req, orderBookQuery);
  return app().market.orderBook(query);
});
