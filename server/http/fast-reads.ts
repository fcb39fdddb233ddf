import type { IncomingMessage, ServerResponse } from "node:http";
import { securityHeaders } from "../auth/pure";

/**
 * Hot reads (the header's GET /api/status, the chart's GET /api/candles, …) answered by the custom
 * server itself instead of through Next's router and proxy.ts. The same route handler functions run
 * (app/api/<name>/route.ts), so the Host guard, authentication, validation and error shapes are
 * exactly those of the Next path; only Next's per-request routing, proxy and response plumbing are
 * skipped. proxy.ts's security headers are added here, as it adds them to every API response.
 *
 * Only exact GET paths are taken; anything else (other methods, trailing slashes, encoded paths)
 * returns false and goes to Next as before.
 */

export type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const NO_PARAMS = { params: Promise.resolve({}) };

export function fastReads(routes: Record<string, RouteHandler | undefined>, options: { dev: boolean; onError?: (err: unknown) => void }) {
  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET") return false;
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const handler = routes[query === -1 ? url : url.slice(0, query)];
    if (!handler) return false;
    let request: Request;
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${url}`, { method: "GET", headers });
    } catch {
      return false; // an unparsable Host or URL: Next answers it as before
    }
    const forwardedProto = req.headers["x-forwarded-proto"];
    const https = (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto)?.split(",")[0]?.trim() === "https";
    const security = securityHeaders({ dev: options.dev, https });
    handler(request, NO_PARAMS)
      .then(async (response) => {
        const body = Buffer.from(await response.arrayBuffer());
        const headers: Record<string, string | string[]> = {};
        response.headers.forEach((value, name) => {
          if (name !== "set-cookie") headers[name] = value;
        });
        const cookies = response.headers.getSetCookie();
        if (cookies.length) headers["set-cookie"] = cookies;
        Object.assign(headers, security);
        headers["content-length"] = String(body.length);
        res.writeHead(response.status, headers);
        res.end(body);
      })
      .catch((err: unknown) => {
        options.onError?.(err);
        if (!res.headersSent) res.writeHead(500, { ...security, "content-type": "application/json" }).end(JSON.stringify({ error: { code: "INTERNAL", message: "internal error; see the server log" } }));
        else res.destroy();
      });
    return true;
  };
}
