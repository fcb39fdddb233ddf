import type { HealthDto } from "@/server/contract";
import { route, services } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/health (no auth): liveness and database state; 503 when the database is down. */
export const GET = route(
  async () => {
    const report = (await services().health()) satisfies HealthDto;
    // Load balancers and scripts wait for 200: not before the engine runs, never while the database is down.
    return Response.json(report, { status: report.status === "down" || report.status === "starting" ? 503 : 200 });
  },
  { public: true },
);
