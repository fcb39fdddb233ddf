import { timingSafeEqual } from "node:crypto";
import { AppError } from "../core/errors";
import { assertAllowedHost, hostPolicy } from "../http/host";
import { services, toErrorResponse } from "../http/route";
import type { Metrics } from "./index";

/**
 * GET /metrics for Prometheus. A bearer token is required: METRICS_TOKEN (metrics only) or any API
 * token (Settings, TRADEKEEL_API_TOKEN). A browser session cookie alone is not enough.
 */
export async function metricsResponse(req: Request): Promise<Response> {
  try {
    const found = services();
    assertAllowedHost(req, hostPolicy(found.config.server));
    const header = req.headers.get("authorization") ?? "";
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!bearer) throw new AppError("UNAUTHENTICATED", "send Authorization: Bearer <METRICS_TOKEN or an API token>", 401);
    const metricsToken = found.config.metrics?.token;
    if (!(metricsToken && sameSecret(bearer, metricsToken))) await found.auth.authorizeRequest(req, { mutation: false });
    const metrics = (found as { metrics?: Metrics }).metrics;
    if (!metrics) throw new AppError("NOT_READY", "metrics are not wired into this server", 503);
    return new Response(await metrics.text(), { headers: { "content-type": metrics.contentType, "cache-control": "no-store" } });
  } catch (err) {
    const res = toErrorResponse(err);
    if (res.status === 401) res.headers.set("www-authenticate", 'Bearer realm="tradekeel metrics"');
    return res;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
