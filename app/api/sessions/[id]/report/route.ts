import { z } from "zod";
import { route, app, parseQuery } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/sessions/{id}/report?format=json|csv|hourly: download the ended session's report. */
export const GET = route(async (req, ctx) => {
  const { format } = parseQuery(req, z.object({ format: z.enum(["json", "csv", "hourly"]).default("json") }));
  return app().sessions.report((await ctx.params).id, format);
});
