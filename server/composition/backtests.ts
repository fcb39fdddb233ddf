import type { AppConfig } from "../config";
import type { Logger } from "../core/logger";
import type { Database } from "../db";
import type { CandleStore } from "../market";
import { BacktestService, PrismaBacktestRunRepository, type RemoteBacktests } from "../backtest";

/**
 * The one place a BacktestService is built (issues 13, 19): the all-in-one process (server/app.ts) and a
 * web node apart from the engine (server/cluster/web-node.ts) differ only in the candle store they read
 * (the engine's, or the database's) and whether REDIS_URL makes each run a BullMQ job (`remote`).
 */
export function createBacktestService(deps: {
  config: AppConfig;
  db: Pick<Database, "prisma">;
  candleStore: CandleStore;
  logger: Logger;
  remote?: RemoteBacktests;
}): BacktestService {
  const { config, db, candleStore, logger, remote } = deps;
  return new BacktestService({
    remote,
    repository: new PrismaBacktestRunRepository(db.prisma),
    candleStore,
    baseLimits: config.risk,
    defaults: { startingBalance: config.trading.startingBalance, quoteCurrency: config.trading.quoteCurrency },
    logger: logger.child({ module: "backtest" }),
  });
}
