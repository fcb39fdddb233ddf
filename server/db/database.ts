import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaClient } from "./generated/client";
import { AwaitingPGliteFactory, createPgAdapterFactory, pgliteDirectSql } from "./adapters";
import { registerDirectSql } from "./repositories/direct-sql";
import { acquireInstanceLock, InstanceLockError } from "./instance-lock";
import { enableTimescaleCandles } from "./timescale";
import { acquireDirLock, DataDirLockError } from "./data-dir-lock";
import { applyMigrations } from "./migrate";
import { redactUrl } from "../core/logger";

export type DatabaseKind = "embedded" | "postgres";

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** Where the data lives, safe to show (embedded: folder; postgres: URL without password). */
  location: string;
  ping(): Promise<{ ok: boolean; error?: string; latencyMs?: number }>;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  constructor(message: string, readonly fix: string) {
    super(`${message}\n  fix: ${fix}`);
    this.name = "DatabaseError";
  }
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; absent = embedded PGlite under dataDir/db. */
  url?: string;
  dataDir: string;
  /** Apply pending migrations before returning (the default at start-up). */
  migrate?: boolean;
  /**
   * PostgreSQL: hold the "one bot per database" advisory lock for the life of this handle (default
   * true); a second Tradekeel process on the same database is refused (see instance-lock.ts).
   */
  singleInstance?: boolean;
  log?: (line: string) => void;
}

/** PGlite's data directory must never be opened by two processes at once (see data-dir-lock.ts). */
function acquireDataDirLock(dbDir: string, log: (line: string) => void): () => void {
  try {
    return acquireDirLock(dbDir, { log });
  } catch (err) {
    if (!(err instanceof DataDirLockError)) throw new DatabaseError(`cannot lock the data directory ${dbDir}: ${(err as Error).message}`, "set DATA_DIR to a writable folder");
    if (!err.owner) throw new DatabaseError(err.message, err.fix);
    throw new DatabaseError(`the embedded database in ${dbDir} is in use by another Tradekeel process (pid ${err.owner.pid}${err.owner.acquiredAt ? `, since ${err.owner.acquiredAt}` : ""})`, err.fix);
  }
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir spins forever where mkdir answers ENOENT
 * although the parent exists (e.g. anywhere under /proc), so a bad DATA_DIR would hang at full CPU.
 */
function makeDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const parent = path.dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(dir).isDirectory()) throw err;
  }
}

/**
 * The embedded server's settings. PostgreSQL's default 128 MB of shared buffers lives in the WebAssembly heap,
 * which never shrinks; the bot's working set is far smaller and the files sit in the OS page cache anyway.
 * 32 MB: about 130 MB less resident memory after a day of candles and orders (npm run bench -- --only startup,latency).
 */
const EMBEDDED_POSTGRES_CONF = ["shared_buffers=32MB"];

async function openEmbedded(dataDir: string, log: (line: string) => void = () => {}): Promise<{ client: PGlite; release: () => void; dbDir: string }> {
  const dbDir = path.resolve(dataDir, "db");
  try {
    makeDirectory(dbDir);
  } catch (err) {
    throw new DatabaseError(`cannot create the data directory ${dbDir}: ${(err as Error).message}`, "set DATA_DIR to a writable folder");
  }
  const release = acquireDataDirLock(dbDir, log);
  const pgDataDir = path.join(dbDir, "pgdata");
  try {
    const fresh = !existsSync(path.join(pgDataDir, "PG_VERSION"));
    let client = await PGlite.create(pgDataDir, { postgresqlconf: EMBEDDED_POSTGRES_CONF });
    if (fresh) {
      // The instance that ran initdb keeps initdb's WebAssembly memory (~330 MB) for the life of the process: reopen once.
      await client.close();
      client = await PGlite.create(pgDataDir, { postgresqlconf: EMBEDDED_POSTGRES_CONF });
    }
    await client.query("select 1");
    return { client, release, dbDir };
  } catch (err) {
    release();
    throw new DatabaseError(
      `the embedded database in ${pgDataDir} could not be opened (${(err as Error).message || String(err)}); it may be corrupt or from an incompatible version`,
      `move ${pgDataDir} aside to start with a fresh database (your trading history is in it), or set DATA_DIR to another folder`,
    );
  }
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const log = opts.log ?? (() => {});
  if (opts.url) {
    const location = redactUrl(opts.url);
    // Before migrating: a second process must neither migrate under a running bot nor trade beside it.
    const instanceLock =
      opts.singleInstance === false
        ? undefined
        : await acquireInstanceLock(opts.url, location).catch((err) => {
            throw err instanceof InstanceLockError ? new DatabaseError(err.problem, err.fix) : err;
          });
    if (opts.migrate !== false) {
      const migrations = createPgAdapterFactory(opts.url, true);
      try {
        const { applied } = await applyMigrations(migrations);
        if (applied.length) log(`applied migrations: ${applied.join(", ")}`);
      } catch (err) {
        await instanceLock?.release();
        throw new DatabaseError(
          `cannot migrate the PostgreSQL database at ${location}: ${describeDbError(err)}`,
          "check DATABASE_URL (host, port, user, password, database) and that the server is running",
        );
      } finally {
        await closeFactory(migrations);
      }
    }
    const prisma = new PrismaClient({ adapter: createPgAdapterFactory(opts.url) });
    if (opts.migrate !== false) await enableTimescaleCandles(prisma, log);
    return {
      kind: "postgres",
      prisma,
      location,
      ping: () => ping(prisma),
      async close() {
        await prisma.$disconnect();
        await instanceLock?.release();
      },
    };
  }

  const { client, release, dbDir } = await openEmbedded(opts.dataDir, log);
  try {
    if (opts.migrate !== false) {
      const { applied } = await applyMigrations(new AwaitingPGliteFactory(client));
      if (applied.length) log(`applied migrations: ${applied.join(", ")}`);
    }
  } catch (err) {
    await client.close().catch(() => {});
    release();
    throw new DatabaseError(`cannot migrate the embedded database in ${dbDir}: ${describeDbError(err)}`, "see the error above; the database was left unchanged");
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  // The order path's writes go to PGlite directly (repositories/direct-sql.ts): Prisma's engine costs more than the statement.
  registerDirectSql(prisma, pgliteDirectSql(client));
  return {
    kind: "embedded",
    prisma,
    location: dbDir,
    ping: () => ping(prisma),
    async close() {
      await prisma.$disconnect();
      await client.close();
      release();
    },
  };
}

/** Adapter factory for migration tooling (db CLI), by the same rules as openDatabase. */
export async function openMigrationTarget(opts: { url?: string; dataDir: string }): Promise<{
  factory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}> {
  if (opts.url) {
    const factory = createPgAdapterFactory(opts.url, true);
    return { factory, close: () => closeFactory(factory) };
  }
  const { client, release } = await openEmbedded(opts.dataDir);
  return {
    factory: new AwaitingPGliteFactory(client),
    async close() {
      await client.close();
      release();
    },
  };
}

async function closeFactory(factory: unknown): Promise<void> {
  const pool = (factory as { externalPool?: { end(): Promise<void> } }).externalPool;
  await pool?.end().catch(() => {});
}

async function ping(prisma: PrismaClient): Promise<{ ok: boolean; error?: string; latencyMs?: number }> {
  const started = performance.now();
  try {
    await prisma.$queryRawUnsafe("SELECT 1");
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (err) {
    return { ok: false, error: describeDbError(err) };
  }
}

export function describeDbError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${err.message} (${code})` : err.message;
  }
  if (typeof err === "object" && err) return JSON.stringify(err);
  return String(err);
}
