import { route, engine, parseQuery } from "@/server/http/route";
import { getOrderBook, orderBookQuery } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/orderbook?symbol=&depth= */
export const GET = route((req) => getOrderBook(engine(), parseQuery(req, orderBookQuery)));
