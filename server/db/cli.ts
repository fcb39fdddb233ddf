import { loadConfig, ConfigError } from "../config";
import { createMigration, migrationStatus, applyMigrations } from "./migrate";
import { openMigrationTarget, DatabaseError } from "./database";
import { redactUrl } from "../core/logger";

/** `npm run db:migrate` (deploy), `npm run db:status`, `npm run db:create-migration -- <name>`: offline. */
async function main(): Promise<number> {
  const [command = "deploy", ...rest] = process.argv.slice(2);
  if (command === "create") {
    const dir = await createMigration(rest[0] ?? "change");
    console.log(dir ? `created ${dir}` : "the schema matches the migrations: nothing to create");
    return 0;
  }
  const config = loadConfig();
  const target = await openMigrationTarget({ url: config.database.url, dataDir: config.server.dataDir });
  const where = config.database.url ? redactUrl(config.database.url) : `embedded database in ${config.server.dataDir}`;
  try {
    if (command === "deploy") {
      const { applied } = await applyMigrations(target.factory);
      console.log(applied.length ? `applied to ${where}: ${applied.join(", ")}` : `${where} is up to date`);
      return 0;
    }
    if (command === "status") {
      const status = await migrationStatus(target.factory);
      console.log(JSON.stringify({ database: where, ...status }, null, 2));
      return status.upToDate ? 0 : 1;
    }
    console.error(`unknown command "${command}": use deploy, status or create <name>`);
    return 2;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError || err instanceof DatabaseError) console.error(err.message);
    else console.error(err);
    process.exit(1);
  },
);
