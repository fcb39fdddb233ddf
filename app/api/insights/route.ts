import { parseQuery, route } from "@/server/http/route";
import { insightsQuery } from "@/server/ai";
import { insights } from "./service";

export const dynamic = "force-dynamic";

/** GET /api/insights?symbol=&timeframe=&summary=: regime, consensus, model probability with its out-of-sample record, reasons. */
export const GET = route((req) => {
  const q = parseQuery(req, insightsQuery);
  return insights().getInsights(q.symbol, q.timeframe, { summary: q.summary });
});
