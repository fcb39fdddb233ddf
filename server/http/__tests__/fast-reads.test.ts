import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { securityHeaders } from "../../auth/headers";
import { fastReads } from "../fast-reads";
import { clearServices, registerServices } from "../registry";
import { route } from "../route";

/**
 * The custom server answers hot reads itself (server/http/fast-reads.ts) with the very route handlers
 * Next would run: same auth, Host guard and error shapes, proxy.ts's security headers, and everything
 * else still goes to Next.
 */

let server: Server;
let base: string;
const seen: string[] = [];

const handler = route((req) => {
  seen.push(req.url);
  return { symbol: new URL(req.url).searchParams.get("symbol"), cookie: req.headers.get("cookie") };
});
const failing = async () => {
  throw new Error("boom");
};

beforeAll(async () => {
  registerServices({
    auth: {
      async authorizeRequest(req: Request) {
        if (req.headers.get("authorization") !== "Bearer good") throw new AppError("UNAUTHENTICATED", "sign in first", 401);
        return { kind: "static-token" };
      },
    },
  });
  const fast = fastReads({ "/api/hot": handler, "/api/failing": failing }, { dev: false });
  server = createServer((req, res) => {
    if (fast(req, res)) return;
    res.writeHead(299, { "content-type": "text/plain" }).end("next");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  clearServices();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** node:http rather than fetch: fetch cannot set Host. */
function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("hot reads answered by the custom server", () => {
  it("runs the route handler with the query and headers, adds the security headers, does not compress", async () => {
    const res = await get("/api/hot?symbol=BTC%2FUSDT", { authorization: "Bearer good", cookie: "a=1", "accept-encoding": "gzip" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ symbol: "BTC/USDT", cookie: "a=1" });
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    expect(res.headers["content-encoding"]).toBeUndefined();
    for (const [name, value] of Object.entries(securityHeaders({ dev: false, https: false }))) expect(res.headers[name.toLowerCase()]).toBe(value);
    expect(res.headers["strict-transport-security"]).toBeUndefined();
    expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.body));
  });

  it("keeps the route's auth, Host guard and error shape", async () => {
    const anonymous = await get("/api/hot");
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toEqual({ error: { code: "UNAUTHENTICATED", message: "sign in first" } });
    expect(anonymous.headers["x-frame-options"]).toBe("DENY");
    const rebound = await get("/api/hot", { authorization: "Bearer good", host: "evil.example" });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe("HOST_NOT_ALLOWED");
  });

  it("sends HSTS behind a TLS-terminating proxy, as proxy.ts does", async () => {
    const res = await get("/api/hot", { authorization: "Bearer good", "x-forwarded-proto": "https" });
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000");
  });

  it("leaves every other request to Next", async () => {
    for (const [path, method] of [
      ["/api/hot", "POST"],
      ["/api/hot/", "GET"],
      ["/api/hotter", "GET"],
      ["/api/%68ot", "GET"],
      ["/", "GET"],
    ]) {
      const res = await get(path, { authorization: "Bearer good" }, method);
      expect({ path, method, status: res.status, body: res.body }).toEqual({ path, method, status: 299, body: "next" });
    }
  });

  it("answers 500 in the API's error shape when a handler throws past route()", async () => {
    const res = await get("/api/failing");
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: { code: "INTERNAL", message: "internal error; see the server log" } });
  });
});
