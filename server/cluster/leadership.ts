import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import type { AppConfig } from "../config";
import { redactUrl } from "../core/logger";
import {
  acquireInstanceLock,
  createPgAdapterFactory,
  describeHolder,
  handOverInstanceLock,
  InstanceLockError,
  LOCK_HEARTBEAT_MS,
  LOCK_HEARTBEAT_TIMEOUT_MS,
  migrationStatus,
  waitForInstanceLock,
  type InstanceLock,
  type LockHolder,
} from "../db";
import { VERSION } from "../version";

/**
 * One engine leads (issue 19). The engine that trades an account holds the PostgreSQL advisory lock
 * of its database (server/db/instance-lock.ts). Without `cluster.standby` (ENGINE_STANDBY) a second
 * engine refuses to start, as before. With it, the engine waits as a hot standby: database connected,
 * migrations checked, no venue connection, no orders, no strategies; `GET /api/health` answers 503
 * `standby` naming the leader. It tries the lock every `STANDBY_POLL_MS`; once it holds it, the lock is
 * handed to the application's `openDatabase` and the normal start-up runs — migrations, then
 * reconciliation with the venue before any strategy trades.
 *
 * The lock connection of a leader is watched (a heartbeat): when it dies (network drop, the session
 * ended by an administrator or a PostgreSQL restart) an engine started with ENGINE_STANDBY stops
 * trading at once — it logs the alarm and exits with `LOST_LEADERSHIP_EXIT_CODE`, as a crash would:
 * the standby that takes the lock reconciles every order the old leader left. An engine without
 * ENGINE_STANDBY (one bot, no standby) keeps running and re-takes its lock, and stops the same way
 * only if another process took it meanwhile.
 *
 * Take-over bounds (measured by bench/scale.ts, documented in README): the leader killed (SIGKILL, a
 * crash) — its kernel closes the connection, PostgreSQL ends the session at once and the standby has
 * the lock within one poll; a network drop — PostgreSQL ends the session after its keepalive (about
 * 16 s, see instance-lock.ts), while the old leader has stopped within
 * LOCK_HEARTBEAT_MS + LOCK_HEARTBEAT_TIMEOUT_MS (6 s). Then the start-up path (reconciliation) runs.
 */

/** How often a standby tries the lock. */
export const STANDBY_POLL_MS = 250;
/** Exit code of an engine that lost its lock while leading (a supervisor restarts it, as a standby). */
export const LOST_LEADERSHIP_EXIT_CODE = 3;

export interface StandbyReport {
  status: "standby";
  version: string;
  uptimeS: number;
  db: { kind: "postgres"; ok: boolean; error?: string };
  engine: { state: "standby"; reconciliation: null };
  /** The engine that leads now, as PostgreSQL reports its lock connection; null when nobody holds it. */
  leader: LockHolder | null;
  standby: { since: string; pollMs: number; migrations: { pending: string[]; problems: string[] } | null };
  reasons: string[];
}

export interface Leadership {
  /** The watched lock (undefined with the embedded database, whose lock file keeps a second process out). */
  lock?: InstanceLock;
  /** How long this engine waited as a standby (0 when it led at once). */
  waitedMs: number;
  /** The last leader seen while waiting. */
  previousLeader?: LockHolder;
}

export interface TakeLeadOptions {
  /** Serve GET /api/health (503 "standby") on config.server.host/port while waiting (default: with the web role; ROLE=engine has no HTTP server). */
  serveHealth?: boolean;
  /** What to do when the lock is lost while leading (default: log the alarm, exit LOST_LEADERSHIP_EXIT_CODE at once). */
  onLost?: (reason: string) => void;
  /** Called when this process starts waiting, with the standby health address (port 0 = any free port). */
  onStandby?: (info: { url?: string; leader?: LockHolder }) => void;
  pollMs?: number;
}

/**
 * Becomes the engine that leads, or exits: with the embedded database, nothing to do; without
 * standby, one try (a held lock: the message and exit 1, as before); with standby, wait. SIGINT/SIGTERM
 * while waiting end the process (exit 0).
 */
