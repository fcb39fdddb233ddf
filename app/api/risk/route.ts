import { route, app, parseQuery } from "@/server/http/route";
import { z } from "zod";

export const dynamic = "force-dynamic";

/** GET /api/risk: trading state, limits and the usage of each limit. */
export const GET = route((req) => {
  const query = parseQuery(req, z.object({ mode: z.string().optional() }));
  return app().risk.get(query.mode);
});
