import { createAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "pino";
import type { AppConfig } from "../config";
import { AppError } from "../core/errors";
import { openDatabase, type Database, PrismaCandleStore } from "../db";
import { createAuthService, type AuthService } from "../auth";
import { createExchange, describeVenue } from "../market";
import { createBacktestService } from "../composition/backtests";
import { createOptimisationService } from "../composition/optimisations";
import type { UseCases } from "../application";
import type { HealthReport, Services, StatusReport } from "../http/services";
import type { RealtimeOptions } from "../realtime";
import { repeatEvery, schedulerOf } from "../core/scheduler";
import { systemClock } from "../core/clock";
import { VERSION } from "../version";
import { CommandClient, type CommandReply } from "./command-bus";
import { decodeValue } from "./codec";
import { REMOTE_INSIGHTS_METHODS, type ArmingFacts } from "./engine-node";
import type { InsightsService } from "../ai";
import type { AlertService } from "../alerts";
import type { Metrics } from "../metrics";
import { Registry } from "prom-client";
import { REMOTE_ALERTS_METHODS } from "../application";
import { ENGINE_ABSENT_MS, clusterKeys } from "./keys";

/**
 * A web node apart from the engine (ROLE=web with REDIS_URL and DATABASE_URL): the dashboard, the REST
 * API and the live feed, any number of them behind a load balancer. What it serves, and from where:
 *
 * - **Sign-in, sessions, tokens, audit, backtest runs, optimisations**: its own connection to the PostgreSQL (shared
 *   with the engine; no single-instance lock, no migrations: the engine applies them, so start it first).
 * - **GET /api/status and /api/health**: the engine's snapshot in Redis, refreshed every second (one
 *   second old at most while the engine keeps up; "no engine" after 15 s without its heartbeat, or at once when it stops).
 * - **Every other use case a route calls** (`app().…`), reads and mutations alike: run by the engine
 *   through the command bus (server/cluster/command-bus.ts) and answered with the engine's result, the
 *   same status and body as in one process. Reads go there too, rather than to PostgreSQL, because
 *   positions, marks, risk usage, candles and the book live in the engine's memory: a web node answers
 *   exactly what the engine knows, never an older copy.
 * - **AI insights** (GET /api/insights, the models, training): the engine's insights service, through the
 *   command bus as `insights.<method>`.
 * - **Reconciliation, drift, go-live** (server/http/route.ts `goLive()`): `golive.<method>` on the engine
 *   (server/application/golive.ts); **alerts** (the log, the channels, the test send): the engine's alert service as
 *   `alerts.<method>`; **GET /metrics**: the engine's Prometheus text (`metrics.text`), whichever web node
 *   a scrape reaches (this node's own process metrics are not mixed in: see docs/api.md).
 * - **The feed**: the Socket.IO Redis adapter hands this node's clients what the engine published.
 */

export interface WebNodeOptions {
  /** How long a command waits for the engine before it is answered 504 (default 10 s). */
  commandTimeoutMs?: number;
  /** The same for a read of live state (READ_COMMANDS), which is harmless to run late (default 30 s). */
  readTimeoutMs?: number;
  /** How long the kill switch waits for the engine's confirmation before it answers 202 "sent, not yet confirmed" (default 3 s). */
  killSwitchConfirmMs?: number;
}

export const COMMAND_TIMEOUT_MS = 10_000;
export const READ_TIMEOUT_MS = 30_000;
/**
 * Reads of the engine's live state: they change nothing, so a loaded engine is waited for longer before a 504
 * (a dashboard's page load then shows late data rather than an error); a mutation keeps the short bound.
 */
export const READ_COMMANDS: ReadonlySet<string> = new Set([
  "trades.list", "trades.get", "trades.export", "system.system", "strategies.list", "strategies.get",
  "signals.stats", "signals.list", "sessions.report", "sessions.list", "sessions.get",
  "risk.killSwitchStatus", "risk.get", "risk.exitAlarms", "risk.events", "positions.list",
  "performance.performance", "performance.equity", "orders.preview", "orders.list", "mode.get",
  "market.symbols", "market.orderBook", "market.candles", "metrics.text",
]);
export const KILL_SWITCH_CONFIRM_MS = 3_000;

interface Snapshot {
  at: number;
  status: StatusReport;
  health: HealthReport;
}

export interface WebNode {
  services: Services;
  auth: AuthService;
  /** Options for attachRealtime: the Redis adapter and the engine's candle sequence numbers. */
  realtime: NonNullable<RealtimeOptions["cluster"]>;
  stop(): Promise<void>;
}

function replyValue(reply: CommandReply): unknown {
  if (reply.ok) return reply.value;
  throw new AppError(reply.error.code, reply.error.message, reply.status, reply.error.details);
}

export async function createWebNode(config: AppConfig, logger: Logger, options: WebNodeOptions = {}): Promise<WebNode> {
  const { redisUrl, queuePrefix } = config.cluster;
  if (!redisUrl || !config.database.url) throw new AppError("CLUSTER_CONFIG", "a web node apart from the engine needs REDIS_URL and DATABASE_URL", 500);
  const startedAt = Date.now();
  const commandTimeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
  const readTimeoutMs = options.readTimeoutMs ?? READ_TIMEOUT_MS;
  const killSwitchMs = options.killSwitchConfirmMs ?? KILL_SWITCH_CONFIRM_MS;
  const keys = clusterKeys(queuePrefix);

  const db: Database = await openDatabase({ url: config.database.url, dataDir: config.server.dataDir, singleInstance: false, migrate: false, log: (line) => logger.info(line) });
  const client = new CommandClient({ redisUrl, prefix: queuePrefix, logger: logger.child({ module: "commands" }) });
  const pub = client.redis.duplicate();
  const sub = client.redis.duplicate();
  let auth: AuthService;
  let jobs: Awaited<ReturnType<(typeof import("../jobs"))["composeJobs"]>> | undefined;
  try {
    await client.start();
    auth = await createAuthService({ config, prisma: db.prisma, logger: logger.child({ module: "auth" }) });
    auth.setCredentialValidator(async (venue, network, apiKey, secret) => {
      const exchange = await createExchange({ id: venue === "binance" && network === "testnet" ? "binance-testnet" : venue, apiKey, secret });
      try {
        await exchange.fetchBalance();
      } catch (err) {
        throw new AppError("INVALID_EXCHANGE_KEYS", `the exchange refused these keys: ${(err as Error).message}`, 400);
      } finally {
        await (exchange as unknown as { close?: () => Promise<void> }).close?.().catch(() => {});
      }
    });
    jobs = await (await import("../jobs")).composeJobs({ config, db, candleStore: new PrismaCandleStore(db.prisma, describeVenue(config.venue.id).id), logger: logger.child({ module: "jobs" }) });
  } catch (err) {
    await client.stop().catch(() => {});
    pub.disconnect();
    sub.disconnect();
    await db.close().catch(() => {});
    throw err;
  }

  // The engine's snapshot and heartbeat, read twice a second: the hot reads answer from memory.
  let snapshot: Snapshot | undefined;
  let heartbeatAt: number | undefined;
  const refresh = async () => {
    const [raw, beat] = await client.redis.mget(keys.status, keys.heartbeat);
    heartbeatAt = beat ? Number(beat) : undefined;
    // A snapshot computed late by a loaded engine that still beats: keep serving the last one.
    if (raw) snapshot = decodeValue(raw) as Snapshot;
    else if (!heartbeatAt) snapshot = undefined;
  };
  await refresh().catch(() => {});
  let refreshing = false;
  const refreshTask = repeatEvery(schedulerOf(systemClock, { unref: true }), systemClock, 500, () => {
    if (refreshing) return;
    refreshing = true;
    refresh()
      .catch((err) => logger.debug({ err }, "engine snapshot not read"))
      .finally(() => (refreshing = false));
  });
  const engineAlive = () => heartbeatAt !== undefined && Date.now() - heartbeatAt < ENGINE_ABSENT_MS;
  const fresh = () => (engineAlive() ? snapshot : undefined);
  const noEngine = () =>
    new AppError(
      "ENGINE_UNAVAILABLE",
      `no trading engine has reported for ${ENGINE_ABSENT_MS / 1000} s: start one with ROLE=engine and the same REDIS_URL and TRADEKEEL_QUEUE_PREFIX (${queuePrefix}), or check its log`,
      503,
    );

  const call = async (path: string, args: unknown[]): Promise<unknown> => {
    if (path === "risk.startKillSwitch") return killSwitch(args);
    // Without an engine an ordinary command would only wait for its timeout: say so at once.
    if (!engineAlive()) throw noEngine();
    if (path === "mode.set") {
      const [input, actor, armLive] = args as [{ mode: string; arming?: unknown }, string, ((arming: unknown) => Promise<void>) | undefined];
      // Real money is armed here, where the user's request (session, two-factor) is; the engine only hears "armed".
      if (input.mode === "live" && armLive) await armLive(input.arming);
      args = [input, actor, { armed: input.mode === "live" && Boolean(armLive) }];
    }
    const timeoutMs = READ_COMMANDS.has(path) ? readTimeoutMs : commandTimeoutMs;
    const outcome = await client.send(path, args, { timeoutMs });
    if (outcome.kind === "reply") return replyValue(outcome.reply);
    if (outcome.started) {
      // A 504 all the same (no answer in time), but not "not run": the engine has started it.
      throw new AppError("COMMAND_PENDING", `the engine started ${path} but did not answer within ${timeoutMs / 1000} s; GET /api/commands/${outcome.id} shows its outcome`, 504, {
        commandId: outcome.id,
        statusUrl: `/api/commands/${outcome.id}`,
      });
    }
    throw new AppError("ENGINE_TIMEOUT", `the engine did not answer ${path} within ${timeoutMs / 1000} s, so it was not run: try again`, 504, { commandId: outcome.id });
  };

  /**
   * The kill switch takes the urgent stream (ahead of any backlog) and never expires. Confirmed within
   * killSwitchConfirmMs: the engine's status, as in one process. Otherwise 202 all the same with a status
   * saying `confirmed: false` (sent, not yet confirmed: it runs when the engine reads it) and where to watch.
   */
  const killSwitch = async (args: unknown[]): Promise<unknown> => {
    const outcome = await client.send("risk.startKillSwitch", args, { timeoutMs: killSwitchMs, urgent: true });
    if (outcome.kind === "reply") return { ...(replyValue(outcome.reply) as object), confirmed: true, commandId: outcome.id };
    const action = (args[0] as { action?: string } | undefined)?.action === "stop-entries" ? "stop-entries" : "flatten";
    return {
      phase: "running",
      action,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      ordersCancelled: 0,
      positionsClosed: 0,
      flatConfirmed: false,
      remaining: { orders: [], positions: [] },
      errors: [],
      accounts: {},
      confirmed: false,
      commandId: outcome.id,
      message: `sent to the engine, not yet confirmed (no answer within ${killSwitchMs / 1000} s${engineAlive() ? "" : "; no engine is reporting"}): it runs as soon as an engine reads it; GET /api/kill-switch shows its progress, GET /api/commands/${outcome.id} whether it was received`,
    };
  };

  // app().<group>.<method>(...args) → the engine.
  const useCases = new Proxy({} as UseCases, {
    get: (_t, group) =>
      typeof group !== "string"
        ? undefined
        : new Proxy({}, { get: (_g, method) => (typeof method !== "string" || method === "then" ? undefined : (...args: unknown[]) => call(`${group}.${method}`, args)) }),
  });

  const health = async (): Promise<HealthReport> => {
    const ping = await db.ping();
    const engineHealth = fresh()?.health;
    const reasons = [...(ping.ok ? [] : [`database unreachable: ${ping.error}`]), ...(engineHealth ? engineHealth.reasons : [noEngine().message])];
    return {
      status: !ping.ok ? "down" : engineHealth ? engineHealth.status : "degraded",
      version: VERSION,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      db: { kind: db.kind, ok: ping.ok, latencyMs: ping.latencyMs, error: ping.error },
      engine: engineHealth?.engine ?? { state: "starting", reconciliation: null },
      reasons,
    };
  };

  const candleStore = new PrismaCandleStore(db.prisma, describeVenue(config.venue.id).id);
  const backtests = createBacktestService({ config, db, candleStore, logger, remote: jobs?.client });
  // Each parameter set a BullMQ job; the run's state in optimisation_runs, so any web node serves it.
  const optimisations = createOptimisationService({ db, candleStore, logger, remote: jobs?.client , baseLimits: config.risk });

  const services: Services = {
    config,
    logger,
    db,
    version: VERSION,
    startedAt,
    auth,
    health,
    status: async () => {
      const s = fresh();
      if (!s) throw noEngine();
      return s.status;
    },
    useCases,
    backtests,
    optimisations,
    audit: (entry) => auth.audit.appendAudit(entry).then(() => undefined),
    armLive: async (req, arming) => {
      const facts = (await call("cluster.armingFacts", [])) as ArmingFacts;
      // Not configured: the engine answers LIVE_NOT_CONFIGURED; simulator and testnets need no arming.
      if (!facts.hasLive || !facts.realMoney) return;
      const a = arming ?? {};
      await auth.armLive(req, {
        hasValidMainnetKeys: facts.hasValidMainnetKeys,
        typedConfirmation: a.typedConfirmation ?? "",
        acknowledgedDailyLossLimit: Number(a.acknowledgedDailyLossLimit),
        acknowledgedMaxPosition: Number(a.acknowledgedMaxPosition),
        currentLimits: facts.currentLimits,
        totpCode: a.totpCode ?? null,
        goLive: facts.goLive as Parameters<AuthService["armLive"]>[1]["goLive"],
        overridePhrase: a.overridePhrase ?? null,
      });
    },
    commands: { state: (id) => client.state(id) },
    // The dashboard's insights panel (GET /api/insights and the models): the engine's service, through the command bus.
    insights: new Proxy(
      {},
      { get: (_t, method) => (typeof method === "string" && REMOTE_INSIGHTS_METHODS.has(method) ? (...args: unknown[]) => call(`insights.${method}`, args) : undefined) },
    ) as unknown as InsightsService,
    // The alert log, channels and test send (GET /api/alerts, /api/alerts/channels…): the engine's service, which delivers.
    alerts: new Proxy(
      {},
      { get: (_t, method) => (typeof method === "string" && REMOTE_ALERTS_METHODS.has(method) ? (...args: unknown[]) => call(`alerts.${method}`, args) : undefined) },
    ) as unknown as AlertService,
    // GET /metrics: the engine's registry, through the command bus (the trading metrics are the engine's).
    metrics: {
      registry: new Registry(),
      contentType: Registry.PROMETHEUS_CONTENT_TYPE,
      text: async () => String(await call("metrics.text", [])),
      alertDelivered: () => {},
      stop: () => {},
    } satisfies Metrics,
  };

  return {
    services,
    auth,
    realtime: {
      adapter: createAdapter(pub, sub, { key: keys.socketIo }),
      candleSeqs: async (rooms) => (rooms.length === 0 ? [] : (await client.redis.hmget(keys.candleSeq, ...rooms)).map((v) => Number(v) || 0)),
    },
    async stop() {
      refreshTask.cancel();
      await optimisations.close().catch(() => {});
      await jobs?.close().catch(() => {});
      await client.stop().catch(() => {});
      await pub.quit().catch(() => pub.disconnect());
      await sub.quit().catch(() => sub.disconnect());
      await db.close();
    },
  };
}
