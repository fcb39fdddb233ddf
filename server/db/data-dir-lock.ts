import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The embedded database's data directory must never be opened by two processes at once. A lock file
 * in it names the owner; because a PID alone is reused (after a SIGKILL the file stays behind, and
 * within minutes some unrelated process may get the same PID), the owner is identified by its PID
 * *and* its start time:
 *
 * - Linux: the boot id (/proc/sys/kernel/random/boot_id) and the start time in clock ticks since boot
 *   (field 22 of /proc/<pid>/stat): exact, and a reboot makes every old lock stale;
 * - elsewhere (macOS, BSD): the start time `ps -o lstart=` prints (to the second);
 * - neither available: the PID's liveness only, as before (refuses when in doubt, and says which
 *   file to delete).
 *
 * A lock whose PID is gone, or is now a process with another start time, is stale and taken over.
 * Lock files of older versions (a bare PID) are stale when the process with that PID started after
 * the file was written: it cannot be the process that wrote it.
 *
 * The file is created atomically with its content (a hard link of a fully written temporary file),
 * so two processes starting at once cannot both believe they own it.
 */

export const LOCK_FILE_NAME = "tradekeel.lock";

export interface LockOwner {
  pid: number;
  /** How the owner is recognised again: "linux:<boot id>:<start ticks>" or "ps:<start time>"; absent if unknown. */
  identity?: string;
  /** Random per acquisition: release removes only its own lock. */
  token?: string;
  host?: string;
  acquiredAt?: string;
}

export type LockVerdict =
  | { state: "free"; reason: string }
  | { state: "mine"; reason: string }
  | { state: "held"; owner: LockOwner; reason: string };

export class DataDirLockError extends Error {
  constructor(
    message: string,
    readonly fix: string,
    readonly owner?: LockOwner,
  ) {
    super(message);
    this.name = "DataDirLockError";
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

let bootId: string | null | undefined;
function linuxBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** Start time in clock ticks since boot, from /proc/<pid>/stat (undefined without /proc or for a gone pid). */
function linuxStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Field 22 overall (starttime) is the 20th after comm (fields 3.. start at index 0).
  const ticks = fields[19];
  return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
}

/** `ps -o lstart= -p <pid>` (Linux procps and BSD/macOS ps); undefined if ps is missing or the pid is gone. */
function psStartTime(pid: number): string | undefined {
  try {
    const out = spawnSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      timeout: 5_000,
      env: { ...process.env, LC_ALL: "C", LANG: "C", TZ: "UTC" },
    });
    if (out.status !== 0 || typeof out.stdout !== "string") return undefined;
    const line = out.stdout.trim().replace(/\s+/g, " ");
    return line || undefined;
  } catch {
    return undefined;
  }
}

/** What identifies process `pid` for as long as it lives; undefined when it cannot be told (or it is gone). */
export function processIdentity(pid: number): string | undefined {
  const boot = linuxBootId();
  if (boot) {
    const ticks = linuxStartTicks(pid);
    if (ticks) return `linux:${boot}:${ticks}`;
  }
  const started = psStartTime(pid);
  return started ? `ps:${started}` : undefined;
}

/** When process `pid` started (epoch ms, to the second), via ps; undefined if unknown. */
function processStartedAtMs(pid: number): number | undefined {
  const started = psStartTime(pid);
  if (!started) return undefined;
  const ms = Date.parse(`${started} UTC`);
  return Number.isFinite(ms) ? ms : undefined;
}

export function parseLockFile(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) }; // an older version's lock: a bare PID
  try {
    const value = JSON.parse(trimmed) as Partial<LockOwner>;
    if (typeof value?.pid === "number" && Number.isInteger(value.pid) && value.pid > 0) {
      return {
        pid: value.pid,
        identity: typeof value.identity === "string" ? value.identity : undefined,
        token: typeof value.token === "string" ? value.token : undefined,
        host: typeof value.host === "string" ? value.host : undefined,
        acquiredAt: typeof value.acquiredAt === "string" ? value.acquiredAt : undefined,
      };
    }
  } catch {
    // not JSON: unreadable, hence stale
  }
  return undefined;
}

