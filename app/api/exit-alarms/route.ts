import { route, app } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/exit-alarms: positions the bot tried and failed to get out of (the banner's data). */
export const GET = route(() => app().risk.exitAlarms());
