import { z } from "zod";
import { route, goLive, parseQuery } from "@/server/http/route";

export const dynamic = "force-dynamic";

const query = z.object({
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().positive().optional(),
});

/** GET /api/drift?from=&to= (epoch ms): backtest, paper and live side by side for the same signals. */
export const GET = route((req) => goLive().drift(parseQuery(req, query)));
