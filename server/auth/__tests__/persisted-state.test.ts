import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import type { Database } from "../../db/database";
import { AUDIT_ANCHOR_SETTING, auditAnchorFile, createAuditLog } from "../audit";
import { AUTH_STATE_SETTING } from "../auth-state";
import { createSecretBox } from "../secret-box";
import { totpCode } from "../totp";
import { createTestAuth, makeRequest, openTestDatabase, resetAuthTables, type TestAuth } from "./fixtures";

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let db: Database;
const META = { address: "10.0.0.5", secure: false };
const PASSWORD = "owner-password-123";
const box = createSecretBox({ key: randomBytes(32), id: "testkey00001" });

beforeAll(async () => {
  handle = await openTestDatabase();
  db = handle.db;
});
afterAll(async () => {
  await handle?.close();
});
beforeEach(async () => {
  await resetAuthTables(db);
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

/** A process start: a fresh service on the same database and data folder, at the given time. */
async function start(at?: number): Promise<TestAuth> {
  const t = await createTestAuth(db, handle.dir, { secretBox: box });
  if (at !== undefined) t.clock.set(at);
  return t;
}

describe("sign-in protection survives a restart", () => {
  it("a username locked after 5 bad passwords stays locked after the bot restarts, until the 15 minutes are over", async () => {
    const first = await start();
    await first.auth.setupOwner({ password: PASSWORD }, META);
    for (let i = 0; i < 5; i++) await caught(first.auth.login({ username: "admin", password: `guess-${i}-password` }, { ...META, address: `10.0.1.${i}` }));
    const lockedAt = first.clock.now();

    const second = await start(lockedAt + 60_000);
    expect(await caught(second.auth.login({ username: "admin", password: PASSWORD }, META))).toMatchObject({ code: "RATE_LIMITED", details: { retryAfterS: 840 } });
    second.clock.advance(14 * 60_000);
    await expect(second.auth.login({ username: "admin", password: PASSWORD }, META)).resolves.toMatchObject({ user: { username: "admin" } });
  });

  it("four failures before a restart and one after still lock: a restart does not give fresh guesses", async () => {
    const first = await start();
    await first.auth.setupOwner({ password: PASSWORD }, META);
    for (let i = 0; i < 4; i++) await caught(first.auth.login({ username: "admin", password: `guess-${i}-password` }, META));
    const second = await start(first.clock.now() + 1_000);
    expect(await caught(second.auth.login({ username: "admin", password: "guess-5-password" }, META))).toMatchObject({ code: "RATE_LIMITED" });
  });

  it("a two-factor code used before a restart is refused after it", async () => {
    const first = await start();
    const session = await first.auth.setupOwner({ password: PASSWORD }, META);
    const req = (path: string) =>
      makeRequest("POST", path, { cookie: `tk_session=${session.sessionToken}; tk_csrf=${session.csrfToken}`, csrf: session.csrfToken });
    const authorized = async (r: Request) => {
      await first.auth.authorizeRequest(r, { mutation: true });
      return r;
    };
    const { secret } = await first.auth.beginTotpSetup(await authorized(req("/api/auth/totp/setup")));
    await first.auth.enableTotp(await authorized(req("/api/auth/totp/enable")), totpCode(secret, first.clock.now()));
    first.clock.advance(30_000);
    const code = totpCode(secret, first.clock.now());
    await first.auth.login({ username: "admin", password: PASSWORD, totp: code }, META);

    const second = await start(first.clock.now() + 5_000); // same 30 s step
    expect(await caught(second.auth.login({ username: "admin", password: PASSWORD, totp: code }, META))).toMatchObject({ code: "TOTP_INVALID" });
    const row = await db.prisma.setting.findUniqueOrThrow({ where: { key: AUTH_STATE_SETTING } });
    expect(Object.keys((row.value as { totpSteps: object }).totpSteps)).toHaveLength(1);
  });
});

describe("audit chain head anchored outside the table", () => {
  async function appendSome(n: number, anchorFile?: string) {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 9));
    const audit = createAuditLog({ prisma: db.prisma, clock, anchorFile });
    for (let i = 0; i < n; i++) {
      clock.advance(1_000);
      await audit.appendAudit({ actor: "user:admin", action: "limits.tighten", data: { i } });
    }
    return audit;
  }

  it("removing the last records leaves a consistent chain, but verify reports the truncated tail", async () => {
    const file = auditAnchorFile(handle.dir);
    const audit = await appendSome(6, file);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 6, headSeq: 6 });
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ seq: 6 });

    await db.prisma.auditLog.deleteMany({ where: { seq: { gt: 4n } } });
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, checked: 4, headSeq: 4, firstBrokenSeq: 5 });
    expect(result.reason).toMatch(/chain ends at seq 4 but .* recorded seq 6 .*removed from the tail/);
    expect(result.anchors.map((a) => [a.source, a.matches])).toEqual([
      ["database", false],
      ["file", false],
    ]);
  });

  it("the anchor file still catches it when the database anchor was rewritten to match", async () => {
    const file = auditAnchorFile(handle.dir);
    const audit = await appendSome(5, file);
    const head = await db.prisma.auditLog.findFirstOrThrow({ where: { seq: 3n } });
    await db.prisma.auditLog.deleteMany({ where: { seq: { gt: 3n } } });
    const value = { seq: 3, hash: head.hash, at: head.timestamp.toISOString() };
    await db.prisma.setting.update({ where: { key: AUDIT_ANCHOR_SETTING }, data: { value } });
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/the anchor file recorded seq 5/);
  });

  it("a log with no anchor yet (an install from before anchors) verifies, and the next append anchors it", async () => {
    const file = auditAnchorFile(handle.dir);
    const audit = await appendSome(2);
    await db.prisma.setting.deleteMany({ where: { key: AUDIT_ANCHOR_SETTING } });
    expect(await audit.verify()).toMatchObject({ ok: true, anchors: [] });
    const anchored = await appendSome(1, file);
    expect(existsSync(file)).toBe(true);
    expect(await anchored.verify()).toMatchObject({ ok: true, checked: 3, anchors: [expect.objectContaining({ matches: true }), expect.objectContaining({ matches: true })] });
  });
});
