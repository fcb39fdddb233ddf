import { route, app, parseQuery } from "@/server/http/route";
import { candlesQuery } from "@/server/application";

export const dynamic = "force-dynamic";

/** GET /api/candles?symbol=&timeframe=&limit= */
export const GET = route((req) => {
  const query = parseQuery(req, candlesQuery);
  return app().market.candles(query);
});
