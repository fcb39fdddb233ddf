import { Redis } from "ioredis";
import { Emitter } from "@socket.io/redis-emitter";
import type { Logger } from "pino";
import type { Services } from "../http/services";
import type { UseCases } from "../application";
import { toErrorResponse } from "../http/route";
import { getGoLive } from "../golive";
import { publishFeed, type FeedOutlet } from "../realtime";
import { repeatEvery, schedulerOf } from "../core/scheduler";
import { systemClock } from "../core/clock";
import { CommandServer, type CommandReply, type CommandRequest } from "./command-bus";
import { encodeValue } from "./codec";
import { REMOTE_ALERTS_METHODS, REMOTE_GOLIVE_METHODS, goLiveOperations } from "../application";
import { ENGINE_ABSENT_MS, STATUS_PUBLISH_MS, STATUS_STALE_MS, clusterKeys } from "./keys";

/**
 * The engine apart from its web nodes (ROLE=engine with REDIS_URL): it runs the commands the web nodes
 * send (server/cluster/command-bus.ts) on its own use cases, publishes its feed once through the
 * Socket.IO Redis emitter (every web node's adapter hands it to its clients, in order), and every
 * second a status and health snapshot the web nodes answer GET /api/status and /api/health from.
 */

/** Use case methods a command may not call: the lifecycle of the session manager belongs to the engine. */
const LIFECYCLE = new Set(["start", "stop", "constructor"]);

/**
 * The insights service's methods a web node's routes call (GET /api/insights, /api/insights/models, POST
 * /api/insights/train): run on the engine, where the service and its models are, as `insights.<method>`.
 */
export const REMOTE_INSIGHTS_METHODS: ReadonlySet<string> = new Set(["getInsights", "listModels", "train"]);

/** What a web node needs to arm real-money live trading (auth/live-arming.ts), gathered where the venue is. */
export interface ArmingFacts {
  hasLive: boolean;
  realMoney: boolean;
  hasValidMainnetKeys: boolean;
  currentLimits: { dailyLossLimit: number; maxPosition: number };
  goLive: Awaited<ReturnType<typeof getGoLive>> | null;
}

async function armingFacts(services: Services): Promise<ArmingFacts> {
  const engine = services.engine!;
  const live = engine.kernel.accounts.get("live");
  const realMoney = !engine.venue.simulated && !engine.venue.testnet;
  const limits = live?.risk.limits ?? services.config.risk;
  const needed = Boolean(live) && realMoney;
  return {
    hasLive: Boolean(live),
    realMoney,
    // The same facts server/app.ts gathers for armLive in one process.
    hasValidMainnetKeys: needed && live ? await live.venueBalances().then(() => true, () => false) : false,
    currentLimits: { dailyLossLimit: limits.dailyLossPct, maxPosition: limits.maxPositionPctEquity },
    goLive: needed ? await getGoLive(engine, services.db.prisma) : null,
  };
}

/** Runs one command on this engine: the use case the web node's route handler called, with its arguments. */
export async function executeCommand(services: Services, request: CommandRequest): Promise<CommandReply> {
  try {
    if (request.path === "cluster.armingFacts") return { ok: true, value: await armingFacts(services) };
    if (request.path.startsWith("insights.")) {
      const method = request.path.slice("insights.".length);
      const insights = services.insights as unknown as Record<string, (...a: unknown[]) => unknown> | undefined;
      // The same answer as the route gives in one process without the service (app/api/insights/service.ts).
      if (!insights) return { ok: false, status: 503, error: { code: "INSIGHTS_NOT_AVAILABLE", message: "AI insights are not enabled on the engine (the insights service is not wired in server/app.ts)" } };
      if (!REMOTE_INSIGHTS_METHODS.has(method)) return { ok: false, status: 404, error: { code: "UNKNOWN_COMMAND", message: `the engine has no use case ${request.path}` } };
      const args = Array.isArray(request.args) ? request.args : [];
      return { ok: true, value: await insights[method]!.apply(insights, args) };
    }
    const args = Array.isArray(request.args) ? request.args : [];
    const unknownCommand: CommandReply = { ok: false, status: 404, error: { code: "UNKNOWN_COMMAND", message: `the engine has no use case ${request.path}` } };
    if (request.path.startsWith("golive.")) {
      // Reconciliation, drift and go-live (server/application/golive.ts): the same functions the routes call in one process.
      const method = request.path.slice("golive.".length);
      if (!REMOTE_GOLIVE_METHODS.has(method)) return unknownCommand;
      const ops = goLiveOperations(services) as unknown as Record<string, (...a: unknown[]) => unknown>;
      return { ok: true, value: await ops[method]!(...args) };
    }
    if (request.path.startsWith("alerts.")) {
      const method = request.path.slice("alerts.".length);
      const alerts = services.alerts as unknown as Record<string, (...a: unknown[]) => unknown> | undefined;
      // The same answer as the routes give in one process without the service (server/alerts/http.ts).
      if (!alerts) return { ok: false, status: 503, error: { code: "NOT_READY", message: "alerts are not wired into the engine yet" } };
      if (!REMOTE_ALERTS_METHODS.has(method)) return unknownCommand;
      return { ok: true, value: await alerts[method]!.apply(alerts, args) };
    }
    if (request.path === "metrics.text") {
      // GET /metrics on a web node: the engine's registry (its trading metrics and its process's).
      if (!services.metrics) return { ok: false, status: 503, error: { code: "NOT_READY", message: "metrics are not wired into the engine" } };
      return { ok: true, value: await services.metrics.text() };
    }
    const useCases = services.useCases;
    if (!useCases || !services.engine) return { ok: false, status: 503, error: { code: "NOT_READY", message: "the trading engine is starting; try again in a moment" } };
    const [group, method, ...rest] = request.path.split(".");
    const target = group && Object.hasOwn(useCases, group) ? (useCases[group as keyof UseCases] as unknown as Record<string, unknown>) : undefined;
    const fn = target && method && !LIFECYCLE.has(method) ? target[method] : undefined;
    if (rest.length > 0 || typeof fn !== "function") return unknownCommand;
    let callArgs = args;
    if (request.path === "mode.set") {
      // The web node armed it (auth/live-arming.ts, with the facts above and the user's own request); a function cannot cross Redis.
      const armed = (args[2] as { armed?: boolean } | undefined)?.armed === true;
      callArgs = [args[0], args[1], armed ? async () => {} : undefined];
    }
    const value = await (fn as (...a: unknown[]) => unknown).apply(target, callArgs);
    return { ok: true, value };
  } catch (err) {
    // The same status and body a route handler in one process answers with.
    const response = toErrorResponse(err);
    const body = (await response.json()) as { error: { code: string; message: string; details?: unknown } };
    return { ok: false, status: response.status, error: body.error };
  }
}

