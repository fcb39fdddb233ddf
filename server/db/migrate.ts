import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine as SchemaEngineType } from "@prisma/schema-engine-wasm";
import { AwaitingPGliteFactory } from "./adapters";
import { PGlite } from "@electric-sql/pglite";

/**
 * Offline migrations. Prisma's CLI needs a native schema-engine binary it downloads on first use;
 * this project instead drives Prisma's schema engine compiled to WebAssembly
 * (@prisma/schema-engine-wasm) through the same driver adapters the client uses. The migration
 * history it writes (_prisma_migrations, checksums, folder layout) is Prisma's own, so
 * `prisma migrate deploy` accepts a database migrated here and vice versa.
 */

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");
export const SCHEMA_PATH = path.join(PROJECT_ROOT, "prisma", "schema.prisma");

interface WasmBindings {
  SchemaEngine: typeof SchemaEngineType;
  __wbg_set_wasm(wasm: unknown): void;
}

let bindingsPromise: Promise<WasmBindings> | undefined;

/** Node 20 cannot import .wasm as an ES module, so instantiate it by hand as the package's loader would. */
function loadSchemaEngineBindings(): Promise<WasmBindings> {
  bindingsPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package exports no package.json, so locate it through its main entry.
    const pkgDir = path.dirname(require.resolve("@prisma/schema-engine-wasm"));
    const bindings = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as WasmBindings;
    const module = new WebAssembly.Module(readFileSync(path.join(pkgDir, "schema_engine_bg.wasm")));
    const instance = new WebAssembly.Instance(module, {
      "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return bindingsPromise;
}

export function readMigrationList(dir = MIGRATIONS_DIR): MigrationList {
  const lockPath = path.join(dir, "migration_lock.toml");
  const migrationDirectories = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
        .map((name) => {
          const file = path.join(dir, name, "migration.sql");
          const content = existsSync(file)
            ? ({ tag: "ok", value: readFileSync(file, "utf8") } as const)
            : ({ tag: "error", value: `${file} is missing` } as const);
          return { path: name, migrationFile: { path: "migration.sql", content } };
        })
    : [];
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

const NO_FILTER = { externalTables: [], externalEnums: [] };

async function withEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  run: (engine: SchemaEngineType) => Promise<T>,
  log: (line: string) => void = () => {},
): Promise<T> {
  const { SchemaEngine } = await loadSchemaEngineBindings();
  const schema = readFileSync(SCHEMA_PATH, "utf8");
  const engine = await SchemaEngine.new(
    { datamodels: [[SCHEMA_PATH, schema]] },
    (line: string) => log(line),
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
  try {
    return await run(engine);
  } finally {
    engine.free();
  }
}

export interface MigrationResult {
  applied: string[];
}

/** Apply every pending migration (Prisma's `migrate deploy` semantics, advisory lock included). */
export async function applyMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log?: (line: string) => void,
): Promise<MigrationResult> {
  return withEngine(
    adapterFactory,
    async (engine) => {
      const out = await engine.applyMigrations({ migrationsList: readMigrationList(), filters: NO_FILTER });
      return { applied: out.appliedMigrationNames };
    },
    log,
  );
}

export interface MigrationStatus {
  upToDate: boolean;
  pending: string[];
  problems: string[];
  editedMigrations: string[];
  failedMigrations: string[];
}

export async function migrationStatus(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<MigrationStatus> {
  return withEngine(adapterFactory, async (engine) => {
    const out = await engine.diagnoseMigrationHistory({
      migrationsList: readMigrationList(),
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    const pending: string[] = [];
    const problems: string[] = [];
    const history = out.history;
    if (history?.diagnostic === "databaseIsBehind") pending.push(...history.unappliedMigrationNames);
    else if (history?.diagnostic === "migrationsDirectoryIsBehind")
      problems.push(`the database has migrations this checkout lacks: ${history.unpersistedMigrationNames.join(", ")}`);
    else if (history?.diagnostic === "historiesDiverge")
      problems.push(`migration histories diverge after ${history.lastCommonMigrationName ?? "the start"}`);
    return {
      upToDate: !history && out.failedMigrationNames.length === 0 && out.editedMigrationNames.length === 0,
      pending,
      problems,
      editedMigrations: out.editedMigrationNames,
      failedMigrations: out.failedMigrationNames,
    };
  });
}

/**
 * Write a new migration with the SQL that takes the existing migrations to the current schema.
 * The diff runs on an in-memory PGlite (no database server or shadow database needed).
 */
export async function createMigration(name: string, now = new Date()): Promise<string | null> {
  const safeName = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_|_$/g, "") || "migration";
  const factory = new AwaitingPGliteFactory(new PGlite("memory://"));
  const schema = readFileSync(SCHEMA_PATH, "utf8");
  const list = readMigrationList();
  const script = await withEngine(factory, async (engine) => {
    const result = await engine.diff({
      from: list.migrationDirectories.length ? { tag: "migrations", ...list } : { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    return result.stdout ?? "";
  });
  if (!script.trim() || /^-- This is an empty migration/.test(script.trim())) return null;
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${safeName}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), script);
  const lock = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  if (!existsSync(lock)) {
    writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
  }
  return dir;
}

/** Prisma's checksum of a migration file: SHA-256 hex of its bytes (for compatibility checks in tests). */
export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}
