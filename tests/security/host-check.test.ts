import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import { createLogger } from "@/server/core/logger";
import { hostNameOf, hostPolicy, hostProblem } from "@/server/http/host";
import { clearServices, registerServices } from "@/server/http/registry";
import type { RouteContext } from "@/server/http/route";
import type { Services } from "@/server/http/services";
import {
  STATIC_TOKEN,
  cookieHeaderFrom,
  createTestAuth,
  makeRequest,
  openTestDatabase,
  resetAuthTables,
  stubServices,
  testConfig,
  type RequestOptions,
  type TestAuth,
} from "@/server/auth/__tests__/fixtures";

/**
 * Issue 22: first-run setup accepted any Host. A page on evil.example whose DNS name is re-pointed at
 * 127.0.0.1 is same-origin with itself (Host and Origin both evil.example), so the Origin check passed
 * and `POST /api/auth/setup` created the owner account for the attacker. Host must name this server on
 * every request: loopback, HOST, or a name in ALLOWED_HOSTS.
 */

const API_DIR = path.resolve(import.meta.dirname, "../../app/api");
const PASSWORD = "host-check-test-password";
type Handler = (req: Request, ctx: RouteContext) => Promise<Response>;

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let t: TestAuth;

/** Register the application with this server config (auth service and route layer read the same one). */
async function application(server: { host?: string; allowedHosts?: string[] } = {}): Promise<void> {
  const base = testConfig(handle.dir);
  const config = { ...base, server: { ...base.server, ...server } };
  t = await createTestAuth(handle.db, handle.dir, { config });
  registerServices<Services>({ ...stubServices(handle.db, handle.dir, t.auth, createLogger("silent")), config });
}

beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(async () => {
  clearServices();
  await handle?.close();
});
beforeEach(async () => {
  await resetAuthTables(handle.db);
  await application();
});

async function call(file: string, method: string, req: Request): Promise<Response> {
  const mod = (await import(/* @vite-ignore */ path.join(API_DIR, file))) as Record<string, Handler>;
  return mod[method]!(req, { params: Promise.resolve({}) });
}

