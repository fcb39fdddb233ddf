/**
 * # Database (server/db)
 *
 * The factory that opens the database (embedded PGlite under the data folder, or PostgreSQL with the
 * "one bot per database" advisory lock), its migrations and locks, and the repositories over the
 * Prisma client. The generated client (./generated) is exposed as types only: every module receives
 * the client from the composition root. Route handlers, bundled by Next, load ./repositories alone
 * (no driver, no migrator).
 */
export {
  DatabaseError,
  describeDbError,
  openDatabase,
  openMigrationTarget,
  type Database,
  type DatabaseKind,
  type OpenDatabaseOptions,
} from "./database";
export { AwaitingPGliteFactory, createPgAdapterFactory, pgPoolConfig } from "./adapters";
export {
  INSTANCE_LOCK_KEY,
  LOCK_HEARTBEAT_MS,
  LOCK_HEARTBEAT_TIMEOUT_MS,
  InstanceLockError,
  acquireInstanceLock,
  describeHolder,
  handOverInstanceLock,
  lockHolder,
  waitForInstanceLock,
  type InstanceLock,
  type LockHolder,
  type WaitForLockOptions,
} from "./instance-lock";
export { DataDirLockError, LOCK_FILE_NAME, acquireDirLock } from "./data-dir-lock";
export {
  MIGRATIONS_DIR,
  PROJECT_ROOT,
  SCHEMA_PATH,
  applyMigrations,
  createMigration,
  migrationChecksum,
  migrationStatus,
  readMigrationList,
  type MigrationResult,
  type MigrationStatus,
} from "./migrate";
export { enableTimescaleCandles, type TimescaleOutcome } from "./timescale";
export * from "./repositories";
export type { Prisma, PrismaClient } from "./generated/client";
