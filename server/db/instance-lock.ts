import { hostname } from "node:os";
import pg from "pg";
import { pgPoolConfig } from "./adapters";

/**
 * "One bot per database": two Tradekeel processes on one PostgreSQL would both trade the same
 * account. At start the process takes a session-level advisory lock on its own connection and keeps
 * that connection open for its whole life; PostgreSQL releases the lock when the connection ends, so
 * a crashed process never leaves a stale lock behind. (The embedded database has its lock file.)
 *
 * The same lock elects the one engine that leads (issue 19, server/cluster/leadership.ts): a standby
 * waits for it with `waitForInstanceLock`, and every holder watches its lock connection (a heartbeat
 * that checks the lock is still granted, bounded by a timeout) so a leader whose connection died
 * learns it within `LOCK_HEARTBEAT_MS + LOCK_HEARTBEAT_TIMEOUT_MS`, long before PostgreSQL could hand
 * the lock to anyone else after a network drop (the server-side keepalive below: about 16 s).
 */
/** pg_try_advisory_lock(int4, int4): "TRKL", 1. Advisory locks are per database. */
export const INSTANCE_LOCK_KEY: readonly [number, number] = [0x54524b4c, 1];

/** How often a holder checks that its lock is still granted. */
export const LOCK_HEARTBEAT_MS = 1_000;
/** A heartbeat unanswered for this long counts as a lost lock (the connection is presumed dead). */
export const LOCK_HEARTBEAT_TIMEOUT_MS = 5_000;
/**
 * Server-side TCP keepalive of the lock session (user-settable GUCs): after a network drop PostgreSQL
 * ends the leader's backend, and so releases the lock, about idle + interval × count = 16 s after the
 * last packet it received — never sooner than the leader notices (at most 6 s, above). Without these,
 * the operating system's default (2 hours) would keep a partitioned leader's lock.
 */
const SERVER_KEEPALIVE = { idleS: 10, intervalS: 2, count: 3, userTimeoutMs: 16_000 };

export class InstanceLockError extends Error {
  /** heldByAnother: the lock is taken (rather than the database unreachable). */
  constructor(readonly problem: string, readonly fix: string, readonly heldByAnother = false) {
    super(`${problem}\n  fix: ${fix}`);
    this.name = "InstanceLockError";
  }
}

export interface InstanceLock {
  /** Who holds it, as other processes see it (application_name of the lock connection). */
  readonly holder: string;
  /** Why the lock is no longer held (connection dropped, heartbeat timed out), or null while it is. */
  readonly lost: string | null;
  /** Called once, at once, when the lock is lost without `release()` (not after release). Returns unsubscribe. */
  onLost(listener: (reason: string) => void): () => void;
  release(): Promise<void>;
}

/** The process holding the lock, as pg_stat_activity shows it. */
export interface LockHolder {
  /** application_name of its lock connection, e.g. "tradekeel (pid 123 on host)". */
  name: string;
  serverPid: number;
  clientAddr: string | null;
  since: string | null;
}

interface HolderRow {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: Date | null;
}

function holderName(): string {
  return `tradekeel (pid ${process.pid} on ${hostname()})`.slice(0, 63);
}

async function connectLockClient(url: string, location: string, name: string): Promise<pg.Client> {
  const client = new pg.Client({ ...pgPoolConfig(url), application_name: name, keepAlive: true, keepAliveInitialDelayMillis: 5_000 });
  // A dropped connection must not crash the process: the holder's watchdog reports it (see `onLost`).
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
  const k = SERVER_KEEPALIVE;
  // Ignored by PostgreSQL on Unix-socket connections; tcp_user_timeout needs PostgreSQL 12+ (best effort).
  await client.query(`SET tcp_keepalives_idle = ${k.idleS}; SET tcp_keepalives_interval = ${k.intervalS}; SET tcp_keepalives_count = ${k.count}`).catch(() => {});
  await client.query(`SET tcp_user_timeout = ${k.userTimeoutMs}`).catch(() => {});
  return client;
}

async function tryLock(client: pg.Client): Promise<boolean> {
  const [k1, k2] = INSTANCE_LOCK_KEY;
  const got = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked", [k1, k2]);
  return got.rows[0]?.locked === true;
}

