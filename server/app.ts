import type { Logger } from "pino";
import type { AppConfig } from "./config";
import { AppError } from "./core/errors";
import { openDatabase } from "./db/database";
import { EngineRuntime } from "./engine/runtime";
import { getStatus } from "./engine/queries";
import type { AuthGate, HealthReport, Services } from "./http/services";
import { VERSION } from "./version";

/**
 * The composition of the running application: database, engine, auth, and the services that
 * route handlers and the realtime layer use. server/index.ts hosts it; tests can create it directly.
 */
export interface Application {
  services: Services;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Until an owner account exists nothing but health answers. */
const denyAll: AuthGate = {
  async authorizeRequest() {
    throw new AppError("UNAUTHENTICATED", "sign in first", 401);
  },
  async authorizeSocket() {
    throw new AppError("UNAUTHENTICATED", "sign in first", 401);
  },
};

export async function createApplication(config: AppConfig, logger: Logger): Promise<Application> {
  const startedAt = Date.now();
  const db = await openDatabase({
    url: config.database.url,
    dataDir: config.server.dataDir,
    log: (line) => logger.info(line),
  });

  const health = async (): Promise<HealthReport> => {
    const ping = await db.ping();
    const reasons: string[] = [];
    if (!ping.ok) reasons.push(`database unreachable: ${ping.error}`);
    return {
      status: ping.ok ? "ok" : "down",
      version: VERSION,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      db: { kind: db.kind, ok: ping.ok, latencyMs: ping.latencyMs, error: ping.error },
      reasons,
    };
  };

  let engine: EngineRuntime;
  try {
    engine = await EngineRuntime.create({ config, db, logger });
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }

  const services: Services = {
    config,
    logger,
    db,
    version: VERSION,
    startedAt,
    auth: denyAll,
    health,
    engine,
    status: () => getStatus(engine, db.prisma),
  };

  return {
    services,
    async start() {
      await engine.start();
    },
    async stop() {
      await engine.stop();
      await db.close();
    },
  };
}
