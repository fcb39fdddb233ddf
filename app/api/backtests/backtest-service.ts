import { BacktestService, PrismaBacktestRunRepository } from "@/server/backtest";
import { PrismaCandleStore } from "@/server/db/repositories/candle-store";
import { services } from "@/server/http/route";
import { describeVenue } from "@/server/market";

/**
 * The backtest service of the running application, built on first use from the registered services
 * and kept on globalThis (Next may load this module more than once; every copy must share the one
 * queue and its in-memory progress).
 */
const KEY = Symbol.for("tradekeel.backtest-service");

type Holder = typeof globalThis & { [KEY]?: { owner: unknown; service: BacktestService } };

export function backtests(): BacktestService {
  const app = services();
  const holder = globalThis as Holder;
  const cached = holder[KEY];
  if (cached && cached.owner === app.db) return cached.service;
  const service = new BacktestService({
    repository: new PrismaBacktestRunRepository(app.db.prisma),
    candleStore: new PrismaCandleStore(app.db.prisma, describeVenue(app.config.venue.id).id),
    baseLimits: app.config.risk,
    defaults: { startingBalance: app.config.trading.startingBalance, quoteCurrency: app.config.trading.quoteCurrency },
    logger: app.logger.child({ module: "backtest" }),
  });
  holder[KEY] = { owner: app.db, service };
  return service;
}

/** Tests: use this service for the given database handle. */
export function installBacktestService(owner: unknown, service: BacktestService): void {
  (globalThis as Holder)[KEY] = { owner, service };
}
