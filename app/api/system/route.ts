import { route, app } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/system: feed, venue, engine and process health. */
export const GET = route(() => app().system.system());
