import { z } from "zod";
import { route, engine, services, parseQuery } from "@/server/http/route";
import { getDrift } from "@/server/golive";

export const dynamic = "force-dynamic";

const query = z.object({
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().positive().optional(),
});

/** GET /api/drift?from=&to= (epoch ms): backtest, paper and live side by side for the same signals. */
export const GET = route((req) => getDrift(engine(), services().db.prisma, parseQuery(req, query)));
