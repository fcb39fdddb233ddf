import { z } from "zod";
import { route, goLive, parseQuery } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/go-live/benchmark?mode=: buy-and-hold of the same symbols over the mode's period (default the engine's mode), beside its return. */
export const GET = route((req) => {
  const { mode } = parseQuery(req, z.object({ mode: z.enum(["ghost", "paper", "live"]).optional() }));
  return goLive().benchmark(mode);
});
