import type { PrismaClient } from "../generated/client";
import { EquityRepository, OrderHistoryRepository, RiskEventRepository, SignalRepository, TradeRepository } from "./history";
import { SessionRepository } from "./session-store";
import { StrategyRepository } from "./strategy-store";

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
