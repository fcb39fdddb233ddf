import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../server/db/database";

/**
 * The owner backs up the embedded database, loses a setting, restores the backup and gets it back;
 * a backup while the bot runs is refused rather than copying a database in use.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-backup-"));
const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", TRADEKEEL_CONFIG: "" };
const script = (...args: string[]) => run(tsx, [path.join(root, "deploy/backup.ts"), ...args], { env, cwd: dataDir });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("db:backup and db:restore, embedded database", () => {
  it("restores what was backed up, keeping the replaced database aside", async () => {
    let db = await openDatabase({ dataDir });
    await db.prisma.setting.create({ data: { key: "probe", value: { v: "before" } } });
    // While the bot holds the database, no backup.
    const refused = await script("backup").catch((e: { stderr: string }) => e);
    expect((refused as { stderr: string }).stderr).toMatch(/is in use .*stop Tradekeel first/);
    await db.close();

    const out = path.join(dataDir, "b.tar.gz");
    const { stdout } = await script("backup", "--out", out);
    expect(stdout).toMatch(/backed up the embedded database/);
    expect(existsSync(out)).toBe(true);

    db = await openDatabase({ dataDir });
    await db.prisma.setting.update({ where: { key: "probe" }, data: { value: { v: "after" } } });
    await db.close();

    const noYes = await script("restore", out).catch((e: { stderr: string }) => e);
    expect((noYes as { stderr: string }).stderr).toMatch(/add --yes/);
    await script("restore", out, "--yes");
    expect(readdirSync(path.join(dataDir, "db")).some((n) => n.startsWith("pgdata.before-restore-"))).toBe(true);

    db = await openDatabase({ dataDir });
    expect((await db.prisma.setting.findUnique({ where: { key: "probe" } }))?.value).toEqual({ v: "before" });
    await db.close();
  }, 180_000);
});