export async function takeEngineLead(config: AppConfig, logger: Logger, options: TakeLeadOptions = {}): Promise<Leadership> {
  const url = config.database.url;
  if (!url) return { waitedMs: 0 };
  const location = redactUrl(url);
  const standby = config.cluster.standby;
  const halt = options.onLost ?? ((reason: string) => haltProcess(reason, logger));
  if (!standby) {
    let lock: InstanceLock;
    try {
      lock = await acquireInstanceLock(url, location);
    } catch (err) {
      if (err instanceof InstanceLockError) {
        logger.fatal(err.message);
        console.error(`tradekeel: ${err.message}`);
        process.exit(1);
      }
      throw err;
    }
    handOverInstanceLock(url, lock);
    watchSoleLock(lock, { url, location, logger, halt });
    return { lock, waitedMs: 0 };
  }

  const since = Date.now();
  const pollMs = options.pollMs ?? STANDBY_POLL_MS;
  let leader: LockHolder | undefined;
  let dbOk = true;
  let dbError: string | undefined;
  let migrations: StandbyReport["standby"]["migrations"] = null;
  const report = (): StandbyReport => {
    const reasons = [`engine standby: ${leader ? `${describeHolder(leader)} leads` : "waiting for the engine lock"}`];
    if (!dbOk) reasons.push(`database unreachable: ${dbError}`);
    if (migrations?.pending.length) reasons.push(`migrations pending (applied when this engine leads): ${migrations.pending.join(", ")}`);
    for (const p of migrations?.problems ?? []) reasons.push(`migrations: ${p}`);
    return {
      status: "standby",
      version: VERSION,
      uptimeS: Math.round((Date.now() - since) / 1000),
      db: { kind: "postgres", ok: dbOk, error: dbOk ? undefined : dbError },
      engine: { state: "standby", reconciliation: null },
      leader: leader ?? null,
      standby: { since: new Date(since).toISOString(), pollMs, migrations },
      reasons,
    };
  };
  const abort = new AbortController();
  const onSignal = (signal: string) => {
    logger.info({ signal }, "standby stopping");
    abort.abort(new Error(signal));
  };
  const sigint = () => onSignal("SIGINT");
  const sigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", sigint);
  process.on("SIGTERM", sigterm);
  const server = !(options.serveHealth ?? config.cluster.roles.includes("web")) ? undefined : await serveStandbyHealth(config.server.host, config.server.port, report).catch((err: Error) => {
    logger.fatal({ err }, "standby health server failed");
    console.error(`tradekeel: cannot listen on ${config.server.host}:${config.server.port} as a standby: ${err.message}; fix: set PORT to a free port`);
    process.exit(1);
  });
  // Read-only: a standby never migrates under a running leader; it applies what is pending once it leads.
  void checkMigrations(url).then((m) => (migrations = m), (err: Error) => logger.warn({ err }, "standby: migration status not read"));
  const address = server?.address();
  const healthUrl = address && typeof address === "object" ? `http://${config.server.host === "0.0.0.0" ? "localhost" : config.server.host}:${address.port}` : undefined;
  let announced = false;
  let lock: InstanceLock;
  try {
    lock = await waitForInstanceLock(url, location, {
      pollMs,
      signal: abort.signal,
      onPoll(state) {
        dbOk = state.dbOk;
        dbError = state.error;
        if (state.holder) leader = state.holder;
        if (!announced && state.dbOk) {
          announced = true;
          logger.info({ leader: leader && describeHolder(leader) }, "engine standby: waiting for the lock");
          console.log(`Tradekeel ${VERSION} engine standby${healthUrl ? ` on ${healthUrl}` : ""}: ${leader ? describeHolder(leader) : "another process"} leads; taking over when its lock is released`);
          options.onStandby?.({ url: healthUrl, leader });
        }
      },
    });
  } catch (err) {
    await closeServer(server);
    if (abort.signal.aborted) process.exit(0);
    throw err;
  } finally {
    process.off("SIGINT", sigint);
    process.off("SIGTERM", sigterm);
  }
  await closeServer(server);
  const waitedMs = Date.now() - since;
  handOverInstanceLock(url, lock);
  lock.onLost(halt);
  logger.warn({ previousLeader: leader && describeHolder(leader), waitedMs }, "engine leads: took the lock; reconciling with the venue before trading");
  console.log(`Tradekeel engine leads: took the lock${leader ? ` from ${describeHolder(leader)}` : ""} after ${waitedMs} ms as a standby; reconciling with the venue before trading`);
  return { lock, waitedMs, previousLeader: leader };
}

/** Stop trading at once: the alarm on the log and stderr, then exit (nothing more is sent to the venue). */
export function haltProcess(reason: string, logger: Logger): never {
  const message = `ALARM: this engine lost its leadership (${reason}); trading stopped at once, the process exits so that another engine (or a restart) reconciles with the venue and leads`;
  logger.fatal(message);
  console.error(`tradekeel: ${message}`);
  process.exit(LOST_LEADERSHIP_EXIT_CODE);
}

/** One bot, no standby: re-take the lock after a dropped connection; stop only when another process took it. */
function watchSoleLock(lock: InstanceLock, ctx: { url: string; location: string; logger: Logger; halt: (reason: string) => void }): void {
  lock.onLost((reason) => {
    ctx.logger.error({ reason }, "the instance lock was lost; re-taking it");
    const retry = () => {
      acquireInstanceLock(ctx.url, ctx.location).then(
        (again) => {
          ctx.logger.warn("the instance lock is held again");
          watchSoleLock(again, ctx);
        },
        (err: unknown) => {
          if (err instanceof InstanceLockError && err.heldByAnother) return ctx.halt(`${reason}; then ${err.problem}`);
          setTimeout(retry, LOCK_HEARTBEAT_MS).unref();
        },
      );
    };
    retry();
  });
}

async function checkMigrations(url: string): Promise<{ pending: string[]; problems: string[] }> {
  const factory = createPgAdapterFactory(url, true);
  try {
    const status = await migrationStatus(factory);
    return { pending: status.pending, problems: [...status.problems, ...status.failedMigrations.map((m) => `failed: ${m}`), ...status.editedMigrations.map((m) => `edited: ${m}`)] };
  } finally {
    await (factory as unknown as { externalPool?: { end(): Promise<void> } }).externalPool?.end().catch(() => {});
  }
}

/** GET /api/health: 503 with the standby report; every other request: 503 ENGINE_STANDBY naming the leader. */
export function serveStandbyHealth(host: string, port: number, report: () => StandbyReport): Promise<Server> {
  const server = createServer((req, res) => {
    const body = report();
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(value));
    };
    if ((req.url ?? "").split("?")[0] === "/api/health") return json(503, body);
    json(503, {
      error: {
        code: "ENGINE_STANDBY",
        message: `this engine is a hot standby: ${body.leader ? `${describeHolder(body.leader)} leads` : "it is waiting for the engine lock"}; use the leading engine's address`,
      },
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

export { LOCK_HEARTBEAT_MS, LOCK_HEARTBEAT_TIMEOUT_MS };
