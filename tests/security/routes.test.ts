import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@/server/core/logger";
import { clearServices, registerServices } from "@/server/http/registry";
import { route, type RouteContext } from "@/server/http/route";
import type { Services } from "@/server/http/services";
import {
  STATIC_TOKEN,
  captureLogger,
  cookieHeaderFrom,
  cookieValue,
  createTestAuth,
  makeRequest,
  openTestDatabase,
  resetAuthTables,
  stubServices,
  type TestAuth,
} from "@/server/auth/__tests__/fixtures";

/**
 * Every API route answers 401 without credentials, except the public list. Routes are found on disk at
 * test time, so routes other engineers add later are covered without touching this file.
 */
const API_DIR = path.resolve(import.meta.dirname, "../../app/api");
const PUBLIC_ROUTES = new Set(["GET health", "POST auth/login", "POST auth/setup", "GET auth/state"]);
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const PASSWORD = "route-test-password";

type Handler = (req: Request, ctx: RouteContext) => Promise<Response>;

/** Any dynamic segment ([id], [venue], [symbol], ...) gets a plausible value. */
const anyParams: RouteContext = {
  params: Promise.resolve(new Proxy({} as Record<string, string>, { get: (_t, key) => (key === "then" ? undefined : "x") })),
};

function routeFiles(): string[] {
  return (readdirSync(API_DIR, { recursive: true }) as string[])
    .filter((f) => /(^|[/\\])route\.tsx?$/.test(f))
    .map((f) => f.split(path.sep).join("/"))
    .sort();
}

function routeName(file: string): string {
  return file.replace(/\/?route\.tsx?$/, "");
}

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let t: TestAuth;

beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(async () => {
  clearServices();
  await handle?.close();
});
/** The application as route handlers see it: this file's auth service, the rest stubbed. */
function registerApplication(auth: Services["auth"], logger: Services["logger"]): void {
  registerServices<Services>(stubServices(handle.db, handle.dir, auth, logger));
}

beforeEach(async () => {
  await resetAuthTables(handle.db);
  t = await createTestAuth(handle.db, handle.dir);
  registerApplication(t.auth, createLogger("silent"));
});

async function load(file: string): Promise<Record<string, unknown>> {
  return import(/* @vite-ignore */ path.join(API_DIR, file));
}

describe("every API route requires authentication", () => {
  const files = routeFiles();

  it("finds the route files (health and the auth routes at least)", () => {
    expect(files).toEqual(expect.arrayContaining(["health/route.ts", "auth/login/route.ts", "tokens/[id]/route.ts", "credentials/[venue]/[network]/route.ts"]));
  });

  it.each(files)("%s answers 401 without credentials unless it is public", async (file) => {
    const mod = await load(file);
    const name = routeName(file);
    const handlers = METHODS.filter((m) => typeof mod[m] === "function");
    expect(handlers.length, `${file} exports no HTTP method handler`).toBeGreaterThan(0);
    for (const method of handlers) {
      const req = makeRequest(method, `/api/${name.replace(/\[[^\]]+\]/g, "x")}`, method === "GET" || method === "HEAD" ? {} : { body: {} });
      const response = await (mod[method] as Handler)(req, anyParams);
      if (PUBLIC_ROUTES.has(`${method} ${name}`)) {
        expect(response.status, `${method} /api/${name} is public`).not.toBe(401);
      } else {
        expect(response.status, `${method} /api/${name} without credentials`).toBe(401);
        const body = (await response.json()) as { error: { code: string } };
        expect(body.error.code).toBe("UNAUTHENTICATED");
      }
    }
  });
});

async function call(file: string, method: string, req: Request, params: Record<string, string> = {}): Promise<Response> {
  const mod = await load(file);
  return (mod[method] as Handler)(req, { params: Promise.resolve(params) });
}

async function setupOwner(): Promise<{ cookie: string; csrf: string }> {
  const response = await call("auth/setup/route.ts", "POST", makeRequest("POST", "/api/auth/setup", { body: { password: PASSWORD } }));
  expect(response.status).toBe(200);
  return { cookie: cookieHeaderFrom(response), csrf: cookieValue(response, "tk_csrf")! };
}

