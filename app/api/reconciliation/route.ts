import { route, goLive } from "@/server/http/route";

export const dynamic = "force-dynamic";

/**
 * GET /api/reconciliation: what the live venue holds against the live ledger, per asset and open order
 * (the engine's; on a web node through the command bus).
 */
export const GET = route(() => goLive().reconciliation());
