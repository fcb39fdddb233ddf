import { z } from "zod";
import { route, engine, services, parseQuery } from "@/server/http/route";
import { getPerformanceBenchmark } from "@/server/golive";

export const dynamic = "force-dynamic";

/** GET /api/go-live/benchmark?mode=: buy-and-hold of the same symbols over the mode's period, beside its return. */
export const GET = route((req) => {
  const e = engine();
  const { mode } = parseQuery(req, z.object({ mode: z.enum(["ghost", "paper", "live"]).optional() }));
  return getPerformanceBenchmark(e, services().db.prisma, mode ?? e.kernel.mode);
});
