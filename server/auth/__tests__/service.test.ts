import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import type { Database } from "../../db/database";
import { LIVE_CONFIRMATION_PHRASE } from "../live-arming";
import { createSecretBox } from "../secret-box";
import type { AuthService, SignedIn } from "../service";
import { totpCode } from "../totp";
import { STATIC_TOKEN, createTestAuth, makeRequest, openTestDatabase, resetAuthTables, testConfig, type TestAuth } from "./fixtures";

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

function sessionRequest(method: string, path: string, session: SignedIn, extra: { csrf?: string | null; origin?: string; secFetchSite?: string } = {}): Request {
  return makeRequest(method, path, {
    cookie: `tk_session=${session.sessionToken}; tk_csrf=${session.csrfToken}`,
    csrf: extra.csrf === null ? undefined : (extra.csrf ?? session.csrfToken),
    origin: extra.origin,
    secFetchSite: extra.secFetchSite,
  });
}

async function signedInOwner(): Promise<SignedIn> {
  return auth.setupOwner({ password: PASSWORD }, META);
}

/** Authorizes like route() does and returns the request for the service call that follows. */
async function authorized(req: Request): Promise<Request> {
  await auth.authorizeRequest(req, { mutation: req.method !== "GET" });
  return req;
}

async function auditActions(): Promise<string[]> {
  const { items } = await auth.audit.list({ limit: 500 });
  return items.map((r) => r.action).reverse();
}

