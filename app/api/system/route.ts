import { route, services, engine } from "@/server/http/route";
import { getSystem } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

/** GET /api/system: feed, venue, engine and process health. */
export const GET = route(() => getSystem(engine(), services().db));
