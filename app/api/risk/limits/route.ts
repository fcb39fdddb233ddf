import { route, services, engine, parseBody, actorOf } from "@/server/http/route";
import { tightenLimits, tightenSchema } from "@/server/engine/commands";

/** PATCH /api/risk/limits: tighten only; loosening needs a config change and a restart. */
export const PATCH = route(async (req, _ctx, principal) => tightenLimits(engine(), await parseBody(req, tightenSchema), actorOf(principal), services().audit));
