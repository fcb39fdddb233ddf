import { route, engine, services } from "@/server/http/route";
import { getReconciliation } from "@/server/golive";

export const dynamic = "force-dynamic";

/** GET /api/reconciliation: what the live venue holds against the live ledger, per asset and open order. */
export const GET = route(() => getReconciliation(engine(), services().db.prisma));
