import { loadConfig, ConfigError } from "./config";
import { createLogger } from "./core/logger";
import { DatabaseError, openDatabase, PrismaCandleStore } from "./db";
import { describeVenue } from "./market";
import { configureUserStrategies, loadUserStrategies } from "./strategy";
import { loadModelRegistry, registerMlStrategy } from "./ai";
import { startJobWorkers } from "./jobs";

/**
 * `npm run worker` (issue 19): a process with the worker role only — config → database → BullMQ job
 * workers running backtests and optimisation parameter sets, on this or any machine that reaches the
 * Redis (REDIS_URL) and the PostgreSQL (DATABASE_URL). No engine, no web server. SIGTERM/SIGINT: stop
 * taking jobs, finish the running ones (a job still running after the grace period is left for the
 * stalled-job check to retry elsewhere), close the database, exit 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    // `npm run worker` is the worker role, whatever ROLE says elsewhere in the environment.
    config = loadConfig({ ...process.env, ROLE: "worker" });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tradekeel worker: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.server.logLevel).child({ role: "worker" });
  let db;
  try {
    // Shared with the engine and other workers: no single-instance lock (the engine holds it).
    db = await openDatabase({ url: config.database.url, dataDir: config.server.dataDir, singleInstance: false, log: (line) => logger.info(line) });
  } catch (err) {
    if (err instanceof DatabaseError) {
      console.error(`tradekeel worker: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  // The same strategy kinds as the engine: built-ins, the ML kind with its stored models, the trader's own.
  registerMlStrategy();
  await loadModelRegistry(db.prisma, logger);
  configureUserStrategies({ dir: config.server.strategiesDir, log: (line) => logger.warn(line) });
  loadUserStrategies();

  const candleStore = new PrismaCandleStore(db.prisma, describeVenue(config.venue.id).id);
  const workers = await startJobWorkers({
    redisUrl: config.cluster.redisUrl!,
    prefix: config.cluster.queuePrefix,
    prisma: db.prisma,
    candleStore,
    logger,
    lockMs: config.cluster.jobLockMs,
  });
  console.log(`Tradekeel worker ${workers.name} on queue prefix ${config.cluster.queuePrefix}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker shutting down");
    const force = setTimeout(() => {
      logger.error("worker shutdown took too long; exiting (its jobs are retried by other workers)");
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      await workers.close();
      await db.close();
      logger.info("worker stopped cleanly");
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "error during worker shutdown");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  console.error("tradekeel worker: fatal start-up error:", err);
  process.exit(1);
});
