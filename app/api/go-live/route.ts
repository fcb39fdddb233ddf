import { route, engine, services } from "@/server/http/route";
import { getGoLive } from "@/server/golive";

export const dynamic = "force-dynamic";

/** GET /api/go-live: the plans' go-live checklist from stored history, and the live position ramp. */
export const GET = route(() => getGoLive(engine(), services().db.prisma));
