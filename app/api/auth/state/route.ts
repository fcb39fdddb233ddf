import { authService } from "@/server/auth";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/auth/state (no auth): whether the first-run owner setup is still open. */
export const GET = route(async () => ({ setupRequired: await authService().setupRequired() }), { public: true });
