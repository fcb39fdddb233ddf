import type { PrismaClient } from "../generated/client";

/** A statement parameter: text (numbers as exact decimal strings, times as ISO strings), a flag or NULL. */
export type SqlParam = string | boolean | null;

/**
 * One parameterised statement run on the database's own driver, bypassing Prisma's query engine: the
 * order path's writes (an order is written before it is sent, so its insert is on the critical path).
 * On embedded PGlite, Prisma's create costs about 2 ms of JavaScript before the statement reaches the
 * database and Prisma's raw queries about 0.5 ms; the driver itself takes about 0.4 ms.
 */
export interface DirectSql {
  /**
   * Run one statement in autocommit: resolves, with the number of rows it changed, once it is
   * committed. Rejects with the driver's error (a PostgreSQL SQLSTATE in `code`, see sqlState).
   */
  execute(sql: string, params: readonly SqlParam[]): Promise<number>;
}

// The composition root hands repositories only the Prisma client; openDatabase, which knows the driver
// under it, registers that driver here (registerDirectSql). A client opened elsewhere (a route handler's
// bundle, a test's own client) falls back to Prisma's raw queries: the same statements, a little slower.
const registered = new WeakMap<PrismaClient, DirectSql>();

export function registerDirectSql(prisma: PrismaClient, direct: DirectSql): void {
  registered.set(prisma, direct);
}

export function directSqlFor(prisma: PrismaClient): DirectSql {
  return registered.get(prisma) ?? { execute: (sql, params) => prisma.$executeRawUnsafe(sql, ...params) };
}

/**
 * The PostgreSQL SQLSTATE of a failed statement, whichever way it came: the PGlite driver's error
 * (`code`), or Prisma's raw-query error (P2010 and the like, the database's code in `meta`), or a
 * Prisma error already mapped (P2002 unique, P2003 foreign key).
 */
export function sqlState(err: unknown): string | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const e = err as { code?: unknown; meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } };
  if (e.code === "P2002") return UNIQUE_VIOLATION;
  if (e.code === "P2003") return FOREIGN_KEY_VIOLATION;
  if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) && !e.code.startsWith("P")) return e.code;
  const cause = e.meta?.driverAdapterError?.cause;
  if (typeof cause?.originalCode === "string") return cause.originalCode;
  if (cause?.kind === "UniqueConstraintViolation") return UNIQUE_VIOLATION;
  if (cause?.kind === "ForeignKeyConstraintViolation") return FOREIGN_KEY_VIOLATION;
  if (typeof e.meta?.code === "string") return e.meta.code;
  return undefined;
}

export const UNIQUE_VIOLATION = "23505";
export const FOREIGN_KEY_VIOLATION = "23503";
