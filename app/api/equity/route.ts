import { route, app, parseQuery } from "@/server/http/route";
import { equityQuery } from "@/server/application";
import type { EquityPointDto } from "@/server/contract";

export const dynamic = "force-dynamic";

/** GET /api/equity: the equity curve of a mode (or of one strategy instance), oldest point first. */
export const GET = route(async (req) => {
  const query = parseQuery(req, equityQuery);
  return (await app().performance.equity(query)) satisfies EquityPointDto[];
});
