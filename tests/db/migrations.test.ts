import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, DatabaseError } from "../../server/db/database";
import { MIGRATIONS_DIR, migrationChecksum } from "../../server/db/migrate";

const migrationNames = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe("embedded database", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("applies every migration on a fresh data directory and keeps data across reopen", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tk-db-"));
    dirs.push(dataDir);
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe("embedded");
    await first.prisma.setting.create({ data: { key: "probe", value: { n: 1 } } });
    const applied = await first.prisma.$queryRawUnsafe<Array<{ migration_name: string; checksum: string }>>(
      "SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name",
    );
    expect(applied.map((r) => r.migration_name)).toEqual(migrationNames);
    // Prisma's own CLI accepts the history only if checksums match the files byte for byte.
    for (const row of applied) {
      const sql = readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"), "utf8");
      expect(row.checksum).toBe(migrationChecksum(sql));
    }
    await first.close();

    const second = await openDatabase({ dataDir });
    expect(await second.prisma.setting.findUnique({ where: { key: "probe" } })).toMatchObject({ value: { n: 1 } });
    expect((await second.ping()).ok).toBe(true);
    await second.close();
  }, 60_000);

  it("refuses a data directory that another live process holds", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tk-db-"));
    dirs.push(dataDir);
    const db = await openDatabase({ dataDir });
    const { writeFileSync } = await import("node:fs");
    // Pretend a different live process (our parent) holds the lock.
    writeFileSync(path.join(dataDir, "db", "tradekeel.lock"), String(process.ppid));
    await expect(openDatabase({ dataDir })).rejects.toThrow(/in use by another Tradekeel process/);
    writeFileSync(path.join(dataDir, "db", "tradekeel.lock"), String(process.pid));
    await db.close();
  }, 60_000);

  it.skipIf(!existsSync("/proc/self"))("fails at once, naming the folder, when the data directory cannot be created (e.g. under /proc)", async () => {
    // Node's recursive mkdir spins forever there; openDatabase must not.
    const started = performance.now();
    const err = await openDatabase({ dataDir: "/proc/tradekeel-test/data" }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(String(err.message)).toMatch(/cannot create the data directory \/proc\/tradekeel-test\/data\/db: .*\n  fix: set DATA_DIR to a writable folder/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("names the fix when the data directory is corrupt", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tk-db-"));
    dirs.push(dataDir);
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(path.join(dataDir, "db", "pgdata"), { recursive: true });
    writeFileSync(path.join(dataDir, "db", "pgdata", "PG_VERSION"), "garbage\n");
    const err = await openDatabase({ dataDir }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(String(err.message)).toMatch(/could not be opened/);
    expect(String(err.message)).toMatch(/fix:/);
  }, 60_000);
});

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)("PostgreSQL server (TEST_DATABASE_URL)", () => {
  it("applies the same migrations to a fresh schema and answers queries", async () => {
    // A dedicated database so the test never touches other data.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const name = `tradekeel_test_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const target = new URL(url!);
    target.pathname = `/${name}`;
    try {
      const db = await openDatabase({ url: target.toString(), dataDir: "unused" });
      expect(db.kind).toBe("postgres");
      const rows = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
        "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name",
      );
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
      await db.prisma.setting.create({ data: { key: "probe", value: { ok: true } } });
      expect((await db.ping()).ok).toBe(true);
      await db.close();
      // A second start finds nothing to apply.
      const again = await openDatabase({ url: target.toString(), dataDir: "unused" });
      await again.close();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }, 60_000);
});
