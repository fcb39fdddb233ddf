import { exportQuerySchema } from "@/server/backtest";
import { parseQuery, route } from "@/server/http/route";
import { backtests } from "../../backtest-service";

export const dynamic = "force-dynamic";

/** GET /api/backtests/{id}/export?format=json|csv&part=trades|equity: download a completed run. */
export const GET = route(async (req, ctx) => {
  const query = parseQuery(req, exportQuerySchema);
  const file = await backtests().export((await ctx.params).id, query);
  return new Response(file.body, { headers: { "Content-Type": file.contentType, "Content-Disposition": `attachment; filename="${file.filename}"` } });
});
