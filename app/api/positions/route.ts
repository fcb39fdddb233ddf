import { route, engine, parseQuery } from "@/server/http/route";
import { z } from "zod";
import { listPositions } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/positions?mode= : open positions with live marks. */
export const GET = route((req) => listPositions(engine(), parseQuery(req, z.object({ mode: z.string().optional() })).mode));
