import type { PrismaClient } from "../db";
import { createRepositories } from "../db/repositories";
import type { EngineRuntime } from "../engine";
import { positionUseCases } from "./positions";
import { systemUseCases } from "./system";

/**
 * For modules that hold the engine and the database client rather than the use cases (the alerts'
 * Telegram commands): the same use cases, built on the spot. New code takes `UseCases` instead.
 */
export function getStatus(engine: EngineRuntime, prisma: PrismaClient) {
  return systemUseCases({ engine, repos: createRepositories(prisma) }, { kind: "unknown", ping: async () => ({ ok: true }) }).status();
}

export function listPositions(engine: EngineRuntime, mode?: string) {
  return positionUseCases({ engine, repos: {} as never }).list(mode);
}
