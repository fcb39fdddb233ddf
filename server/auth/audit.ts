import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../core/clock";
import { systemClock } from "../core/clock";
import { canonicalJson } from "../core/canonical-json";
import { AppError } from "../core/errors";
import { REDACTED_KEYS } from "../core/logger";
import type { PrismaClient } from "../db";

/**
 * The audit log: append-only and hash-chained. Each record's hash is
 * SHA-256(previous record's hash + "\n" + canonical JSON of { timestamp, actor, action, data }), so editing,
 * reordering or removing a record breaks every later link. Appends are serialized in this process: two
 * concurrent appends can never both chain onto the same predecessor.
 *
 * Anchors: after every append the head (seq, hash) is recorded outside the audit table: in the
 * settings table ("audit.head") and in DATA_DIR/audit-head.json. verify() checks the chain against
 * both, so removing records from the tail (which leaves an internally consistent chain) is detected.
 * Limits: someone who rewrites the table AND both anchors is not detected without a copy elsewhere
 * (GET /api/audit/verify shows the head hash; keep one off the machine if that matters to you).
 */
export const GENESIS_HASH = "0".repeat(64);

export interface AuditEntry {
  /** Who: "user:<name>", "token:<name>", "static-token", "system", "engine", "anonymous". */
  actor: string;
  /** What, dotted: "auth.sign_in", "auth.sign_in_failed", "token.create", "mode.change", "kill_switch.flatten", ... */
  action: string;
  /** Details, JSON-serialisable. Secret-looking keys (password, token, secret, apiKey, ...) are replaced by "[redacted]". */
  data?: unknown;
}

export interface AuditRecord {
  seq: number;
  /** ISO timestamp, millisecond precision. */
  timestamp: string;
  actor: string;
  action: string;
  data: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first record whose link or content does not match; null when the chain is intact. */
  firstBrokenSeq: number | null;
  reason: string | null;
  /** Hash of the last record (the chain head); keep a copy elsewhere to detect a truncated tail. */
  headHash: string;
  /** Seq of the last record; null for an empty log. */
  headSeq: number | null;
  /** The recorded heads the chain was checked against (a missing one is not a failure: none written yet). */
  anchors: Array<AuditAnchor & { source: "database" | "file"; matches: boolean }>;
}

export interface AuditAnchor {
  seq: number;
  hash: string;
  /** ISO time of the append that wrote it. */
  at: string;
}

export const AUDIT_ANCHOR_SETTING = "audit.head";

/** Where the file anchor lives for a data directory. */
export function auditAnchorFile(dataDir: string): string {
  return path.join(dataDir, "audit-head.json");
}

function parseAnchor(raw: unknown): AuditAnchor | null {
  const a = raw as Partial<AuditAnchor> | null;
  if (!a || typeof a !== "object" || typeof a.seq !== "number" || !Number.isFinite(a.seq) || typeof a.hash !== "string" || !/^[0-9a-f]{64}$/.test(a.hash)) return null;
  return { seq: a.seq, hash: a.hash, at: typeof a.at === "string" ? a.at : "" };
}

export interface AuditLog {
  appendAudit(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first; `before` is a seq (exclusive) to page backwards. */
  list(opts?: { limit?: number; before?: number }): Promise<{ items: AuditRecord[]; nextBefore: number | null }>;
  verify(): Promise<AuditVerification>;
}

/** JSON with object keys sorted at every level (server/core/canonical-json.ts), re-exported for the audit's users. */
export { canonicalJson };

export function auditHash(prevHash: string, content: { timestamp: string; actor: string; action: string; data: unknown }): string {
  const body = canonicalJson({ timestamp: content.timestamp, actor: content.actor, action: content.action, data: content.data });
  return createHash("sha256").update(`${prevHash}\n${body}`, "utf8").digest("hex");
}

const SECRET_KEYS = new Set(REDACTED_KEYS.map((k) => k.toLowerCase()));

/**
 * What is stored: plain JSON (dates become ISO strings, undefined disappears, as JSON.stringify does),
 * secret-looking keys redacted, NUL characters (which PostgreSQL JSON cannot hold) replaced.
 */
export function normalizeAuditData(data: unknown): unknown {
  if (data === undefined) return {};
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    throw new AppError("AUDIT_DATA", `audit data is not JSON-serialisable: ${(err as Error).message}`, 400);
  }
  if (json === undefined) return {};
  const scrub = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(/\u0000/g, "\uFFFD");
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[scrub(k) as string] = SECRET_KEYS.has(k.toLowerCase()) ? "[redacted]" : scrub(v);
      return out;
    }
    return value;
  };
  return scrub(JSON.parse(json));
}

function checkLabel(name: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 200) {
    throw new AppError("AUDIT_ENTRY", `audit ${name} must be a non-empty string of at most 200 characters`, 400);
  }
  return value.replace(/\u0000/g, "\uFFFD");
}

type AuditRow = { seq: bigint; timestamp: Date; actor: string; action: string; data: unknown; prevHash: string; hash: string };