/** Whether the lock `text` (written at `writtenAtMs`) still belongs to a live process, and whose. */
export function judgeLock(text: string, writtenAtMs: number): LockVerdict {
  const owner = parseLockFile(text);
  if (!owner) return { state: "free", reason: "the lock file is unreadable" };
  if (!processAlive(owner.pid)) return { state: "free", reason: `process ${owner.pid} is gone` };
  const current = processIdentity(owner.pid);
  if (owner.identity && current && kindOf(owner.identity) === kindOf(current)) {
    if (owner.identity !== current) return { state: "free", reason: `pid ${owner.pid} now belongs to another process (started later than the lock's owner)` };
    return owner.pid === process.pid ? { state: "mine", reason: "this process holds it" } : { state: "held", owner, reason: "its owner is running" };
  }
  // No comparable identity (a bare PID from an older version, or no /proc and no ps now).
  if (owner.pid === process.pid) return { state: "mine", reason: "it names this process" };
  const startedAt = processStartedAtMs(owner.pid);
  // ps prints whole seconds; the file's time may be rounded as well: allow 2 s before calling it later.
  if (startedAt !== undefined && startedAt > writtenAtMs + 2_000) {
    return { state: "free", reason: `pid ${owner.pid} belongs to a process started after the lock was written` };
  }
  return { state: "held", owner, reason: startedAt === undefined ? "its owner's identity cannot be verified on this system" : "its owner is running" };
}

function kindOf(identity: string): string {
  return identity.split(":", 1)[0];
}

function describeOwner(owner: LockOwner): string {
  const parts = [`pid ${owner.pid}`];
  if (owner.host) parts.push(`host ${owner.host}`);
  if (owner.acquiredAt) parts.push(`since ${owner.acquiredAt}`);
  return parts.join(", ");
}

/** Creates `file` with `content` only if it does not exist, atomically (false if it exists). */
function createExclusive(file: string, content: string, token: string): boolean {
  const temp = `${file}.${token}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // A file system without hard links: exclusive create (the content follows within microseconds).
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") {
      try {
        writeFileSync(file, content, { flag: "wx", mode: 0o644 });
        return true;
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw inner;
      }
    }
    throw err;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
}

function readLock(file: string): { text: string; mtimeMs: number } | undefined {
  try {
    const mtimeMs = statSync(file).mtimeMs;
    return { text: readFileSync(file, "utf8"), mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Takes the lock of `dir` (a file in it) or throws DataDirLockError naming the owner. Returns the
 * release function (removes the file only if it is still this acquisition's).
 */
export function acquireDirLock(dir: string, opts: { log?: (line: string) => void } = {}): () => void {
  const file = path.join(dir, LOCK_FILE_NAME);
  const token = randomBytes(12).toString("hex");
  const owner: LockOwner = { pid: process.pid, identity: processIdentity(process.pid), token, host: hostname(), acquiredAt: new Date().toISOString() };
  const content = `${JSON.stringify(owner)}\n`;
  const release = () => {
    try {
      const current = readLock(file);
      if (current && parseLockFile(current.text)?.token === token) unlinkSync(file);
    } catch {
      // Best effort: a lock left behind is recognised as stale at the next start.
    }
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, content, token)) return release;
    const existing = readLock(file);
    if (!existing) continue; // released in between: try again
    const verdict = judgeLock(existing.text, existing.mtimeMs);
    if (verdict.state === "held") {
      throw new DataDirLockError(
        `${dir} is in use by another Tradekeel process (${describeOwner(verdict.owner)})`,
        `stop that process first, or give this one another DATA_DIR; if no Tradekeel process uses it, delete ${file}`,
        verdict.owner,
      );
    }
    if (verdict.state === "mine") {
      writeFileSync(file, content);
      return release;
    }
    // Stale: move it aside (atomic, so only one taker wins), check that what was moved is what was
    // judged, then retry the exclusive create.
    const aside = `${file}.stale-${token}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const moved = readFileSync(aside, "utf8");
    if (moved !== existing.text) {
      // Someone else replaced it in between: put theirs back and judge again.
      try {
        linkSync(aside, file);
      } catch {
        // a third process created one meanwhile: judged at the next attempt
      }
    } else {
      opts.log?.(`took over the stale lock ${file}: ${verdict.reason}`);
    }
    unlinkSync(aside);
  }
  throw new DataDirLockError(`the lock ${file} keeps changing: another Tradekeel process is starting on ${dir}`, "start one process per DATA_DIR");
}
