import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { loadConfig, ConfigError } from "../server/config";
import { acquireDirLock, DataDirLockError } from "../server/db/data-dir-lock";
import { redactUrl } from "../server/core/logger";

/**
 * Backups of either database:
 *   npm run db:backup [-- --out FILE]      embedded: a gzipped PGlite data-directory tarball; PostgreSQL: pg_dump -Fc
 *   npm run db:restore -- FILE --yes       the reverse (embedded: the current pgdata is moved aside, not deleted)
 * The embedded database can be copied only while Tradekeel is stopped (its lock file says who has it).
 * Keep DATA_DIR/master.key (or TRADEKEEL_MASTER_KEY) with the backup: without it the stored exchange
 * keys and alert-channel secrets cannot be decrypted.
 */
function fail(message: string): never {
  console.error(`tradekeel backup: ${message}`);
  process.exit(1);
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
}

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { stdio: "inherit" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    fail(`${command} is not installed; install the PostgreSQL client tools (apt-get install postgresql-client), or run it in the database container: docker compose exec db ${command} ...`);
  }
  if (r.status !== 0) fail(`${command} failed (exit ${r.status})`);
}

function lockEmbedded(dbDir: string): () => void {
  try {
    return acquireDirLock(dbDir);
  } catch (err) {
    if (err instanceof DataDirLockError) fail(`the embedded database in ${dbDir} is in use (${err.message}); stop Tradekeel first`);
    throw err;
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const url = config.database.url;
  const dataDir = path.resolve(config.server.dataDir);
  const dbDir = path.join(dataDir, "db");
  const pgData = path.join(dbDir, "pgdata");

  if (command === "backup") {
    const backups = path.join(dataDir, "backups");
    const out = path.resolve(flag("--out") ?? path.join(backups, url ? `tradekeel-postgres-${stamp()}.dump` : `tradekeel-embedded-${stamp()}.tar.gz`));
    mkdirSync(path.dirname(out), { recursive: true });
    if (url) {
      run("pg_dump", ["--format=custom", "--no-owner", `--file=${out}`, url]);
      console.log(`backed up ${redactUrl(url)} to ${out}`);
    } else {
      if (!existsSync(pgData)) fail(`no embedded database in ${pgData}`);
      const release = lockEmbedded(dbDir);
      try {
        const db = await PGlite.create(pgData);
        const dump = await db.dumpDataDir("gzip");
        await db.close();
        writeFileSync(out, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 });
      } finally {
        release();
      }
      console.log(`backed up the embedded database ${pgData} to ${out}`);
    }
    console.log("keep the master key (DATA_DIR/master.key or TRADEKEEL_MASTER_KEY) with it: stored secrets need it");
    return;
  }

  if (command === "restore") {
    const file = rest.find((a) => !a.startsWith("--"));
    if (!file || !existsSync(file)) fail("usage: npm run db:restore -- FILE --yes (FILE from npm run db:backup)");
    if (!rest.includes("--yes")) fail(`this replaces the ${url ? `database at ${redactUrl(url)}` : `embedded database in ${pgData}`} with ${file}; add --yes to go ahead`);
    if (url) {
      run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", `--dbname=${url}`, file]);
      console.log(`restored ${file} into ${redactUrl(url)}`);
      return;
    }
    mkdirSync(dbDir, { recursive: true });
    const release = lockEmbedded(dbDir);
    try {
      let aside: string | undefined;
      if (existsSync(pgData)) {
        aside = `${pgData}.before-restore-${stamp()}`;
        renameSync(pgData, aside);
      }
      const db = await PGlite.create({ dataDir: pgData, loadDataDir: new Blob([readFileSync(file)]) });
      await db.query("select 1");
      await db.close();
      console.log(`restored ${file} into ${pgData}${aside ? ` (the previous database is in ${aside})` : ""}`);
    } finally {
      release();
    }
    return;
  }
  fail("usage: npm run db:backup [-- --out FILE] | npm run db:restore -- FILE --yes");
}

main().catch((err) => fail((err as Error).stack ?? String(err)));
