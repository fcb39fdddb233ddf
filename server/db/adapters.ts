import { PGlite, protocol } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { DirectSql } from "./repositories/direct-sql";

/**
 * Driver adapters for the two database kinds. Prisma's client and the wasm schema engine (migrations)
 * both talk to the database through these, so neither needs a native engine binary or a download.
 */

/** PGlite's adapter does not await executeScript, so a broken migration would be reported as applied. */
export class AwaitingPGliteFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName: string;
  private readonly inner: PrismaPGlite;

  constructor(private readonly client: PGlite) {
    this.inner = new PrismaPGlite(client);
    this.adapterName = this.inner.adapterName;
  }

  private patch(adapter: SqlDriverAdapter, client: PGlite): SqlDriverAdapter {
    adapter.executeScript = async (script: string) => {
      await client.exec(script);
    };
    return adapter;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.patch(await this.inner.connect(), this.client);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = new PGlite("memory://shadow");
    return this.patch(await new PrismaPGlite(shadow).connect(), shadow);
  }
}

/**
 * Statements straight on the PGlite instance Prisma's adapter also uses, each prepared once under a name
 * and then run as a single bind-execute-sync exchange: half the cost of PGlite.query, which parses and
 * describes every statement afresh in six exchanges. Like PGlite.query it waits for a transaction in
 * progress and for the statement before it, so it never interleaves with Prisma's queries.
 * A statement outside a transaction is committed when execute() resolves: its WAL record is written to the
 * data directory's files (PGlite runs with fsync off, so the OS holds it: a crash of the process loses
 * nothing, a power cut may lose the last commits).
 */
export function pgliteDirectSql(client: PGlite): DirectSql {
  const { serialize } = protocol;
  const prepared = new Map<string, string>();
  let nextName = 1;
  const exclusive = <T>(work: () => Promise<T>) => client._runExclusiveTransaction(() => client._runExclusiveQuery(work));
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  return {
    execute(sql, params) {
      // Text parameters: the statement casts each one to its column's type.
      const values = params.map((v) => (v === null ? null : String(v)));
      const run = async (): Promise<number> => {
        let name = prepared.get(sql);
        if (name === undefined) {
          name = `tk_direct_${nextName++}`;
          await client.execProtocol(concat([serialize.parse({ name, text: sql }), serialize.sync()]));
          prepared.set(sql, name);
        }
        const { messages } = await client.execProtocol(concat([serialize.bind({ statement: name, values }), serialize.execute({}), serialize.sync()]));
        return affectedRows(messages);
      };
      return exclusive(async () => {
        try {
          return await run();
        } catch (err) {
          // Someone ran DEALLOCATE ALL / DISCARD ALL: prepare again, once.
          if ((err as { code?: string }).code !== INVALID_SQL_STATEMENT_NAME) throw err;
          prepared.clear();
          return run();
        }
      });
    },
  };
}

const INVALID_SQL_STATEMENT_NAME = "26000";

/** Rows a statement changed, from its CommandComplete tag ("INSERT 0 1", "UPDATE 3"...). */
function affectedRows(messages: readonly { name: string }[]): number {
  for (const m of messages) {
    if (m.name !== "commandComplete") continue;
    const count = Number((m as { text?: string }).text?.split(" ").pop());
    return Number.isInteger(count) ? count : 0;
  }
  return 0;
}

/**
 * The schema engine's catalog queries return PostgreSQL's internal "char" (OID 18) and "name" (OID 19)
 * columns, which the pg adapter refuses to deserialize. They are plain text to us.
 */
const TEXT_OID = 25;
class CatalogFriendlyClient extends pg.Client {
  // pg's query() has many overloads; we only post-process the promise form the adapter uses.
  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === "function") {
      return (result as Promise<pg.QueryResult>).then((res) => {
        for (const field of res.fields ?? []) {
          if (field.dataTypeID === 18 || field.dataTypeID === 19) field.dataTypeID = TEXT_OID;
        }
        return res;
      }) as never;
    }
    return result as never;
  }
}

/** Connection fields rather than a URL: the adapter's shadow-database logic overrides `database` only then. */
export function pgPoolConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username || "postgres"),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
    ssl: u.searchParams.get("sslmode") === "require" ? { rejectUnauthorized: false } : undefined,
    max: 10,
    connectionTimeoutMillis: 5_000,
  };
}

export function createPgAdapterFactory(url: string, forMigrations = false): PrismaPg {
  const config = pgPoolConfig(url);
  if (forMigrations) {
    return new PrismaPg(new pg.Pool({ ...config, max: 2, Client: CatalogFriendlyClient as unknown as typeof pg.Client }));
  }
  return new PrismaPg(config);
}
