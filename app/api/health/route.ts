import { route, services } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/health (no auth): liveness and database state; 503 when the database is down. */
export const GET = route(
  async () => {
    const report = await services().health();
    return Response.json(report, { status: report.status === "down" ? 503 : 200 });
  },
  { public: true },
);