export interface EngineNode {
  stop(): Promise<void>;
}

export async function startEngineNode(options: { services: Services; redisUrl: string; prefix: string; logger: Logger }): Promise<EngineNode> {
  const { services, redisUrl, prefix, logger } = options;
  const keys = clusterKeys(prefix);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const emitter = new Emitter(redis, { key: keys.socketIo });

  // The feed, published once. Closed-candle sequence numbers go on from where the last engine left them
  // (stored before each candle is published, on the same connection, so a web node never reads one behind).
  const stored = await redis.hgetall(keys.candleSeq);
  const candleSeq = new Map(Object.entries(stored).map(([room, seq]) => [room, Number(seq) || 0]));
  const outlet: FeedOutlet = {
    emit: (event, payload) => emitter.emit(event, payload),
    to: (room) => emitter.to(room),
    // The rooms are on the web nodes: always publish (the throttles and the trades gate still apply).
    watched: () => true,
    // The status goes out with the snapshot below, once a second.
    anyClient: () => false,
  };
  const offFeed = publishFeed(outlet, services, logger, {
    candleSeq,
    onCandleSeq: (room, seq) => void redis.hset(keys.candleSeq, room, String(seq)).catch((err) => logger.warn({ err }, "candle sequence not stored")),
  });

  // Status + health snapshot for the web nodes' reads, and the `status` event for every browser.
  let publishing = false;
  const publish = async () => {
    const [status, health] = await Promise.all([services.status(), services.health()]);
    await redis.set(keys.status, encodeValue({ at: Date.now(), status, health }), "PX", STATUS_STALE_MS);
    emitter.emit("status", status);
  };
  const snapshotTask = repeatEvery(schedulerOf(systemClock, { unref: true }), systemClock, STATUS_PUBLISH_MS, () => {
    if (publishing) return;
    publishing = true;
    publish()
      .catch((err) => logger.debug({ err }, "status snapshot not published"))
      .finally(() => (publishing = false));
  });
  // Liveness apart from the snapshot: one SET, no database read, so a slow snapshot does not read as "no engine".
  const beat = () => void redis.set(keys.heartbeat, String(Date.now()), "PX", ENGINE_ABSENT_MS).catch((err) => logger.debug({ err }, "engine heartbeat not written"));
  beat();
  const heartbeatTask = repeatEvery(schedulerOf(systemClock, { unref: true }), systemClock, STATUS_PUBLISH_MS, beat);
  await publish().catch((err) => logger.warn({ err }, "first status snapshot not published"));

  const commands = new CommandServer({ redisUrl, prefix, logger: logger.child({ module: "commands" }), execute: (request) => executeCommand(services, request) });
  await commands.start();
  logger.info({ prefix }, "engine takes commands from the web nodes");

  return {
    async stop() {
      snapshotTask.cancel();
      heartbeatTask.cancel();
      offFeed();
      await commands.stop();
      // Gone at once: the web nodes say "no engine" rather than serve a stale snapshot for 5 s.
      await redis.del(keys.status, keys.heartbeat).catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
