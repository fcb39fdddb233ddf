import { authService } from "@/server/auth";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/audit/verify → `{ ok, checked, firstBrokenSeq, reason, headHash }`: walks the whole hash chain. */
export const GET = route(async () => authService().audit.verify());
