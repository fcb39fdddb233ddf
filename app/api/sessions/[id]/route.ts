import { route, services } from "@/server/http/route";
import { AppError } from "@/server/core/errors";

export const dynamic = "force-dynamic";

export const GET = route(async (_req, ctx) => {
  const sessions = services().sessions;
  if (!sessions) throw new AppError("NOT_READY", "trading sessions are not available yet", 503);
  return sessions.get((await ctx.params).id);
});
