import { route, engine, parseQuery } from "@/server/http/route";
import { z } from "zod";
import { getRisk } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/risk: trading state, limits and the usage of each limit. */
export const GET = route((req) => getRisk(engine(), parseQuery(req, z.object({ mode: z.string().optional() })).mode));
