import { route, app, parseQuery } from "@/server/http/route";
import { z } from "zod";

export const dynamic = "force-dynamic";

export const GET = route((req) => {
  const query = parseQuery(req, z.object({ mode: z.string().optional() }));
  return app().signals.stats(query.mode);
});
