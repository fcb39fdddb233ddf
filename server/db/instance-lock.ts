import { hostname } from "node:os";
import pg from "pg";
import { pgPoolConfig } from "./adapters";

/**
 * "One bot per database": two Tradekeel processes on one PostgreSQL would both trade the same
 * account. At start the process takes a session-level advisory lock on its own connection and keeps
 * that connection open for its whole life; PostgreSQL releases the lock when the connection ends, so
 * a crashed process never leaves a stale lock behind. (The embedded database has its lock file.)
 */
/** pg_try_advisory_lock(int4, int4): "TRKL", 1. Advisory locks are per database. */
export const INSTANCE_LOCK_KEY: readonly [number, number] = [0x54524b4c, 1];

export class InstanceLockError extends Error {
  constructor(readonly problem: string, readonly fix: string) {
    super(`${problem}\n  fix: ${fix}`);
    this.name = "InstanceLockError";
  }
}

export interface InstanceLock {
  /** Who holds it, as other processes see it (application_name of the lock connection). */
  readonly holder: string;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: Date | null;
}

export async function acquireInstanceLock(url: string, location: string): Promise<InstanceLock> {
  const holder = `tradekeel (pid ${process.pid} on ${hostname()})`.slice(0, 63);
  const client = new pg.Client({ ...pgPoolConfig(url), application_name: holder });
  // A dropped connection (server restart) must not crash the process; the lock is gone with it.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new InstanceLockError(
      `cannot connect to the PostgreSQL database at ${location}: ${(err as Error).message}`,
      "check DATABASE_URL (host, port, user, password, database) and that the server is running",
    );
  }
  const [k1, k2] = INSTANCE_LOCK_KEY;
  const got = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked", [k1, k2]);
  if (got.rows[0]?.locked) {
    return {
      holder,
      async release() {
        await client.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [k1, k2]).catch(() => {});
        await client.end().catch(() => {});
      },
    };
  }
  const other = await client
    .query<Holder>(
      `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int4::oid AND l.objid = $2::int4::oid AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [k1, k2],
    )
    .then((r) => r.rows[0], () => undefined);
  await client.end().catch(() => {});
  const who = other
    ? `${other.application_name || "a client"} (server pid ${other.pid}${other.client_addr ? ` from ${other.client_addr}` : ""}${other.backend_start ? `, since ${new Date(other.backend_start).toISOString()}` : ""})`
    : "another process";
  throw new InstanceLockError(
    `another Tradekeel process is already running on the PostgreSQL database at ${location}: ${who} holds its lock, and two bots on one database would both trade the same account`,
    "stop the other process first (or point this one at its own database with DATABASE_URL)",
  );
}