describe("sign-in through the routes", () => {
  it("first run: state says setup, setup signs in with strict cookies, then setup is closed", async () => {
    const state = await call("auth/state/route.ts", "GET", makeRequest("GET", "/api/auth/state"));
    expect(await state.json()).toEqual({ setupRequired: true });
    const response = await call("auth/setup/route.ts", "POST", makeRequest("POST", "/api/auth/setup", { body: { password: PASSWORD } }));
    expect(response.status).toBe(200);
    const [session, csrf] = response.headers.getSetCookie();
    expect(session).toMatch(/^tk_session=[\w-]{43}; Path=\/; SameSite=Strict; Max-Age=604800; HttpOnly$/);
    expect(csrf).toMatch(/^tk_csrf=[\w-]{43}; Path=\/; SameSite=Strict; Max-Age=604800$/);
    const again = await call("auth/setup/route.ts", "POST", makeRequest("POST", "/api/auth/setup", { body: { password: "another-password" } }));
    expect(again.status).toBe(409);
    expect(await (await call("auth/state/route.ts", "GET", makeRequest("GET", "/api/auth/state"))).json()).toEqual({ setupRequired: false });
  });

  it("marks cookies Secure when the request came over HTTPS", async () => {
    await setupOwner();
    const req = makeRequest("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
    req.headers.set("x-forwarded-proto", "https");
    const response = await call("auth/login/route.ts", "POST", req);
    expect(response.headers.getSetCookie().every((c) => c.endsWith("; Secure") || c.includes("; Secure;"))).toBe(true);
  });

  it("me returns the user and CSRF token; logout ends the session", async () => {
    const { cookie, csrf } = await setupOwner();
    const me = await call("auth/me/route.ts", "GET", makeRequest("GET", "/api/auth/me", { cookie }));
    expect(await me.json()).toEqual({ kind: "session", user: { username: "admin", totpEnabled: false }, csrfToken: csrf });
    const logout = await call("auth/logout/route.ts", "POST", makeRequest("POST", "/api/auth/logout", { cookie, csrf }));
    expect(logout.status).toBe(200);
    expect(logout.headers.getSetCookie().every((c) => c.includes("Max-Age=0"))).toBe(true);
    expect((await call("auth/me/route.ts", "GET", makeRequest("GET", "/api/auth/me", { cookie }))).status).toBe(401);
  });

  it("locks sign-in after repeated bad passwords with 429 and Retry-After, and unlocks after the window", async () => {
    await setupOwner();
    const attempt = (password: string) =>
      call("auth/login/route.ts", "POST", makeRequest("POST", "/api/auth/login", { body: { username: "admin", password }, address: "198.51.100.4" }));
    for (let i = 0; i < 4; i++) expect((await attempt(`bad-password-${i}`)).status).toBe(401);
    const locked = await attempt("bad-password-5");
    expect(locked.status).toBe(429);
    expect(locked.headers.get("Retry-After")).toBe("900");
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    expect((await attempt(PASSWORD)).status).toBe(429);
    t.clock.advance(15 * 60_000);
    expect((await attempt(PASSWORD)).status).toBe(200);
    const audit = (await (await call("audit/route.ts", "GET", makeRequest("GET", "/api/audit?limit=50", { bearer: STATIC_TOKEN }))).json()) as {
      items: Array<{ action: string }>;
    };
    expect(audit.items.map((r) => r.action)).toEqual(expect.arrayContaining(["auth.lockout", "auth.sign_in_failed", "auth.sign_in"]));
  });

  it("refuses a cross-site sign-in form post", async () => {
    await setupOwner();
    const req = makeRequest("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD }, origin: "https://evil.example", secFetchSite: "cross-site" });
    const response = await call("auth/login/route.ts", "POST", req);
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe("CSRF on cookie-authenticated mutations", () => {
  // A mutation route as any engineer writes it: the CSRF rule comes from route(), not from each handler.
  const mutation = route(async () => ({ done: true }));

  it("403 without the header, passes with it, and bearer tokens need none", async () => {
    const { cookie, csrf } = await setupOwner();
    const without = await mutation(makeRequest("POST", "/api/orders", { cookie, body: {} }), anyParams);
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe("CSRF");
    const withHeader = await mutation(makeRequest("POST", "/api/orders", { cookie, csrf, body: {} }), anyParams);
    expect(withHeader.status).toBe(200);
    const bearer = await mutation(makeRequest("POST", "/api/orders", { bearer: STATIC_TOKEN, origin: null, body: {} }), anyParams);
    expect(bearer.status).toBe(200);
  });

  it("applies to the real token routes too", async () => {
    const { cookie, csrf } = await setupOwner();
    expect((await call("tokens/route.ts", "POST", makeRequest("POST", "/api/tokens", { cookie, body: { name: "x" } }))).status).toBe(403);
    expect((await call("tokens/route.ts", "POST", makeRequest("POST", "/api/tokens", { cookie, csrf, body: { name: "x" } }))).status).toBe(201);
  });
});

describe("secrets never reach logs or API responses", () => {
  it("a full session: sign in, create a token, store exchange keys, use them", async () => {
    const apiKey = "LiveApiKey-8c1f2e7a9b3d4c5e6f70";
    const secret = "LiveSecret-0a9b8c7d6e5f4a3b2c1d";
    const log = captureLogger();
    const withLog = await createTestAuth(handle.db, handle.dir, { logger: log.logger });
    withLog.auth.setCredentialValidator(async () => {});
    registerApplication(withLog.auth, log.logger);

    const bodies: string[] = [];
    const record = async (response: Response) => {
      const text = await response.clone().text();
      bodies.push(text, ...response.headers.getSetCookie().filter((c) => !c.startsWith("tk_session=")));
      return response;
    };
    const setup = await record(await call("auth/setup/route.ts", "POST", makeRequest("POST", "/api/auth/setup", { body: { password: PASSWORD } })));
    const cookie = cookieHeaderFrom(setup);
    const sessionToken = cookieValue(setup, "tk_session")!;
    const csrf = cookieValue(setup, "tk_csrf")!;
    await record(await call("auth/login/route.ts", "POST", makeRequest("POST", "/api/auth/login", { body: { username: "admin", password: "wrong-password-1" } })));
    await record(await call("auth/login/route.ts", "POST", makeRequest("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } })));
    // The token is shown exactly once, in the creation response; every other answer is checked below.
    const created = await call("tokens/route.ts", "POST", makeRequest("POST", "/api/tokens", { cookie, csrf, body: { name: "script" } }));
    expect(created.status).toBe(201);
    const token = ((await created.json()) as { token: string }).token;
    expect(token).toMatch(/^tk_/);
    await record(
      await call("credentials/[venue]/[network]/route.ts", "PUT", makeRequest("PUT", "/api/credentials/binance/mainnet", { cookie, csrf, body: { apiKey, secret } }), {
        venue: "binance",
        network: "mainnet",
      }),
    );
    await record(await call("tokens/route.ts", "GET", makeRequest("GET", "/api/tokens", { bearer: token })));
    await record(await call("credentials/route.ts", "GET", makeRequest("GET", "/api/credentials", { bearer: token })));
    await record(await call("audit/route.ts", "GET", makeRequest("GET", "/api/audit", { cookie })));
    await record(await call("auth/me/route.ts", "GET", makeRequest("GET", "/api/auth/me", { cookie })));
    expect(await withLog.auth.getDecryptedCredential("binance", "mainnet")).toMatchObject({ apiKey, secret });

    // The routes' own loggers and the auth service's logger both went to `log`.
    const logText = log.text();
    expect(logText).toContain("signed in");
    expect(logText).toContain("exchange credentials stored");
    for (const value of [PASSWORD, "wrong-password-1", token, apiKey, secret, sessionToken]) {
      expect(logText, "log").not.toContain(value);
      for (const body of bodies) expect(body, "response").not.toContain(value);
    }
    expect(bodies.join("\n")).toContain('"last4"');
  });

  it("the logger redacts these values when someone logs them by mistake", () => {
    const log = captureLogger();
    log.logger.info(
      {
        password: PASSWORD,
        token: "tk_accidental",
        apiKey: "AK-accidental",
        secret: "S-accidental",
        totpSecret: "JBSWY3DPEHPK3PXP",
        masterKey: "ab".repeat(32),
        req: { headers: { cookie: "tk_session=abc123session", authorization: "Bearer tk_header_token" } },
        body: { password: "nested-password" },
      },
      "careless log line",
    );
    const text = log.text();
    expect(text).toContain("careless log line");
    for (const value of [PASSWORD, "tk_accidental", "AK-accidental", "S-accidental", "JBSWY3DPEHPK3PXP", "ab".repeat(32), "abc123session", "tk_header_token", "nested-password"]) {
      expect(text).not.toContain(value);
    }
  });
});

describe("audit routes", () => {
  it("verify reports the seq of a tampered record", async () => {
    await setupOwner();
    await t.auth.audit.appendAudit({ actor: "engine", action: "kill_switch.flatten", data: { positions: 2 } });
    await t.auth.audit.appendAudit({ actor: "engine", action: "mode.change", data: { to: "paper" } });
    const verify = () => call("audit/verify/route.ts", "GET", makeRequest("GET", "/api/audit/verify", { bearer: STATIC_TOKEN }));
    expect(await (await verify()).json()).toMatchObject({ ok: true, firstBrokenSeq: null });
    const { items } = await t.auth.audit.list();
    const target = items.find((r) => r.action === "kill_switch.flatten")!;
    await handle.db.prisma.$executeRawUnsafe(`UPDATE "audit_log" SET "data" = '{"positions":0}' WHERE "seq" = ${target.seq}`);
    expect(await (await verify()).json()).toMatchObject({ ok: false, firstBrokenSeq: target.seq });
  });

  it("rejects a nonsense limit with a clear validation error", async () => {
    const response = await call("audit/route.ts", "GET", makeRequest("GET", "/api/audit?limit=abc", { bearer: STATIC_TOKEN }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
  });
});
