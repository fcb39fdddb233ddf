import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";

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
