import { metricsResponse } from "@/server/metrics";

export const dynamic = "force-dynamic";

/** GET /metrics: Prometheus text format; bearer token required (server/metrics/http.ts). */
export const GET = (req: Request) => metricsResponse(req);
