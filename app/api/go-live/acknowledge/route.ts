import { route, goLive, actorOf } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** POST /api/go-live/acknowledge: the owner acknowledges the risk limits in force (audited; run by the engine). */
export const POST = route((_req, _ctx, principal) => goLive().acknowledge(actorOf(principal)), { mutation: true });
