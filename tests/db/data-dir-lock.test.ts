import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../server/db/database";
import { acquireDirLock, DataDirLockError, LOCK_FILE_NAME, judgeLock, processIdentity } from "../../server/db/data-dir-lock";

/**
 * The data directory's lock must survive PID reuse: after a SIGKILL the lock file stays behind, and
 * a live but unrelated process with the same PID must not keep the bot down.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
const children: ChildProcess[] = [];

function freshDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tk-lock-"));
  dirs.push(dir);
  return dir;
}

function lockFile(dir: string): string {
  return path.join(dir, LOCK_FILE_NAME);
}

/** A live process that is not Tradekeel (its PID stands for a reused one). */
async function unrelatedProcess(): Promise<ChildProcess> {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", reject);
  });
  return child;
}

/** A child that takes the lock of `dir` as Tradekeel's start-up does; resolves once it holds it. */
async function lockHolder(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/db/fixtures/lock-holder.ts", dir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the lock holder never took the lock:\n${stderr}`)), 60_000);
    child.stdout!.on("data", (d) => {
      if (d.toString().includes("LOCKED")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the lock holder exited (${code}):\n${stderr}`));
    });
  });
  return child;
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

afterEach(async () => {
  await Promise.all(children.splice(0).map(killAndWait));
});

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("data directory lock", () => {
  it("records the owner's pid and identity, and release removes only its own lock", () => {
    const dir = freshDir();
    const release = acquireDirLock(dir);
    const lock = JSON.parse(readFileSync(lockFile(dir), "utf8"));
    expect(lock).toMatchObject({ pid: process.pid, identity: processIdentity(process.pid) });
    expect(lock.identity).toMatch(/^(linux|ps):/);
    expect(typeof lock.token).toBe("string");
    release();
    expect(existsSync(lockFile(dir))).toBe(false);

    // A release after someone else took the lock leaves theirs alone.
    const again = acquireDirLock(dir);
    writeFileSync(lockFile(dir), JSON.stringify({ ...lock, token: "someone-else" }));
    again();
    expect(existsSync(lockFile(dir))).toBe(true);
  });

  it("takes over the lock of a process that is gone", async () => {
    const dir = freshDir();
    const gone = await unrelatedProcess();
    const pid = gone.pid!;
    await killAndWait(gone);
    writeFileSync(lockFile(dir), JSON.stringify({ pid, identity: "linux:x:1", token: "dead" }));
    const lines: string[] = [];
    const release = acquireDirLock(dir, { log: (l) => lines.push(l) });
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).pid).toBe(process.pid);
    expect(lines.join("\n")).toMatch(new RegExp(`process ${pid} is gone`));
    release();
  });

  it("treats a lock naming a live but unrelated process (a reused pid) as stale", async () => {
    const dir = freshDir();
    const sleeper = await unrelatedProcess();
    // The lock was written by an earlier process that had this pid (here: this process's identity).
    writeFileSync(lockFile(dir), JSON.stringify({ pid: sleeper.pid, identity: processIdentity(process.pid), token: "old" }));
    const lines: string[] = [];
    const release = acquireDirLock(dir, { log: (l) => lines.push(l) });
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).pid).toBe(process.pid);
    expect(lines.join("\n")).toMatch(/now belongs to another process/);
    release();

    // The parent process is alive too, and is not the lock's owner either.
    const ppidIdentity = processIdentity(process.ppid)!;
    expect(ppidIdentity).toBeDefined();
    const wrong = ppidIdentity.replace(/\d+$/, (ticks) => String(Number(ticks) + 1));
    writeFileSync(lockFile(dir), JSON.stringify({ pid: process.ppid, identity: wrong, token: "old" }));
    acquireDirLock(dir)();

    // openDatabase starts on such a lock (the crash-then-pid-reuse case of issue 22).
    const dataDir = freshDir();
    mkdirSync(path.join(dataDir, "db"), { recursive: true });
    writeFileSync(path.join(dataDir, "db", LOCK_FILE_NAME), JSON.stringify({ pid: sleeper.pid, identity: wrong, token: "old" }));
    const db = await openDatabase({ dataDir, migrate: false });
    await db.close();
  }, 180_000);

  it("treats an older version's bare-pid lock as stale when that pid started after the lock was written", async () => {
    const dir = freshDir();
    const sleeper = await unrelatedProcess();
    writeFileSync(lockFile(dir), `${sleeper.pid}\n`);
    const past = Date.now() / 1000 - 600;
    utimesSync(lockFile(dir), past, past);
    const lines: string[] = [];
    acquireDirLock(dir, { log: (l) => lines.push(l) })();
    expect(lines.join("\n")).toMatch(/started after the lock was written/);

    // One written after its process started cannot be told apart from its writer: refused.
    writeFileSync(lockFile(dir), `${sleeper.pid}\n`);
    expect(() => acquireDirLock(dir)).toThrow(DataDirLockError);
  });

  it("without a comparable identity falls back to the start time (e.g. a lock written where /proc was missing)", async () => {
    const sleeper = await unrelatedProcess();
    const old = Date.now() - 600_000;
    expect(judgeLock(JSON.stringify({ pid: sleeper.pid, identity: "ps:Mon Jan 1 00:00:00 2024" }), old).state).toBe("free");
    expect(judgeLock(JSON.stringify({ pid: sleeper.pid, identity: "other:1" }), Date.now() + 5_000).state).toBe("held");
    expect(judgeLock("not a lock", Date.now()).state).toBe("free");
  });

  it("refuses, with the owner and the fix, while a live Tradekeel process holds the lock; starts once it was killed", async () => {
    const dataDir = freshDir();
    const dbDir = path.join(dataDir, "db");
    mkdirSync(dbDir, { recursive: true });
    const holder = await lockHolder(dbDir);

    const err = (() => {
      try {
        acquireDirLock(dbDir);
      } catch (e) {
        return e as DataDirLockError;
      }
      throw new Error("the lock was taken while its owner runs");
    })();
    expect(err).toBeInstanceOf(DataDirLockError);
    expect(err.owner?.pid).toBe(holder.pid);

    const refused = await openDatabase({ dataDir }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.message).toMatch(new RegExp(`the embedded database in .* is in use by another Tradekeel process \\(pid ${holder.pid}`));
    expect(refused?.message).toMatch(/fix: stop that process first, or give this one another DATA_DIR; if no Tradekeel process uses it, delete .*tradekeel\.lock/);

    // SIGKILL leaves the lock file behind; the next start takes it over.
    await killAndWait(holder);
    expect(existsSync(path.join(dbDir, LOCK_FILE_NAME))).toBe(true);
    const db = await openDatabase({ dataDir, migrate: false });
    expect(JSON.parse(readFileSync(path.join(dbDir, LOCK_FILE_NAME), "utf8")).pid).toBe(process.pid);
    await db.close();
    expect(existsSync(path.join(dbDir, LOCK_FILE_NAME))).toBe(false);
  }, 90_000);
});
