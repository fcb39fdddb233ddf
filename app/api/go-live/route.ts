import { route, goLive } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/go-live: the plans' go-live checklist from stored history, and the live position ramp (the engine's). */
export const GET = route(() => goLive().checklist());