/** A request as a browser on `origin` sends it: Host and Origin both name that site. */
function from(origin: string, method: string, urlPath: string, opts: RequestOptions = {}): Request {
  const base = makeRequest(method, urlPath, { ...opts, origin: method === "GET" ? undefined : origin });
  const headers = new Headers(base.headers);
  headers.set("host", new URL(origin).host);
  return new Request(new URL(urlPath, origin), { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
}

const setupFrom = (origin: string) => call("auth/setup/route.ts", "POST", from(origin, "POST", "/api/auth/setup", { body: { password: PASSWORD } }));

async function expectHostRefused(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("HOST_NOT_ALLOWED");
  expect(body.error.message).toContain("ALLOWED_HOSTS");
}

describe("first-run setup from a DNS-rebound page is refused", () => {
  it("POST /api/auth/setup with Host and Origin both evil.example answers 403 and creates no owner", async () => {
    await expectHostRefused(await setupFrom("http://evil.example:3000"));
    expect(await t.auth.setupRequired()).toBe(true);
    expect(await handle.db.prisma.user.count()).toBe(0);
  });

  it("a name that merely starts with a loopback address (127.0.0.1.evil.example) is refused too", async () => {
    await expectHostRefused(await setupFrom("http://127.0.0.1.evil.example:3000"));
    expect(await t.auth.setupRequired()).toBe(true);
  });

  it("X-Forwarded-Host evil.example (a reverse proxy forwarding the rebound name) is refused", async () => {
    const req = makeRequest("POST", "/api/auth/setup", { body: { password: PASSWORD } });
    req.headers.set("x-forwarded-host", "evil.example");
    await expectHostRefused(await call("auth/setup/route.ts", "POST", req));
    expect(await t.auth.setupRequired()).toBe(true);
  });

  it.each(["http://127.0.0.1:3000", "http://localhost:3000", "http://[::1]:3000", "http://localhost:8080"])("setup from %s passes (any port)", async (origin) => {
    const response = await setupFrom(origin);
    expect(response.status).toBe(200);
    expect(await t.auth.setupRequired()).toBe(false);
  });
});

describe("the Host check runs on every request, not only setup", () => {
  it("sign-in, a bearer-token read and a health check from evil.example are refused", async () => {
    expect((await setupFrom("http://127.0.0.1:3000")).status).toBe(200);
    await expectHostRefused(await call("auth/login/route.ts", "POST", from("http://evil.example:3000", "POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } })));
    await expectHostRefused(await call("auth/me/route.ts", "GET", from("http://evil.example:3000", "GET", "/api/auth/me", { bearer: STATIC_TOKEN })));
    await expectHostRefused(await call("health/route.ts", "GET", from("http://evil.example:3000", "GET", "/api/health")));
    // The same requests from the real address pass.
    expect((await call("auth/me/route.ts", "GET", makeRequest("GET", "/api/auth/me", { bearer: STATIC_TOKEN }))).status).toBe(200);
  });

  it("a Socket.IO handshake naming evil.example is refused, with a session cookie or a token", async () => {
    const cookie = cookieHeaderFrom(await setupFrom("http://127.0.0.1:3000"));
    const rebound = { host: "evil.example:3000", origin: "http://evil.example:3000", cookie };
    await expect(t.auth.authorizeSocket({ headers: rebound })).rejects.toMatchObject({ code: "HOST_NOT_ALLOWED", status: 403 });
    await expect(t.auth.authorizeSocket({ headers: { host: "evil.example:3000" }, token: STATIC_TOKEN })).rejects.toMatchObject({ code: "HOST_NOT_ALLOWED" });
    await expect(t.auth.authorizeSocket({ headers: { ...rebound, host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" } })).resolves.toMatchObject({ kind: "session" });
  });
});

describe("ALLOWED_HOSTS and HOST name the server", () => {
  it("a reverse proxy's public name listed in ALLOWED_HOSTS is accepted, others still refused", async () => {
    await application({ allowedHosts: ["trade.example.com"] });
    await expectHostRefused(await setupFrom("https://evil.example"));
    const response = await setupFrom("https://trade.example.com");
    expect(response.status).toBe(200);
  });

  it("a configured HOST name is accepted", async () => {
    await application({ host: "tradekeel.lan" });
    expect((await setupFrom("http://tradekeel.lan:3000")).status).toBe(200);
  });

  it("with HOST=0.0.0.0 any IP address is accepted (it cannot be rebound) but a name still needs ALLOWED_HOSTS", async () => {
    await application({ host: "0.0.0.0" });
    await expectHostRefused(await setupFrom("http://evil.example:3000"));
    expect((await setupFrom("http://192.168.1.20:3000")).status).toBe(200);
  });

  it("the ALLOWED_HOSTS variable is a comma-separated list; a bad entry names the variable", () => {
    const env = { DATA_DIR: handle.dir, ALLOWED_HOSTS: "Trade.Example.com, tradekeel.lan" };
    expect(loadConfig(env, handle.dir).server.allowedHosts).toEqual(["trade.example.com", "tradekeel.lan"]);
    expect(() => loadConfig({ ...env, ALLOWED_HOSTS: "https://trade.example.com/" }, handle.dir)).toThrow(/ALLOWED_HOSTS/);
  });

  it("reads host names the way browsers send them: ports dropped, IPv6 in brackets, junk refused", () => {
    expect(hostNameOf("LocalHost:3000")).toBe("localhost");
    expect(hostNameOf("[::1]:3000")).toBe("::1");
    expect(hostNameOf("127.0.0.1")).toBe("127.0.0.1");
    expect(hostNameOf("evil.example.")).toBe("evil.example");
    expect(hostNameOf("<script>")).toBeNull();
    expect(hostNameOf("")).toBeNull();
    const policy = hostPolicy({ host: "127.0.0.1" });
    const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] });
    expect(hostProblem(headers({ host: "localhost:3000" }), policy)).toBeNull();
    expect(hostProblem(headers({}), policy)).toMatch(/missing/);
    expect(hostProblem(headers({ host: "192.168.1.20:3000" }), policy)).toMatch(/not an address of this server/);
  });
});
