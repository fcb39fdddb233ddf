import type { EngineRuntime } from "../engine";
import type { AuditFn, Repositories } from "./context";
import { marketUseCases } from "./market";
import { modeUseCases } from "./mode";
import { orderUseCases } from "./orders";
import { performanceUseCases } from "./performance";
import { positionUseCases } from "./positions";
import { riskUseCases } from "./risk";
import { SessionManager } from "./sessions";
import { signalUseCases } from "./signals";
import { strategyUseCases } from "./strategies";
import { systemUseCases, type DatabaseProbe } from "./system";
import { tradeUseCases } from "./trades";

/**
 * The application layer: the use cases route handlers call (`app().trades.list(q)`), each a small
 * function over the running engine and the repositories. No Prisma (repositories hold it) and no HTTP
 * (exports are a Download; server/http turns it into a response).
 */
export interface UseCases {
  market: ReturnType<typeof marketUseCases>;
  trades: ReturnType<typeof tradeUseCases>;
  orders: ReturnType<typeof orderUseCases>;
  positions: ReturnType<typeof positionUseCases>;
  signals: ReturnType<typeof signalUseCases>;
  performance: ReturnType<typeof performanceUseCases>;
  risk: ReturnType<typeof riskUseCases>;
  strategies: ReturnType<typeof strategyUseCases>;
  mode: ReturnType<typeof modeUseCases>;
  system: ReturnType<typeof systemUseCases>;
  sessions: SessionManager;
}

export function createUseCases(deps: { engine: EngineRuntime; repos: Repositories; audit?: AuditFn; db: DatabaseProbe }): UseCases {
  const base = { engine: deps.engine, repos: deps.repos, audit: deps.audit };
  return {
    market: marketUseCases(base),
    trades: tradeUseCases(base),
    orders: orderUseCases(base),
    positions: positionUseCases(base),
    signals: signalUseCases(base),
    performance: performanceUseCases(base),
    risk: riskUseCases(base),
    strategies: strategyUseCases(base),
    mode: modeUseCases(base),
    system: systemUseCases(base, deps.db),
    sessions: new SessionManager(deps.engine, deps.repos),
  };
}

export { Download, isDownload, modeSchema, type AuditFn, type Repositories, type UseCaseDeps } from "./context";
export { EventRecorder } from "./event-recorder";
export { getStatus, listPositions } from "./compat";
export { SessionManager, sessionConfigSchema, sessionCreateSchema, type SessionConfig, type SessionEndReason } from "./sessions";
export { candlesQuery, orderBookQuery } from "./market";
export { tradesQuery, type TradesQuery } from "./trades";
export { ordersQuery, manualOrderSchema, orderOutcome } from "./orders";
export { closePositionSchema } from "./positions";
export { signalsQuery, signalRowDto } from "./signals";
export { exitAlarmDto } from "./system";
export { equityQuery, performanceQuery } from "./performance";
export { riskEventsQuery, tightenSchema, killSwitchSchema, resetSchema, riskView } from "./risk";
export { strategyCreateSchema, strategyUpdateSchema, strategyUseCases } from "./strategies";
export { modeChangeSchema } from "./mode";
export { goLiveOperations, REMOTE_ALERTS_METHODS, REMOTE_GOLIVE_METHODS, type GoLiveOperations } from "./golive";
