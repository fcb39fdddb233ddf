import { route, app, parseQuery } from "@/server/http/route";
import { tradesQuery } from "@/server/application";

export const dynamic = "force-dynamic";

/** GET /api/trades: closed trades, filtered, sorted and paginated server-side. */
export const GET = route((req) => {
  const query = parseQuery(req, tradesQuery);
  return app().trades.list(query);
});
