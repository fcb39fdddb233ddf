import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import next from "next";
import { loadConfig, ConfigError } from "./config";
import { createLogger } from "./core/logger";
import { DatabaseError, PROJECT_ROOT } from "./db";
import { createApplication, type Application } from "./app";
import { clusterStartProblem, createWebNode, startEngineNode, takeEngineLead, type EngineNode, type WebNode } from "./cluster";
import { registerServices, clearServices } from "./http/registry";
import { attachRealtime } from "./realtime";
import { exposureWarning, MasterKeyError, stampClientAddress } from "./auth";
import { fastReads } from "./http/fast-reads";
import * as statusRoute from "../app/api/status/route";
import * as candlesRoute from "../app/api/candles/route";
import * as symbolsRoute from "../app/api/symbols/route";
import * as orderBookRoute from "../app/api/orderbook/route";

/**
 * Process entry: config → database → application (engine) → HTTP server hosting Next and Socket.IO.
 * SIGINT/SIGTERM: stop taking work, flush state, close the database, exit 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tradekeel: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const { roles } = config.cluster;
  if (roles.length === 1 && roles[0] === "worker") {
    // ROLE=worker: the same process as `npm run worker` (no engine, no web server).
    await import("./worker");
    return;
  }
  // ROLE=web and ROLE=engine apart (issue 19): the feed and the commands go through Redis, the state is in PostgreSQL.
  const hasEngine = roles.includes("engine");
  const hasWeb = roles.includes("web");
  const apartProblem = !hasEngine && !hasWeb ? "a process needs the engine or the web role (or ROLE=worker alone)" : !hasEngine || !hasWeb ? clusterStartProblem(config) : undefined;
  if (apartProblem) {
    console.error(`tradekeel: ROLE=${roles.join(",")}: ${apartProblem}`);
    process.exit(1);
  }
  const logger = createLogger(config.server.logLevel);
  const dev = config.server.dev;

  // One engine leads (issue 19): take the database's engine lock, or with ENGINE_STANDBY wait for it as a hot
  // standby (GET /api/health "standby"); the start-up below (reconciliation first) runs once this engine leads.
  if (hasEngine) await takeEngineLead(config, logger);

  let application: Application;
  try {
    // A web node apart from the engine has no engine of its own: its use cases run on the engine (server/cluster).
    application = hasEngine ? await createApplication(config, logger) : await webNodeApplication(config, logger);
  } catch (err) {
    if (err instanceof DatabaseError || err instanceof ConfigError || err instanceof MasterKeyError) {
      logger.fatal(err.message);
      console.error(`tradekeel: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  registerServices(application.services);

  // Installed before anything slow: a stop request during start-up still shuts down cleanly.
  let server: ReturnType<typeof createServer> | undefined;
  let realtime: ReturnType<typeof attachRealtime> | undefined;
  let nextApp: ReturnType<typeof next> | undefined;
  let engineNode: EngineNode | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      if (server) {
        server.close();
        server.closeAllConnections?.();
      }
      await realtime?.close();
      await engineNode?.stop();
      await application.stop();
      await nextApp?.close().catch(() => {});
      clearServices();
      logger.info("stopped cleanly");
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "error during shutdown");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  // The engine starts (reconciliation, strategies, streams; the history warm-up goes on in the background)
  // while Next prepares: /api/health answers "starting" until both are done, then "ok".
  let startError: unknown;
  const starting = application.start().catch((err: unknown) => {
    startError = err;
  });
  // With REDIS_URL, once it runs, the engine also serves web nodes apart from it: their commands, its feed and status once to Redis.
  const serveWebNodes = async () => {
    await starting;
    if (startError !== undefined) throw startError;
    if (hasEngine && config.cluster.redisUrl && !stopping) {
      engineNode = await startEngineNode({ services: application.services, redisUrl: config.cluster.redisUrl, prefix: config.cluster.queuePrefix, logger: logger.child({ module: "cluster" }) });
    }
  };
  if (!hasWeb) {
    // ROLE=engine: no HTTP server; the web nodes answer for it.
    await serveWebNodes();
    logger.info({ prefix: config.cluster.queuePrefix }, "tradekeel engine running (no web server: ROLE=web nodes serve it)");
    console.log(`Tradekeel ${application.services.version} engine on queue prefix ${config.cluster.queuePrefix} (${application.services.db.kind} database); web nodes: ROLE=web with the same REDIS_URL`);
    return;
  }
  nextApp = next({ dev, dir: PROJECT_ROOT, hostname: config.server.host, port: config.server.port });
  await nextApp.prepare();
  const handle = nextApp.getRequestHandler();
  const nextUpgrade = nextApp.getUpgradeHandler();

  // Hot reads (memory only) skip Next's router, proxy and gzip: the same route handlers, answered here
  // (server/http/fast-reads.ts). Not in development, where Next reloads edited route files.
  const fast = dev
    ? () => false
    : fastReads(
        { "/api/status": statusRoute.GET, "/api/candles": candlesRoute.GET, "/api/symbols": symbolsRoute.GET, "/api/orderbook": orderBookRoute.GET },
        { dev, onError: (err) => logger.error({ err }, "request failed") },
      );

  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    stampClientAddress(req);
    if (fast(req, res)) return;
    handle(req, res).catch((err) => {
      logger.error({ err }, "request failed");
      if (!res.headersSent) res.writeHead(500).end("internal error");
    });
  });
  // Node closes an idle keep-alive socket after 5 s; a client that sends on it at that instant reads
  // ECONNRESET (seen once in e2e on GET /api/status). Idle sockets live longer than a client's own
  // idle timeout, so the client closes first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  realtime = attachRealtime(server, application.services, logger, webCluster ? { cluster: webCluster } : {});
  // Socket.IO answers /socket.io upgrades itself; every other upgrade (Next's dev HMR) goes to Next.
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith("/socket.io")) return;
    nextUpgrade(req, socket, head).catch(() => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server!.listen(config.server.port, config.server.host, () => resolve());
  });
  const address = server!.address();
  const port = typeof address === "object" && address ? address.port : config.server.port;
  logger.info({ host: config.server.host, port, dev, db: application.services.db.kind }, "tradekeel listening");
  console.log(`Tradekeel ${application.services.version} on http://${config.server.host === "0.0.0.0" ? "localhost" : config.server.host}:${port} (${dev ? "development" : "production"}, ${application.services.db.kind} database)`);
  const warning = exposureWarning(config, { ownerExists: !(await application.auth.setupRequired()) });
  if (warning) {
    logger.warn(warning);
    console.error(warning);
  }
  await serveWebNodes();

}

/** The web node's Redis adapter and candle numbers, when this process is a web node apart from the engine. */
let webCluster: WebNode["realtime"] | undefined;

/** A web node apart from the engine, in the shape the rest of main() hosts (server/cluster/web-node.ts). */
async function webNodeApplication(config: Parameters<typeof createWebNode>[0], logger: Parameters<typeof createWebNode>[1]): Promise<Application> {
  const node = await createWebNode(config, logger.child({ role: "web" }));
  webCluster = node.realtime;
  return { services: node.services, auth: node.auth, start: async () => {}, stop: () => node.stop() };
}

// Backstop for libraries that drop a rejected promise (ccxt's websocket client after a disconnect):
// log it and keep trading rather than letting Node end the process with open positions.
process.on("unhandledRejection", (reason) => {
  console.error("tradekeel: unhandled promise rejection (kept running):", reason instanceof Error ? reason.message : reason);
});

main().catch((err) => {
  console.error("tradekeel: fatal start-up error:", err);
  process.exit(1);
});
