import { z } from "zod";
import { route, services, parseQuery } from "@/server/http/route";
import { AppError } from "@/server/core/errors";

export const dynamic = "force-dynamic";

/** GET /api/sessions/{id}/report?format=json|csv|hourly: download the ended session's report. */
export const GET = route(async (req, ctx) => {
  const sessions = services().sessions;
  if (!sessions) throw new AppError("NOT_READY", "trading sessions are not available yet", 503);
  const { format } = parseQuery(req, z.object({ format: z.enum(["json", "csv", "hourly"]).default("json") }));
  return sessions.report((await ctx.params).id, format);
});