describe("first run", () => {
  it("offers setup until the owner exists, then never again", async () => {
    expect(await auth.setupRequired()).toBe(true);
    const signedIn = await signedInOwner();
    expect(signedIn.user).toEqual({ username: "admin", totpEnabled: false });
    expect(await auth.setupRequired()).toBe(false);
    const second = await caught(auth.setupOwner({ username: "mallory", password: "another-password" }, META));
    expect(second).toMatchObject({ code: "SETUP_DONE", status: 409 });
    expect(await db.prisma.user.count()).toBe(1);
  });

  it("lets only one of two simultaneous first visitors create the owner", async () => {
    const results = await Promise.allSettled([
      auth.setupOwner({ username: "first", password: "password-one" }, META),
      auth.setupOwner({ username: "second", password: "password-two" }, META),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.prisma.user.count()).toBe(1);
  });

  it("refuses a weak owner password", async () => {
    expect(await caught(auth.setupOwner({ password: "short" }, META))).toMatchObject({ code: "WEAK_PASSWORD" });
    expect(await auth.setupRequired()).toBe(true);
  });

  it("creates the owner from ADMIN_PASSWORD for headless installs, and does not touch an existing one", async () => {
    const headless = await createTestAuth(db, handle.dir, { config: testConfig(handle.dir, { adminPassword: "headless-password" }) });
    expect(await headless.auth.setupRequired()).toBe(false);
    await headless.auth.login({ username: "admin", password: "headless-password" }, META);
    const again = await createTestAuth(db, handle.dir, { config: testConfig(handle.dir, { adminPassword: "changed-password" }) });
    expect(await caught(again.auth.login({ username: "admin", password: "changed-password" }, META))).toMatchObject({ code: "INVALID_CREDENTIALS" });
    expect(await auditActions()).toContain("auth.owner_created");
  });

  it("stores the password only as a salted scrypt hash", async () => {
    await signedInOwner();
    const row = await db.prisma.user.findFirstOrThrow();
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
  });
});

describe("sign-in", () => {
  beforeEach(async () => {
    await signedInOwner();
  });

  it("signs in with the right password, case-insensitive username, and records it", async () => {
    const signedIn = await auth.login({ username: "Admin", password: PASSWORD }, META);
    expect(signedIn.sessionToken).toMatch(/^[\w-]{43}$/);
    const stored = await db.prisma.authSession.findMany();
    expect(stored.some((s) => s.tokenHash === signedIn.sessionToken)).toBe(false);
    const principal = await auth.authorizeRequest(sessionRequest("GET", "/api/status", signedIn), { mutation: false });
    expect(principal).toMatchObject({ kind: "session", username: "admin" });
    expect(await auditActions()).toContain("auth.sign_in");
  });

  it("answers the same for an unknown user and a wrong password, and audits both", async () => {
    const unknown = await caught(auth.login({ username: "nobody", password: PASSWORD }, META));
    const wrong = await caught(auth.login({ username: "admin", password: "wrong-password" }, META));
    expect(unknown).toMatchObject({ code: "INVALID_CREDENTIALS", status: 401, message: "wrong username or password" });
    expect(wrong).toMatchObject({ code: "INVALID_CREDENTIALS", status: 401, message: "wrong username or password" });
    const failures = (await auth.audit.list()).items.filter((r) => r.action === "auth.sign_in_failed");
    expect(failures.map((r) => (r.data as { reason: string }).reason).sort()).toEqual(["unknown user", "wrong password"]);
  });

  it("locks a username after 5 bad passwords for 15 minutes, then lets the owner back in", async () => {
    for (let i = 0; i < 4; i++) {
      expect(await caught(auth.login({ username: "admin", password: `guess-${i}-password` }, { ...META, address: `10.0.1.${i}` }))).toMatchObject({ status: 401 });
    }
    const fifth = await caught(auth.login({ username: "admin", password: "guess-5-password" }, { ...META, address: "10.0.1.9" }));
    expect(fifth).toMatchObject({ code: "RATE_LIMITED", status: 429, details: { retryAfterS: 900 } });
    // Even the right password waits out the lock.
    expect(await caught(auth.login({ username: "admin", password: PASSWORD }, META))).toMatchObject({ code: "RATE_LIMITED" });
    t.clock.advance(14 * 60_000);
    expect(await caught(auth.login({ username: "admin", password: PASSWORD }, META))).toMatchObject({ details: { retryAfterS: 60 } });
    t.clock.advance(60_000);
    await expect(auth.login({ username: "admin", password: PASSWORD }, META)).resolves.toMatchObject({ user: { username: "admin" } });
    expect(await auditActions()).toContain("auth.lockout");
  });

  it("locks an address that sprays many usernames", async () => {
    for (let i = 0; i < 5; i++) await caught(auth.login({ username: `user${i}`, password: "whatever-password" }, { ...META, address: "203.0.113.7" }));
    expect(await caught(auth.login({ username: "admin", password: PASSWORD }, { ...META, address: "203.0.113.7" }))).toMatchObject({ code: "RATE_LIMITED" });
    // The owner from another address is not locked out by someone else's spraying.
    await expect(auth.login({ username: "admin", password: PASSWORD }, { ...META, address: "10.9.9.9" })).resolves.toBeTruthy();
  });

  it("expires a session after 7 idle days, and slides while it is used", async () => {
    const signedIn = await auth.login({ username: "admin", password: PASSWORD }, META);
    const use = () => auth.authorizeRequest(sessionRequest("GET", "/api/status", signedIn), { mutation: false });
    t.clock.advance(6 * 86_400_000);
    await expect(use()).resolves.toMatchObject({ kind: "session" });
    t.clock.advance(6 * 86_400_000);
    await expect(use()).resolves.toMatchObject({ kind: "session" });
    t.clock.advance(7 * 86_400_000 + 1);
    expect(await caught(use())).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });

  it("signs out: the session cookie stops working", async () => {
    const signedIn = await auth.login({ username: "admin", password: PASSWORD }, META);
    await auth.logout(await authorized(sessionRequest("POST", "/api/auth/logout", signedIn)), META);
    expect(await caught(auth.authorizeRequest(sessionRequest("GET", "/api/status", signedIn), { mutation: false }))).toMatchObject({ status: 401 });
    expect(await auditActions()).toContain("auth.sign_out");
  });

  it("never records what was typed as an unknown username (it may be a password)", async () => {
    await caught(auth.login({ username: PASSWORD, password: "x-password" }, META));
    expect(JSON.stringify((await auth.audit.list()).items)).not.toContain(PASSWORD);
    expect(t.log.text()).not.toContain(PASSWORD);
  });

  it("changes the password with the current one, ending every other session", async () => {
    const laptop = await auth.login({ username: "admin", password: PASSWORD }, META);
    const phone = await auth.login({ username: "admin", password: PASSWORD }, META);
    const change = async (currentPassword: string, newPassword: string) =>
      auth.changePassword(await authorized(sessionRequest("POST", "/api/auth/password", laptop)), { currentPassword, newPassword }, META);
    expect(await caught(change("not-the-password", "brand-new-password"))).toMatchObject({ code: "WRONG_PASSWORD", status: 403 });
    expect(await caught(change(PASSWORD, "short"))).toMatchObject({ code: "WEAK_PASSWORD" });
    const fresh = await change(PASSWORD, "brand-new-password");
    for (const old of [laptop, phone]) {
      expect(await caught(auth.authorizeRequest(sessionRequest("GET", "/api/status", old), { mutation: false }))).toMatchObject({ status: 401 });
    }
    await expect(auth.authorizeRequest(sessionRequest("GET", "/api/status", fresh), { mutation: false })).resolves.toMatchObject({ kind: "session" });
    expect(await caught(auth.login({ username: "admin", password: PASSWORD }, META))).toMatchObject({ code: "INVALID_CREDENTIALS" });
    await expect(auth.login({ username: "admin", password: "brand-new-password" }, META)).resolves.toBeTruthy();
    expect(await auditActions()).toEqual(expect.arrayContaining(["auth.password_change_failed", "auth.password_changed"]));
  });

  it("refuses requests without credentials and with a forged session cookie", async () => {
    expect(await caught(auth.authorizeRequest(makeRequest("GET", "/api/status"), { mutation: false }))).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    expect(await caught(auth.authorizeRequest(makeRequest("GET", "/api/status", { cookie: "tk_session=forged" }), { mutation: false }))).toMatchObject({ status: 401 });
    expect(await caught(auth.authorizeRequest(makeRequest("GET", "/x", { cookie: "other=1" }), { mutation: false }))).toMatchObject({ status: 401 });
  });
});

describe("CSRF", () => {
  let session: SignedIn;
  beforeEach(async () => {
    session = await signedInOwner();
  });

  it("refuses a cookie-authenticated mutation without the X-CSRF-Token header", async () => {
    expect(await caught(auth.authorizeRequest(sessionRequest("POST", "/api/orders", session, { csrf: null }), { mutation: true }))).toMatchObject({ code: "CSRF", status: 403 });
  });

  it("refuses a wrong CSRF token and accepts the session's own", async () => {
    expect(await caught(auth.authorizeRequest(sessionRequest("POST", "/api/orders", session, { csrf: "guessed" }), { mutation: true }))).toMatchObject({ code: "CSRF" });
    await expect(auth.authorizeRequest(sessionRequest("POST", "/api/orders", session), { mutation: true })).resolves.toMatchObject({ kind: "session" });
  });

  it("refuses cross-site requests even with the right token", async () => {
    expect(await caught(auth.authorizeRequest(sessionRequest("POST", "/api/orders", session, { secFetchSite: "cross-site" }), { mutation: true }))).toMatchObject({ code: "CSRF" });
    expect(await caught(auth.authorizeRequest(sessionRequest("POST", "/api/orders", session, { origin: "https://evil.example" }), { mutation: true }))).toMatchObject({ code: "CSRF" });
    expect(() => auth.assertSameOrigin(makeRequest("POST", "/api/auth/login", { origin: "https://evil.example" }))).toThrow(/cross-site/);
  });

  it("does not ask bearer-token callers for a CSRF token", async () => {
    const req = makeRequest("POST", "/api/orders", { bearer: STATIC_TOKEN, origin: null });
    await expect(auth.authorizeRequest(req, { mutation: true })).resolves.toEqual({ kind: "static-token" });
  });
});

describe("API tokens", () => {
  let session: SignedIn;
  beforeEach(async () => {
    session = await signedInOwner();
  });

  it("creates a token shown once, lists it without the secret, and authenticates scripts with it", async () => {
    const created = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", session)), "backup script");
    expect(created.token).toMatch(/^tk_/);
    expect(created.last4).toBe(created.token.slice(-4));
    const listed = await auth.listApiTokens();
    expect(listed).toEqual([{ id: created.id, name: "backup script", last4: created.last4, createdAt: created.createdAt, lastUsedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.tokenHash).not.toBe(created.token);

    t.clock.advance(5_000);
    const principal = await auth.authorizeRequest(makeRequest("GET", "/api/status", { bearer: created.token }), { mutation: false });
    expect(principal).toEqual({ kind: "api-token", tokenId: created.id });
    expect((await auth.listApiTokens())[0].lastUsedAt).toBe(new Date(t.clock.now()).toISOString());
  });

  it("revokes a token at once", async () => {
    const created = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", session)), "ci");
    await auth.revokeApiToken(await authorized(sessionRequest("DELETE", `/api/tokens/${created.id}`, session)), created.id);
    expect(await caught(auth.authorizeRequest(makeRequest("GET", "/api/status", { bearer: created.token }), { mutation: false }))).toMatchObject({ status: 401 });
    expect(await auth.listApiTokens()).toEqual([]);
    expect(await caught(auth.revokeApiToken(await authorized(sessionRequest("DELETE", "/api/tokens/x", session)), created.id))).toMatchObject({ status: 404 });
    expect(await auditActions()).toEqual(expect.arrayContaining(["token.create", "token.revoke"]));
  });

  it("a script token cannot mint more tokens or change keys", async () => {
    const created = await auth.createApiToken(await authorized(sessionRequest("POST", "/api/tokens", session)), "bot");
    const scripted = await authorized(makeRequest("POST", "/api/tokens", { bearer: created.token }));
    expect(await caught(auth.createApiToken(scripted, "another"))).toMatchObject({ code: "SESSION_REQUIRED", status: 403 });
    expect(await caught(auth.putCredential(scripted, "binance", "testnet", { apiKey: "k".repeat(20), secret: "s".repeat(20) }))).toMatchObject({ code: "SESSION_REQUIRED" });
  });

  it("accepts the static environment token and refuses near misses", async () => {
    await expect(auth.authorizeRequest(makeRequest("GET", "/api/status", { bearer: STATIC_TOKEN }), { mutation: false })).resolves.toEqual({ kind: "static-token" });
    for (const near of [STATIC_TOKEN.slice(0, -1), `${STATIC_TOKEN}x`, STATIC_TOKEN.toUpperCase()]) {
      expect(await caught(auth.authorizeRequest(makeRequest("GET", "/api/status", { bearer: near }), { mutation: false }))).toMatchObject({ status: 401 });
    }
    const basic = new Request("http://127.0.0.1:3000/api/status", { headers: { authorization: "Basic YWRtaW46cGFzcw==" } });
    expect(await caught(auth.authorizeRequest(basic, { mutation: false }))).toMatchObject({ status: 401 });
  });
});

describe("two-factor", () => {
  it("sets up, enables, requires the code at sign-in, refuses a replay, and disables", async () => {
    const session = await signedInOwner();
    const { secret, otpauthUri } = await auth.beginTotpSetup(await authorized(sessionRequest("POST", "/api/auth/totp/setup", session)));
    expect(otpauthUri).toContain(`secret=${secret}`);
    const stored = await db.prisma.user.findFirstOrThrow();
    expect(stored.totpSecret).not.toContain(secret);

    expect(await caught(auth.enableTotp(await authorized(sessionRequest("POST", "/api/auth/totp/enable", session)), "000000"))).toMatchObject({ code: "TOTP_INVALID" });
    const enabled = await auth.enableTotp(await authorized(sessionRequest("POST", "/api/auth/totp/enable", session)), totpCode(secret, t.clock.now()));
    expect(enabled).toEqual({ username: "admin", totpEnabled: true });

    expect(await caught(auth.login({ username: "admin", password: PASSWORD }, META))).toMatchObject({ code: "TOTP_REQUIRED", status: 401 });
    t.clock.advance(30_000);
    const code = totpCode(secret, t.clock.now());
    const signedIn = await auth.login({ username: "admin", password: PASSWORD, totp: code }, META);
    expect(signedIn.user.totpEnabled).toBe(true);
    expect(await caught(auth.login({ username: "admin", password: PASSWORD, totp: code }, META))).toMatchObject({ code: "TOTP_INVALID" });
    expect(await caught(auth.login({ username: "admin", password: "wrong-password", totp: code }, META))).toMatchObject({ code: "INVALID_CREDENTIALS" });

    t.clock.advance(30_000);
    const disabled = await auth.disableTotp(await authorized(sessionRequest("POST", "/api/auth/totp/disable", signedIn)), totpCode(secret, t.clock.now()));
    expect(disabled.totpEnabled).toBe(false);
    await expect(auth.login({ username: "admin", password: PASSWORD }, META)).resolves.toBeTruthy();
    expect(await auditActions()).toEqual(expect.arrayContaining(["auth.totp_enabled", "auth.totp_disabled", "auth.sign_in_failed"]));
  });
});

describe("exchange credentials", () => {
  const apiKey = "AbCdEfGhIjKlMnOpQrStUvWx1234";
  const secret = "sEcReTsEcReTsEcReTsEcReT9876";

  it("validates, stores sealed, never returns the key, and hands it decrypted to the engine", async () => {
    const calls: unknown[] = [];
    auth.setCredentialValidator(async (...args) => {
      calls.push(args);
    });
    const session = await signedInOwner();
    const status = await auth.putCredential(await authorized(sessionRequest("PUT", "/api/credentials/binance/mainnet", session)), "binance", "mainnet", { apiKey, secret });
    expect(calls).toEqual([["binance", "mainnet", apiKey, secret]]);
    expect(status).toEqual({ venue: "binance", network: "mainnet", set: true, last4: "1234", validatedAt: new Date(t.clock.now()).toISOString(), source: "settings" });
    expect(await auth.credentials.list()).toEqual([status]);
    const row = await db.prisma.exchangeCredential.findFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(apiKey);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(await auth.getDecryptedCredential("binance", "mainnet")).toEqual({ venue: "binance", network: "mainnet", apiKey, secret, source: "settings" });
    expect(await auth.getDecryptedCredential("binance", "testnet")).toBeNull();
    expect(await auditActions()).toContain("credentials.set");
  });

  it("refuses a key the exchange rejects, without echoing it", async () => {
    auth.setCredentialValidator(async (_venue, _network, key, sec) => {
      throw new Error(`binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."} key=${key} secret=${sec}`);
    });
    const session = await signedInOwner();
    const err = await caught(auth.putCredential(await authorized(sessionRequest("PUT", "/x", session)), "binance", "mainnet", { apiKey, secret }));
    expect(err).toMatchObject({ code: "CREDENTIAL_INVALID", status: 400 });
    expect(err.message).toMatch(/binance mainnet did not accept the key: .*Invalid API-key/);
    expect(err.message).not.toContain(apiKey);
    expect(err.message).not.toContain(secret);
    expect(await db.prisma.exchangeCredential.count()).toBe(0);
    const audit = JSON.stringify((await auth.audit.list()).items);
    expect(audit).toContain("credentials.rejected");
    expect(audit).not.toContain(apiKey);
    expect(t.log.text()).not.toContain(secret);
  });

  it("refuses malformed input and unknown networks with clear errors", async () => {
    auth.setCredentialValidator(async () => {});
    const session = await signedInOwner();
    const req = await authorized(sessionRequest("PUT", "/x", session));
    await expect(auth.putCredential(req, "binance", "prod", { apiKey, secret })).rejects.toThrow(/testnet|mainnet/);
    await expect(auth.putCredential(req, "Bin ance", "mainnet", { apiKey, secret })).rejects.toThrow(/exchange id/);
    await expect(auth.putCredential(req, "binance", "testnet", { apiKey: "short", secret })).rejects.toThrow(/apiKey looks too short/);
    await expect(auth.putCredential(req, "binance", "testnet", { apiKey: "has space in it", secret })).rejects.toThrow(/printable ASCII/);
  });

  it("answers 503 while no validator is wired instead of storing an unchecked key", async () => {
    const session = await signedInOwner();
    const err = await caught(auth.putCredential(await authorized(sessionRequest("PUT", "/x", session)), "binance", "testnet", { apiKey, secret }));
    expect(err).toMatchObject({ code: "VALIDATOR_UNAVAILABLE", status: 503 });
  });

  it("keeps testnet and mainnet keys apart and lists environment keys without revealing them", async () => {
    const withEnv = await createTestAuth(db, handle.dir, {
      config: testConfig(handle.dir, {}, { id: "binance-testnet", apiKey: "envkey-abcdefgh-9999", secret: "envsecret-abcdefgh" }),
    });
    expect(await withEnv.auth.credentials.list()).toEqual([{ venue: "binance", network: "testnet", set: true, last4: "9999", validatedAt: null, source: "environment" }]);
    expect(await withEnv.auth.getDecryptedCredential("binance", "testnet")).toMatchObject({ apiKey: "envkey-abcdefgh-9999", source: "environment" });
    expect(await withEnv.auth.getDecryptedCredential("binance", "mainnet")).toBeNull();
  });

  it("reports a changed master key clearly when the engine asks for the key", async () => {
    auth.setCredentialValidator(async () => {});
    const session = await signedInOwner();
    await auth.putCredential(await authorized(sessionRequest("PUT", "/x", session)), "binance", "mainnet", { apiKey, secret });
    const rekeyed = await createTestAuth(db, handle.dir, { secretBox: createSecretBox({ key: randomBytes(32), id: "otherkey0000" }) });
    const err = await caught(rekeyed.auth.getDecryptedCredential("binance", "mainnet"));
    expect(err).toMatchObject({ code: "SECRET_WRONG_KEY" });
    expect(err.message).toMatch(/different master key/);
  });
});

describe("live arming", () => {
  const input = {
    hasValidMainnetKeys: true,
    typedConfirmation: LIVE_CONFIRMATION_PHRASE,
    acknowledgedDailyLossLimit: 3,
    acknowledgedMaxPosition: 30,
    currentLimits: { dailyLossLimit: 3, maxPosition: 30 },
  };

  it("arms for a signed-in owner who meets every condition, and records it", async () => {
    const session = await signedInOwner();
    const armed = await auth.armLive(await authorized(sessionRequest("POST", "/api/live/arm", session)), input);
    expect(armed).toEqual({ armedAt: new Date(t.clock.now()).toISOString(), by: "user:admin" });
    expect(await auditActions()).toContain("live.armed");
  });

  it("refuses with the failing condition's code and records the refusal", async () => {
    const session = await signedInOwner();
    const err = await caught(auth.armLive(await authorized(sessionRequest("POST", "/api/live/arm", session)), { ...input, typedConfirmation: "yes" }));
    expect(err).toMatchObject({ code: "LIVE_CONFIRMATION_MISMATCH", status: 403 });
    const refused = (await auth.audit.list()).items.find((r) => r.action === "live.arm_refused");
    expect(refused?.data).toMatchObject({ failures: ["LIVE_CONFIRMATION_MISMATCH"] });
  });

  it("refuses a script token", async () => {
    await signedInOwner();
    const err = await caught(auth.armLive(await authorized(makeRequest("POST", "/api/live/arm", { bearer: STATIC_TOKEN })), input));
    expect(err).toMatchObject({ code: "LIVE_USER_REQUIRED" });
  });

  it("asks for the two-factor code when it is on, and refuses it twice", async () => {
    const session = await signedInOwner();
    const { secret } = await auth.beginTotpSetup(await authorized(sessionRequest("POST", "/x", session)));
    await auth.enableTotp(await authorized(sessionRequest("POST", "/x", session)), totpCode(secret, t.clock.now()));
    const arm = async (totp?: string) => auth.armLive(await authorized(sessionRequest("POST", "/api/live/arm", session)), { ...input, totpCode: totp });
    expect(await caught(arm())).toMatchObject({ code: "LIVE_TOTP_REQUIRED" });
    t.clock.advance(30_000);
    const code = totpCode(secret, t.clock.now());
    await expect(arm(code)).resolves.toMatchObject({ by: "user:admin" });
    expect(await caught(arm(code))).toMatchObject({ code: "LIVE_TOTP_INVALID" });
  });
});
