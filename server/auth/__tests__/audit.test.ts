import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import type { Database } from "../../db/database";
import { auditHash, canonicalJson, createAuditLog, GENESIS_HASH, type AuditLog } from "../audit";
import { openTestDatabase, resetAuthTables } from "./fixtures";

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let db: Database;
let clock: ManualClock;
let audit: AuditLog;

beforeAll(async () => {
  handle = await openTestDatabase();
  db = handle.db;
});
afterAll(async () => {
  await handle?.close();
});
beforeEach(async () => {
  await resetAuthTables(db);
  clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 30, 0, 123));
  audit = createAuditLog({ prisma: db.prisma, clock });
});

async function appendSome(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    clock.advance(1000);
    await audit.appendAudit({ actor: "user:admin", action: "limits.tighten", data: { key: "dailyLossPct", from: 3, to: 3 - i / 10 } });
  }
}

describe("audit log", () => {
  it("chains every record to the one before it", async () => {
    const first = await audit.appendAudit({ actor: "system", action: "auth.owner_created", data: { username: "admin", via: "environment" } });
    clock.advance(5);
    const second = await audit.appendAudit({ actor: "user:admin", action: "mode.change", data: { from: "paper", to: "live", at: new Date(0) } });
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(first.hash).toBe(auditHash(GENESIS_HASH, { timestamp: first.timestamp, actor: "system", action: "auth.owner_created", data: first.data }));
    expect(second.data).toEqual({ from: "paper", to: "live", at: "1970-01-01T00:00:00.000Z" });
    expect(second.timestamp).toBe("2026-03-01T09:30:00.128Z");
    expect(await audit.verify()).toEqual({ ok: true, checked: 2, firstBrokenSeq: null, reason: null, headHash: second.hash, headSeq: second.seq, anchors: [expect.objectContaining({ source: "database", seq: second.seq, hash: second.hash, matches: true })] });
  });

  it("keeps one chain when many appends race", async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => audit.appendAudit({ actor: "engine", action: "order.placed", data: { i } })));
    const verification = await audit.verify();
    expect(verification).toMatchObject({ ok: true, checked: 25 });
    const { items } = await audit.list({ limit: 500 });
    expect(new Set(items.map((r) => r.prevHash)).size).toBe(25);
  });

  it("finds the record someone edited with raw SQL", async () => {
    await appendSome(6);
    await db.prisma.$executeRawUnsafe(`UPDATE "audit_log" SET "data" = '{"key":"dailyLossPct","from":3,"to":50}' WHERE "seq" = 4`);
    const verification = await audit.verify();
    expect(verification.ok).toBe(false);
    expect(verification.firstBrokenSeq).toBe(4);
    expect(verification.checked).toBe(3);
    expect(verification.reason).toMatch(/altered/);
  });

  it("finds an edited actor or timestamp just as well", async () => {
    await appendSome(3);
    await db.prisma.$executeRawUnsafe(`UPDATE "audit_log" SET "actor" = 'user:someone-else' WHERE "seq" = 2`);
    expect((await audit.verify()).firstBrokenSeq).toBe(2);
    await resetAuthTables(db);
    await appendSome(3);
    await db.prisma.$executeRawUnsafe(`UPDATE "audit_log" SET "timestamp" = "timestamp" - interval '1 hour' WHERE "seq" = 3`);
    expect((await audit.verify()).firstBrokenSeq).toBe(3);
  });

  it("finds a deleted record: the next one no longer links", async () => {
    await appendSome(5);
    await db.prisma.$executeRawUnsafe(`DELETE FROM "audit_log" WHERE "seq" = 2`);
    const verification = await audit.verify();
    expect(verification.firstBrokenSeq).toBe(3);
    expect(verification.reason).toMatch(/does not link/);
  });

  it("finds a record whose hash was recomputed to hide an edit, at the next link", async () => {
    await appendSome(4);
    const rows = await db.prisma.auditLog.findMany({ orderBy: { seq: "asc" } });
    const forged = { key: "dailyLossPct", from: 3, to: 99 };
    const hash = auditHash(rows[1].prevHash, { timestamp: rows[1].timestamp.toISOString(), actor: rows[1].actor, action: rows[1].action, data: forged });
    await db.prisma.auditLog.update({ where: { seq: rows[1].seq }, data: { data: forged, hash } });
    expect((await audit.verify()).firstBrokenSeq).toBe(3);
  });

  it("pages newest first", async () => {
    await appendSome(5);
    const page1 = await audit.list({ limit: 2 });
    expect(page1.items.map((r) => r.seq)).toEqual([5, 4]);
    expect(page1.nextBefore).toBe(4);
    const page2 = await audit.list({ limit: 2, before: page1.nextBefore! });
    expect(page2.items.map((r) => r.seq)).toEqual([3, 2]);
    const page3 = await audit.list({ limit: 2, before: page2.nextBefore! });
    expect(page3.items.map((r) => r.seq)).toEqual([1]);
    expect(page3.nextBefore).toBeNull();
  });

  it("redacts secret-looking fields and refuses empty actors or unserialisable data", async () => {
    const record = await audit.appendAudit({ actor: "user:admin", action: "credentials.set", data: { venue: "binance", apiKey: "AKIA-real-key", nested: { password: "pw" }, note: "nul\u0000char" } });
    expect(record.data).toEqual({ venue: "binance", apiKey: "[redacted]", nested: { password: "[redacted]" }, note: "nul\uFFFDchar" });
    await expect(audit.appendAudit({ actor: "", action: "x" })).rejects.toThrow(/actor must be a non-empty string/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(audit.appendAudit({ actor: "engine", action: "x", data: circular })).rejects.toThrow(/not JSON-serialisable/);
    expect((await audit.verify()).ok).toBe(true);
  });

  it("hashes canonical JSON, whatever order the keys come in", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
