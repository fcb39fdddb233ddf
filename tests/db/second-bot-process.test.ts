import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../server/db/database";

/**
 * The owner starts Tradekeel a second time on the server's PostgreSQL (a forgotten systemd unit, a
 * second compose project): the real entry point, `server/index.ts`, must refuse before it trades,
 * exit 1 and say which process holds the database and what to do. Runs against the machine's
 * PostgreSQL (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test); skipped otherwise.
 */
const url = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const reachable = await new Promise<boolean>((resolve) => {
  const u = new URL(url);
  const socket = connect({ host: u.hostname, port: Number(u.port || 5432) });
  socket.once("connect", () => (socket.destroy(), resolve(true)));
  socket.once("error", () => resolve(false));
  socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
});
if (!reachable) console.warn(`second bot process: skipped, no PostgreSQL at ${new URL(url).host} (set TEST_DATABASE_URL)`);

const root = path.resolve(import.meta.dirname, "../..");

function startBot(databaseUrl: string, dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "error", AUTO_START: "false", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the second bot did not exit within 90 s (it must refuse at start):\n${output}`));
    }, 90_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(!reachable)("a second Tradekeel on the same PostgreSQL", () => {
  const name = `tradekeel_second_${process.pid}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-second-bot-"));
  let target: string;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    target = u.toString();
  }, 60_000);

  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin?.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses to start, exits 1 and names the process holding the database and the fix", async () => {
    const first = await openDatabase({ url: target, dataDir: "unused" });
    try {
      const second = await startBot(target, dataDir);
      expect(second.code, second.output).toBe(1);
      expect(second.output).toMatch(/another Tradekeel process is already running on the PostgreSQL database/);
      expect(second.output).toContain(`(pid ${process.pid} on`);
      expect(second.output).toMatch(/fix: stop the other process first/);
      // It never got as far as listening.
      expect(second.output).not.toMatch(/listening|ready on/i);
      expect((await first.ping()).ok).toBe(true);
    } finally {
      await first.close();
    }
  }, 120_000);
});
