import type { PrismaClient } from "./generated/client";

/**
 * With TimescaleDB on the server, candles live in a hypertable (7-day chunks) whose chunks older than
 * 30 days are compressed (segmented by venue, symbol, timeframe). Without it, candles stay a plain
 * table as before. Applied at start after the migrations, idempotently; a failure is logged and the
 * plain table keeps working (never a reason not to start).
 */
export type TimescaleOutcome = "absent" | "enabled" | "already" | "failed";

export async function enableTimescaleCandles(prisma: PrismaClient, log: (line: string) => void): Promise<TimescaleOutcome> {
  try {
    const available = await prisma.$queryRawUnsafe<Array<{ installed: string | null }>>(
      "SELECT installed_version AS installed FROM pg_available_extensions WHERE name = 'timescaledb'",
    );
    if (available.length === 0) return "absent";
    if (!available[0].installed) await prisma.$executeRawUnsafe("CREATE EXTENSION IF NOT EXISTS timescaledb");
    const existing = await prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'candles'");
    if (existing.length > 0) return "already";
    await prisma.$executeRawUnsafe(`SELECT create_hypertable('candles', 'openTime', chunk_time_interval => INTERVAL '7 days', migrate_data => true, if_not_exists => true)`);
    await prisma.$executeRawUnsafe(`ALTER TABLE candles SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, symbol, timeframe', timescaledb.compress_orderby = '"openTime" DESC')`);
    await prisma.$executeRawUnsafe(`SELECT add_compression_policy('candles', INTERVAL '30 days', if_not_exists => true)`);
    log("TimescaleDB: candles are now a compressed hypertable (7-day chunks, compressed after 30 days)");
    return "enabled";
  } catch (err) {
    log(`TimescaleDB is installed but the candles hypertable could not be set up (${(err as Error).message}); candles stay a plain table`);
    return "failed";
  }
}
