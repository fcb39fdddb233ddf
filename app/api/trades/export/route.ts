import { route, app, parseQuery } from "@/server/http/route";
import { z } from "zod";
import { tradesQuery } from "@/server/application";

export const dynamic = "force-dynamic";

/** GET /api/trades/export?format=csv|json&...filters */
export const GET = route((req) => {
  const { format, ...filters } = parseQuery(req, tradesQuery.extend({ format: z.enum(["csv", "json"]).default("csv") }));
  return app().trades.export(filters, format);
});
