import { route, engine, parseQuery } from "@/server/http/route";
import { candlesQuery, getCandles } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/candles?symbol=&timeframe=&limit= */
export const GET = route((req) => getCandles(engine(), parseQuery(req, candlesQuery)));