function toRecord(row: AuditRow): AuditRecord {
  return {
    seq: Number(row.seq),
    timestamp: row.timestamp.toISOString(),
    actor: row.actor,
    action: row.action,
    data: row.data,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

const VERIFY_BATCH = 500;

export function createAuditLog(opts: { prisma: PrismaClient; clock?: Clock; anchorFile?: string }): AuditLog {
  const { prisma, anchorFile } = opts;

  async function writeAnchors(anchor: AuditAnchor): Promise<void> {
    const value = anchor as unknown as object;
    await prisma.setting.upsert({ where: { key: AUDIT_ANCHOR_SETTING }, create: { key: AUDIT_ANCHOR_SETTING, value }, update: { value } });
    if (anchorFile) {
      await mkdir(path.dirname(anchorFile), { recursive: false }).catch(() => undefined);
      const tmp = `${anchorFile}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(anchor)}\n`, { mode: 0o600 });
      await rename(tmp, anchorFile);
    }
  }

  async function readAnchors(): Promise<Array<AuditAnchor & { source: "database" | "file" }>> {
    const out: Array<AuditAnchor & { source: "database" | "file" }> = [];
    const row = await prisma.setting.findUnique({ where: { key: AUDIT_ANCHOR_SETTING } });
    const fromDb = row ? parseAnchor(row.value) : null;
    if (fromDb) out.push({ ...fromDb, source: "database" });
    if (anchorFile) {
      const text = await readFile(anchorFile, "utf8").catch(() => null);
      let fromFile: AuditAnchor | null = null;
      try {
        fromFile = text ? parseAnchor(JSON.parse(text)) : null;
      } catch {
        fromFile = null;
      }
      if (fromFile) out.push({ ...fromFile, source: "file" });
    }
    return out;
  }
  const clock = opts.clock ?? systemClock;
  let tail: Promise<unknown> = Promise.resolve();

  /** One append at a time, in call order; a failed append does not block the next one. */
  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  }

  return {
    async appendAudit(entry) {
      const actor = checkLabel("actor", entry.actor);
      const action = checkLabel("action", entry.action);
      const data = normalizeAuditData(entry.data);
      return serialized(async () => {
        const last = await prisma.auditLog.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
        const prevHash = last?.hash ?? GENESIS_HASH;
        const timestamp = new Date(clock.now());
        if (Number.isNaN(timestamp.getTime())) throw new AppError("AUDIT_CLOCK", "the clock returned an invalid time", 500);
        const hash = auditHash(prevHash, { timestamp: timestamp.toISOString(), actor, action, data });
        const row = await prisma.auditLog.create({
          data: { timestamp, actor, action, data: data as object, prevHash, hash },
        });
        const record = toRecord(row as AuditRow);
        await writeAnchors({ seq: record.seq, hash: record.hash, at: record.timestamp });
        return record;
      });
    },

    async list(listOpts = {}) {
      const limit = Math.min(Math.max(Math.floor(listOpts.limit ?? 100), 1), 500);
      const before = listOpts.before;
      const rows = await prisma.auditLog.findMany({
        where: before !== undefined ? { seq: { lt: BigInt(Math.floor(before)) } } : undefined,
        orderBy: { seq: "desc" },
        take: limit,
      });
      const items = rows.map((r) => toRecord(r as AuditRow));
      return { items, nextBefore: items.length === limit ? items[items.length - 1].seq : null };
    },

    async verify() {
      const anchors = await readAnchors();
      const hashAt = new Map<number, string>();
      const wanted = new Set(anchors.map((a) => a.seq));
      let expectedPrev = GENESIS_HASH;
      let checked = 0;
      let headSeq: number | null = null;
      let cursor: bigint | null = null;
      const broken = (seq: number, reason: string): AuditVerification => ({
        ok: false,
        checked,
        firstBrokenSeq: seq,
        reason,
        headHash: expectedPrev,
        headSeq,
        anchors: anchors.map((a) => ({ ...a, matches: hashAt.get(a.seq) === a.hash })),
      });
      for (;;) {
        const rows: AuditRow[] = (await prisma.auditLog.findMany({
          where: cursor === null ? undefined : { seq: { gt: cursor } },
          orderBy: { seq: "asc" },
          take: VERIFY_BATCH,
        })) as AuditRow[];
        for (const row of rows) {
          const seq = Number(row.seq);
          if (row.prevHash !== expectedPrev) {
            return broken(seq, "the record does not link to the one before it (a record was removed, inserted or reordered)");
          }
          const recomputed = auditHash(row.prevHash, { timestamp: row.timestamp.toISOString(), actor: row.actor, action: row.action, data: row.data });
          if (recomputed !== row.hash) {
            return broken(seq, "the record's content does not match its hash (it was altered)");
          }
          expectedPrev = row.hash;
          headSeq = seq;
          if (wanted.has(seq)) hashAt.set(seq, row.hash);
          checked += 1;
        }
        if (rows.length < VERIFY_BATCH) break;
        cursor = rows[rows.length - 1].seq;
      }
      const checkedAnchors = anchors.map((a) => ({ ...a, matches: hashAt.get(a.seq) === a.hash }));
      for (const a of checkedAnchors) {
        if (a.matches) continue;
        const where = a.source === "file" ? "the anchor file" : "the database anchor";
        const reason =
          headSeq === null || a.seq > headSeq
            ? `the chain ends at seq ${headSeq ?? "none"} but ${where} recorded seq ${a.seq} (${a.at}): records were removed from the tail`
            : `the record at seq ${a.seq} is not the one ${where} recorded (${a.at}): the log was rewritten`;
        return { ok: false, checked, firstBrokenSeq: headSeq === null ? a.seq : Math.min(a.seq, headSeq + 1), reason, headHash: expectedPrev, headSeq, anchors: checkedAnchors };
      }
      return { ok: true, checked, firstBrokenSeq: null, reason: null, headHash: expectedPrev, headSeq, anchors: checkedAnchors };
    },
  };
}
