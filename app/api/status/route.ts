import { route, services } from "@/server/http/route";
import type { StatusDto } from "@/server/contract";
export const dynamic = "force-dynamic";

/** GET /api/status: mode, venue, trading state, equity and P&L of the active mode. */
export const GET = route(async () => (await services().status()) satisfies StatusDto);
