import { route, services, engine, parseQuery } from "@/server/http/route";
import { listTrades, tradesQuery } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/trades: closed trades, filtered, sorted and paginated server-side. */
export const GET = route((req) => listTrades(engine(), services().db.prisma, parseQuery(req, tradesQuery)));
