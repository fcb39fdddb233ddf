import { route, app, parseQuery } from "@/server/http/route";
import { z } from "zod";

export const dynamic = "force-dynamic";

/** GET /api/positions?mode= : open positions with live marks. */
export const GET = route((req) => {
  const query = parseQuery(req, z.object({ mode: z.string().optional() }));
  return app().positions.list(query.mode);
});
