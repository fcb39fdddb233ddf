/**
 * The repositories over a Prisma client, without the database driver: route handlers (bundled by
 * Next) build use cases over the running process's client through this file; server/db's index adds
 * the factory that opens the database (PGlite, pg, migrations).
 */
import type { PrismaClient } from "../generated/client";
import { EquityRepository, OrderHistoryRepository, RiskEventRepository, SignalRepository, TradeRepository } from "./history";
import { SessionRepository } from "./session-store";
import { StrategyRepository } from "./strategy-store";

export {
  EquityRepository,
  OrderHistoryRepository,
  RiskEventRepository,
  SignalRepository,
  TradeRepository,
  tradeFromRow,
  type EquityPoint,
  type SignalRecord,
  type TradeFilter,
  type TradeRecord,
  type TradeSort,
} from "./history";
export { SessionRepository, type SessionRecord } from "./session-store";
export { StrategyRepository, type StrategyRecord, type StrategyRecordInput } from "./strategy-store";
export { SettingsRepository } from "./settings-store";
export { PrismaCandleStore } from "./candle-store";
export { PrismaOrderStore, orderFromRow, fillFromRow, dustMovesFromRow, replayEntryFromRow } from "./order-store";
export { FillReplayRepository } from "./fill-replay";
export { EngineRecordStore, type TradeToStore } from "./engine-records";

/** The repositories the application layer reads and writes through (server/application/context.ts). */
export function createRepositories(prisma: PrismaClient) {
  return {
    trades: new TradeRepository(prisma),
    orders: new OrderHistoryRepository(prisma),
    signals: new SignalRepository(prisma),
    equity: new EquityRepository(prisma),
    riskEvents: new RiskEventRepository(prisma),
    strategies: new StrategyRepository(prisma),
    sessions: new SessionRepository(prisma),
  };
}
