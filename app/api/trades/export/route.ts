import { route, services, engine, parseQuery } from "@/server/http/route";
import { z } from "zod";
import { exportTrades, tradesQuery } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/trades/export?format=csv|json&...filters */
export const GET = route((req) => {
  const { format, ...filters } = parseQuery(req, tradesQuery.extend({ format: z.enum(["csv", "json"]).default("csv") }));
  return exportTrades(engine(), services().db.prisma, filters, format);
});
