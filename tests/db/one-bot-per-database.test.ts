import { execFile } from "node:child_process";
import { connect } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../server/db/database";
import { enableTimescaleCandles } from "../../server/db/timescale";

const run = promisify(execFile);
const url = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const reachable = await new Promise<boolean>((resolve) => {
  const u = new URL(url);
  const socket = connect({ host: u.hostname, port: Number(u.port || 5432) });
  socket.once("connect", () => (socket.destroy(), resolve(true)));
  socket.once("error", () => resolve(false));
  socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
});
if (!reachable) console.warn(`one bot per database: skipped, no PostgreSQL at ${new URL(url).host} (set TEST_DATABASE_URL)`);

const fixture = path.join(import.meta.dirname, "fixtures", "open-postgres.ts");
const tsx = path.resolve(import.meta.dirname, "../../node_modules/.bin/tsx");

describe.skipIf(!reachable)("one bot per PostgreSQL database", () => {
  const name = `tradekeel_lock_${process.pid}`;
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
  });

  it("a second process on the same database refuses to start and says which process holds it", async () => {
    const first: Database = await openDatabase({ url: target, dataDir: "unused" });
    try {
      const second = await run(tsx, [fixture], { env: { ...process.env, DATABASE_URL: target } }).then(
        (r) => ({ code: 0, stderr: r.stderr, stdout: r.stdout }),
        (err: { code: number; stderr: string; stdout: string }) => ({ code: err.code, stderr: err.stderr, stdout: err.stdout }),
      );
      expect(second.code).toBe(1);
      expect(second.stdout).not.toContain("opened");
      expect(second.stderr).toMatch(/another Tradekeel process is already running on the PostgreSQL database/);
      expect(second.stderr).toContain(`tradekeel (pid ${process.pid} on`);
      expect(second.stderr).toMatch(/fix: stop the other process first/);
      // The first process still works.
      expect((await first.ping()).ok).toBe(true);
    } finally {
      await first.close();
    }
    // Once the first one stopped, the next start succeeds.
    const third = await run(tsx, [fixture], { env: { ...process.env, DATABASE_URL: target } });
    expect(third.stdout).toContain("opened");
  }, 120_000);

  it("the same process may not open the database twice either (a second kernel would trade too)", async () => {
    const first = await openDatabase({ url: target, dataDir: "unused" });
    try {
      await expect(openDatabase({ url: target, dataDir: "unused" })).rejects.toThrow(/another Tradekeel process is already running/);
    } finally {
      await first.close();
    }
    const again = await openDatabase({ url: target, dataDir: "unused" });
    await again.close();
  }, 60_000);

  it("without TimescaleDB the candles stay a plain table, and nothing is logged as a failure", async () => {
    const db = await openDatabase({ url: target, dataDir: "unused" });
    try {
      const lines: string[] = [];
      const available = await db.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
      const outcome = await enableTimescaleCandles(db.prisma, (l) => lines.push(l));
      if (available.length === 0) {
        expect(outcome).toBe("absent");
        expect(lines).toEqual([]);
      } else {
        expect(["enabled", "already"]).toContain(outcome);
      }
      await db.prisma.candle.create({ data: { venue: "v", symbol: "BTC/USDT", timeframe: "1m", openTime: new Date(0), open: "1", high: "1", low: "1", close: "1", volume: "1" } });
      expect(await db.prisma.candle.count()).toBe(1);
    } finally {
      await db.close();
    }
  }, 60_000);
});
