import { route, engine } from "@/server/http/route";
import { getExitAlarms } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/exit-alarms: positions the bot tried and failed to get out of (the banner's data). */
export const GET = route(() => getExitAlarms(engine()));
