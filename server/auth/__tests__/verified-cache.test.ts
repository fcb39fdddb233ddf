import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import type { Database } from "../../db/database";
import type { AuthService, SignedIn } from "../service";
import { VERIFIED_CACHE_TTL_MS, VerifiedCache } from "../verified-cache";
import { createTestAuth, makeRequest, openTestDatabase, resetAuthTables, type TestAuth } from "./fixtures";

/**
 * Verified sessions and tokens are cached in memory (server/auth/verified-cache.ts); sign-out, password
 * changes and revocations must still take effect on the very next request.
 */

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let db: Database;
let t: TestAuth;
let auth: AuthService;

const META = { address: "10.0.0.5", secure: false };
const PASSWORD = "owner-password-123";

beforeAll(async () => {
  handle = await openTestDatabase();
  db = handle.db;
});
afterAll(async () => {
  await handle?.close();
});
beforeEach(async () => {
  await resetAuthTables(db);
  t = await createTestAuth(db, handle.dir);
  auth = t.auth;
});

async function caught(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

function sessionRequest(method: string, path: string, session: SignedIn): Request {
  return makeRequest(method, path, { cookie: `tk_session=${session.sessionToken}; tk_csrf=${session.csrfToken}`, csrf: session.csrfToken });
}

async function authorized(req: Request): Promise<Request> {
  await auth.authorizeRequest(req, { mutation: req.method !== "GET" });
  return req;
}

const readWith = (bearer: string) => auth.authorizeRequest(makeRequest("GET", "/api/status", { bearer }), { mutation: false });
const readAs = (session: SignedIn) => auth.authorizeRequest(sessionRequest("GET", "/api/status", session), { mutation: false });

describe("cached verification of API tokens", () => {
  it("refuses a revoked token on the very next request, though it was just verified (and cached)", async () => {
    const owner = await auth.setupOwner({ password: PASSWORD }, META);
    const created = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", owner)), "script");
    await expect(readWith(created.token)).resolves.toEqual({ kind: "api-token", tokenId: created.id });
    await expect(readWith(created.token)).resolves.toEqual({ kind: "api-token", tokenId: created.id });
    await auth.revokeApiToken(await authorized(sessionRequest("DELETE", `/api/tokens/${created.id}`, owner)), created.id);
    expect(await caught(readWith(created.token))).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });

  it("does not let a lookup that was in flight during the revocation put the token back", async () => {
    const owner = await auth.setupOwner({ password: PASSWORD }, META);
    const created = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", owner)), "racing");
    // Not awaited: the lookup reads the row (not yet revoked) while the revocation runs.
    const inFlight = readWith(created.token).catch((err: unknown) => err);
    await auth.revokeApiToken(await authorized(sessionRequest("DELETE", `/api/tokens/${created.id}`, owner)), created.id);
    await inFlight;
    expect(await caught(readWith(created.token))).toMatchObject({ status: 401 });
  });

  it("revoking one token leaves the others working", async () => {
    const owner = await auth.setupOwner({ password: PASSWORD }, META);
    const a = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", owner)), "a");
    const b = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", owner)), "b");
    await readWith(a.token);
    await readWith(b.token);
    await auth.revokeApiToken(await authorized(sessionRequest("DELETE", `/api/tokens/${a.id}`, owner)), a.id);
    expect(await caught(readWith(a.token))).toMatchObject({ status: 401 });
    await expect(readWith(b.token)).resolves.toEqual({ kind: "api-token", tokenId: b.id });
  });

  it("bounds a change made outside this process by the cache lifetime", async () => {
    const owner = await auth.setupOwner({ password: PASSWORD }, META);
    const created = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", owner)), "external");
    await readWith(created.token);
    await db.prisma.apiToken.update({ where: { id: created.id }, data: { revokedAt: new Date(t.clock.now()) } });
    t.clock.advance(VERIFIED_CACHE_TTL_MS);
    expect(await caught(readWith(created.token))).toMatchObject({ status: 401 });
  });
});

describe("cached verification of sessions", () => {
  it("signs out at once: the cached session is refused on the next request", async () => {
    await auth.setupOwner({ password: PASSWORD }, META);
    const session = await auth.login({ username: "admin", password: PASSWORD }, META);
    await readAs(session);
    await auth.logout(await authorized(sessionRequest("POST", "/api/auth/logout", session)), META);
    expect(await caught(readAs(session))).toMatchObject({ status: 401 });
  });

  it("a password change ends every cached session of the user at once, other users' sessions untouched", async () => {
    await auth.setupOwner({ password: PASSWORD }, META);
    const laptop = await auth.login({ username: "admin", password: PASSWORD }, META);
    const phone = await auth.login({ username: "admin", password: PASSWORD }, META);
    await readAs(laptop);
    await readAs(phone);
    const fresh = await auth.changePassword(await authorized(sessionRequest("POST", "/api/auth/password", laptop)), { currentPassword: PASSWORD, newPassword: "brand-new-password" }, META);
    expect(await caught(readAs(laptop))).toMatchObject({ status: 401 });
    expect(await caught(readAs(phone))).toMatchObject({ status: 401 });
    await expect(readAs(fresh)).resolves.toMatchObject({ kind: "session", username: "admin" });
  });

  it("honours the session's expiry on a cached hit", async () => {
    await resetAuthTables(db);
    t = await createTestAuth(db, handle.dir, { sessionTtlMs: 2_000 });
    auth = t.auth;
    const session = await auth.setupOwner({ password: PASSWORD }, META);
    await expect(readAs(session)).resolves.toMatchObject({ kind: "session" });
    t.clock.advance(2_001);
    expect(await caught(readAs(session))).toMatchObject({ status: 401 });
  });

  it("keeps the CSRF check on cached sessions", async () => {
    const session = await auth.setupOwner({ password: PASSWORD }, META);
    await readAs(session);
    const forged = makeRequest("POST", "/api/orders", { cookie: `tk_session=${session.sessionToken}`, csrf: "guessed" });
    expect(await caught(auth.authorizeRequest(forged, { mutation: true }))).toMatchObject({ code: "CSRF", status: 403 });
  });
});

describe("VerifiedCache", () => {
  it("refuses to store a result read before an invalidation", () => {
    let now = 0;
    const cache = new VerifiedCache<string>(() => now);
    const before = cache.generation;
    cache.invalidate({ tokenId: "tok_1" });
    cache.store("k", before, { value: "stale", tokenId: "tok_1" });
    expect(cache.get("k")).toBeUndefined();
    cache.store("k", cache.generation, { value: "fresh", tokenId: "tok_1" });
    expect(cache.get("k")).toBe("fresh");
    now += VERIFIED_CACHE_TTL_MS;
    expect(cache.get("k")).toBeUndefined();
  });
});