/** Who holds the lock now (undefined: nobody, or it could not be read). */
export async function lockHolder(client: pg.Client): Promise<LockHolder | undefined> {
  const [k1, k2] = INSTANCE_LOCK_KEY;
  const row = await client
    .query<HolderRow>(
      `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int4::oid AND l.objid = $2::int4::oid AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [k1, k2],
    )
    .then((r) => r.rows[0], () => undefined);
  if (!row) return undefined;
  return {
    name: row.application_name || "a client",
    serverPid: row.pid,
    clientAddr: row.client_addr,
    since: row.backend_start ? new Date(row.backend_start).toISOString() : null,
  };
}

export function describeHolder(h: LockHolder | undefined): string {
  return h ? `${h.name} (server pid ${h.serverPid}${h.clientAddr ? ` from ${h.clientAddr}` : ""}${h.since ? `, since ${h.since}` : ""})` : "another process";
}

/** The lock on `client`, watched: a heartbeat checks it is still granted; a dead connection is reported at once. */
function heldLock(client: pg.Client, holder: string, heartbeat = { everyMs: LOCK_HEARTBEAT_MS, timeoutMs: LOCK_HEARTBEAT_TIMEOUT_MS }): InstanceLock {
  const [k1, k2] = INSTANCE_LOCK_KEY;
  const listeners = new Set<(reason: string) => void>();
  let lost: string | null = null;
  let released = false;
  let inFlightSince: number | null = null;
  const loseIt = (reason: string) => {
    if (lost !== null || released) return;
    lost = reason;
    clearInterval(timer);
    void client.end().catch(() => {});
    for (const listener of [...listeners]) {
      try {
        listener(reason);
      } catch {
        // a listener's failure must not keep the others from hearing it
      }
    }
  };
  client.on("error", (err) => loseIt(`the lock connection failed: ${err.message}`));
  client.on("end", () => loseIt("the lock connection was closed"));
  const timer = setInterval(() => {
    if (lost !== null || released) return;
    if (inFlightSince !== null) {
      if (Date.now() - inFlightSince >= heartbeat.timeoutMs) loseIt(`the lock connection did not answer for ${heartbeat.timeoutMs} ms`);
      return;
    }
    inFlightSince = Date.now();
    client
      .query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
            AND classid = $1::int4::oid AND objid = $2::int4::oid AND objsubid = 2) AS held`,
        [k1, k2],
      )
      .then(
        (r) => {
          inFlightSince = null;
          if (!r.rows[0]?.held) loseIt("the lock is no longer granted to this session");
        },
        (err: Error) => {
          inFlightSince = null;
          loseIt(`the lock connection failed: ${err.message}`);
        },
      );
  }, Math.min(heartbeat.everyMs, heartbeat.timeoutMs));
  timer.unref();
  return {
    holder,
    get lost() {
      return lost;
    },
    onLost(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (lost === null) await client.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [k1, k2]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/**
 * A lock this process already holds (a standby that became the leader), handed to the next
 * `acquireInstanceLock` of the same database in this process — the application's `openDatabase` —
 * once. Any later acquire in the process is refused as before (a second kernel would trade too).
 */
let handedOver: { url: string; lock: InstanceLock } | undefined;

export function handOverInstanceLock(url: string, lock: InstanceLock): void {
  handedOver = { url, lock };
}

export async function acquireInstanceLock(url: string, location: string): Promise<InstanceLock> {
  if (handedOver && handedOver.url === url && handedOver.lock.lost === null) {
    const { lock } = handedOver;
    handedOver = undefined;
    return lock;
  }
  const holder = holderName();
  const client = await connectLockClient(url, location, holder);
  const got = await tryLock(client).catch(async (err: Error) => {
    await client.end().catch(() => {});
    throw new InstanceLockError(`cannot take the instance lock on the PostgreSQL database at ${location}: ${err.message}`, "check that the server is running and DATABASE_URL's user may connect");
  });
  if (got) return heldLock(client, holder);
  const other = await lockHolder(client);
  await client.end().catch(() => {});
  throw new InstanceLockError(
    `another Tradekeel process is already running on the PostgreSQL database at ${location}: ${describeHolder(other)} holds its lock, and two bots on one database would both trade the same account`,
    "stop the other process first (or point this one at its own database with DATABASE_URL), or start this one as a standby with ENGINE_STANDBY=true",
    true,
  );
}

export interface WaitForLockOptions {
  /** How often to try the lock while another process holds it. */
  pollMs: number;
  /** Each poll: who holds the lock (undefined: nobody, or not readable) and whether the database answered. */
  onPoll?: (state: { holder: LockHolder | undefined; dbOk: boolean; error?: string }) => void;
  /** Give up waiting (shutdown): the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * The standby's wait: one connection tries the lock every `pollMs` (and reconnects after a dropped
 * connection); resolves with the held, watched lock as soon as it is free — the leader released it,
 * or its session ended (a killed process's connection closes at once; a network drop within the
 * server-side keepalive above).
 */
export async function waitForInstanceLock(url: string, location: string, options: WaitForLockOptions): Promise<InstanceLock> {
  const holder = holderName();
  let client: pg.Client | undefined;
  let broken = false;
  const pause = () =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(done, options.pollMs);
      function done() {
        options.signal?.removeEventListener("abort", aborted);
        resolve();
      }
      function aborted() {
        clearTimeout(t);
        reject(options.signal!.reason ?? new DOMException("aborted", "AbortError"));
      }
      options.signal?.addEventListener("abort", aborted, { once: true });
    });
  for (;;) {
    if (options.signal?.aborted) {
      await client?.end().catch(() => {});
      throw options.signal.reason ?? new DOMException("aborted", "AbortError");
    }
    try {
      if (!client) {
        const fresh = await connectLockClient(url, location, holder);
        broken = false;
        fresh.on("error", () => (broken = true));
        fresh.on("end", () => (broken = true));
        client = fresh;
      }
      if (broken) throw new Error("the connection was closed");
      if (await tryLock(client)) return heldLock(client, holder);
      options.onPoll?.({ holder: await lockHolder(client), dbOk: true });
    } catch (err) {
      await client?.end().catch(() => {});
      client = undefined;
      const message = err instanceof InstanceLockError ? err.problem : (err as Error).message;
      options.onPoll?.({ holder: undefined, dbOk: false, error: message });
    }
    try {
      await pause();
    } catch (err) {
      await client?.end().catch(() => {});
      throw err;
    }
  }
}
