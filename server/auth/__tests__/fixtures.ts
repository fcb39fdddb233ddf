import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { configSchema, type AppConfig } from "../../config";
import { ManualClock } from "../../core/clock";
import { createLogger, type Logger } from "../../core/logger";
import { openDatabase, type Database } from "../../db/database";
import type { AuthGate, Services } from "../../http/services";
import { createAuthService, type AuthService, type CreateAuthServiceOptions } from "../service";
import { createSecretBox } from "../secret-box";
import { AUDIT_ANCHOR_SETTING, auditAnchorFile } from "../audit";
import { AUTH_STATE_SETTING } from "../auth-state";
import { randomBytes } from "node:crypto";

/** Shared by the auth tests: a throwaway embedded database per test file, a manual clock, a captured log. */

/** Cheap scrypt for tests; production hashes use DEFAULT_SCRYPT_PARAMS (the hash string carries them). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
export const STATIC_TOKEN = "static-test-token-0123456789abcdef0123456789";
export const ORIGIN = "http://127.0.0.1:3000";

const dataDirs = new WeakMap<Database, string>();

export async function openTestDatabase(): Promise<{ db: Database; dir: string; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "tk-auth-"));
  const db = await openDatabase({ dataDir: dir });
  dataDirs.set(db, dir);
  return {
    db,
    dir,
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Empties every auth table (the audit log too), the persisted lock-outs and the audit anchors, so each
 * scenario starts from a fresh install.
 */
export async function resetAuthTables(db: Database): Promise<void> {
  await db.prisma.$executeRawUnsafe(`TRUNCATE "users", "auth_sessions", "api_tokens", "exchange_credentials", "audit_log" RESTART IDENTITY`);
  await db.prisma.setting.deleteMany({ where: { key: { in: [AUTH_STATE_SETTING, AUDIT_ANCHOR_SETTING] } } });
  const dir = dataDirs.get(db);
  if (dir) rmSync(auditAnchorFile(dir), { force: true });
}

export function testConfig(dataDir: string, auth: Partial<AppConfig["auth"]> = {}, venue: Partial<AppConfig["venue"]> = {}): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue,
    simulator: {},
    trading: {},
    risk: {},
    auth: { apiToken: STATIC_TOKEN, ...auth },
  });
}

export function captureLogger(): { logger: Logger; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger("trace", stream), text: () => chunks.join("") };
}

export interface TestAuth {
  auth: AuthService;
  clock: ManualClock;
  log: { text(): string };
}

export async function createTestAuth(db: Database, dir: string, overrides: Partial<CreateAuthServiceOptions> = {}): Promise<TestAuth> {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  const log = captureLogger();
  const auth = await createAuthService({
    config: testConfig(dir),
    prisma: db.prisma,
    logger: log.logger,
    clock,
    scryptParams: TEST_SCRYPT,
    secretBox: createSecretBox({ key: randomBytes(32), id: "testkey00000" }),
    ...overrides,
  });
  return { auth, clock, log };
}

export interface RequestOptions {
  cookie?: string;
  csrf?: string;
  bearer?: string;
  body?: unknown;
  origin?: string | null;
  secFetchSite?: string;
  address?: string;
}

/** A request as Next hands it to a route handler: same-origin browser headers unless told otherwise. */
export function makeRequest(method: string, urlPath: string, opts: RequestOptions = {}): Request {
  const headers = new Headers({ host: "127.0.0.1:3000" });
  if (opts.cookie) headers.set("cookie", opts.cookie);
  if (opts.csrf) headers.set("x-csrf-token", opts.csrf);
  if (opts.bearer) headers.set("authorization", `Bearer ${opts.bearer}`);
  if (opts.origin !== null && method !== "GET") headers.set("origin", opts.origin ?? ORIGIN);
  if (opts.secFetchSite) headers.set("sec-fetch-site", opts.secFetchSite);
  if (opts.address) headers.set("x-tradekeel-client-address", opts.address);
  if (opts.body !== undefined) headers.set("content-type", "application/json");
  return new Request(`${ORIGIN}${urlPath}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
}

/** `name=value; name2=value2` from a response's Set-Cookie headers (what a browser would send back). */
export function cookieHeaderFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

export function cookieValue(response: Response, name: string): string | undefined {
  for (const c of response.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const eq = pair.indexOf("=");
    if (pair.slice(0, eq) === name) return decodeURIComponent(pair.slice(eq + 1));
  }
  return undefined;
}

/** The application as route handlers and the realtime layer see it: the given auth gate, the rest stubbed. */
export function stubServices(db: Database, dataDir: string, auth: AuthGate, logger: Logger): Services {
  return {
    config: testConfig(dataDir),
    logger,
    db,
    version: "test",
    startedAt: 0,
    auth,
    health: async () => ({ status: "ok", version: "test", uptimeS: 0, db: { kind: "embedded", ok: true }, engine: { state: "running", reconciliation: null }, reasons: [] }),
    status: async () => ({}) as Awaited<ReturnType<Services["status"]>>,
  };
}
