import type { Logger } from "pino";
import { PairListService, registerPairList } from "./pairs";
import { TimerScheduler } from "./core/scheduler";
import { configureUserStrategies, loadUserStrategies, watchUserStrategies } from "./strategy";
import { composeAlertsAndMetrics } from "./alerts";
import { getGoLive, refreshLiveRamp } from "./golive";
import type { AppConfig } from "./config";
import { AppError, errorMessage } from "./core/errors";
import { openDatabase, createRepositories } from "./db";
import { createAuthService, type AuthService } from "./auth";
import { createExchange } from "./market";
import { createBacktestService } from "./composition/backtests";
import { createOptimisationService } from "./composition/optimisations";
import { composeEngine } from "./composition/engine";
import { connectVenue } from "./composition/venue";
import type { EngineRuntime } from "./engine";
import { createUseCases, riskView } from "./application";
import { InsightsService, enrichSignal, loadModelRegistry, marketCandleSource, registerMlStrategy } from "./ai";
import type { ArmingInput, HealthReport, Services } from "./http/services";
import { VERSION } from "./version";

/**
 * The composition root of the running application: every service is built here, once — database,
 * auth, the venue connection, insights, the engine (venue → accounts → kernel → strategies, see
 * server/composition/), sessions, backtests — and handed to route handlers and the realtime layer as
 * `Services`. server/index.ts hosts it; tests can create it directly. The second root is the
 * backtester's (server/backtest/engine.ts): the same kernel with a manual clock and a paper venue.
 */
export interface Application {
  services: Services;
  auth: AuthService;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** ccxt venue id for stored credentials of a venue and network. */
function venueFor(venue: string, network: "testnet" | "mainnet"): string {
  return venue === "binance" && network === "testnet" ? "binance-testnet" : venue;
}

/** Seams for tests: `connectVenue` wraps or replaces the venue connection (e.g. to hold a symbol's warm-up). */
export interface ApplicationOptions {
  connectVenue?: typeof connectVenue;
}

export async function createApplication(config: AppConfig, logger: Logger, options: ApplicationOptions = {}): Promise<Application> {
  const startedAt = Date.now();
  const db = await openDatabase({
    url: config.database.url,
    dataDir: config.server.dataDir,
    log: (line) => logger.info(line),
  });

  let engineState: HealthReport["engine"]["state"] = "starting";
  let engineRef: EngineRuntime | undefined;
  const health = async (): Promise<HealthReport> => {
    const ping = await db.ping();
    const reasons: string[] = [];
    if (!ping.ok) reasons.push(`database unreachable: ${ping.error}`);
    if (engineState !== "running") reasons.push(`engine ${engineState}`);
    const reconciliation = engineRef?.reconciliation ?? null;
    // Failed, or completed with findings (a fill the ledger could not book, balances that differ): never "ok".
    if (reconciliation && !reconciliation.ok) {
      const findings = reconciliation.findings ?? [];
      if (findings.length === 0) reasons.push(reconciliation.message);
      for (const f of findings) reasons.push(`reconciliation ${f.severity} ${f.kind}: ${f.message}`);
    }
    // A position the bot could not get out of is never "ok".
    const exitAlarms = engineRef?.kernel.exitAlarms() ?? [];
    for (const alarm of exitAlarms) reasons.push(`exit alarm ${alarm.code} ${alarm.side} ${alarm.quantity} ${alarm.symbol} (${alarm.mode}): ${alarm.reason}`);
    // Trading that is HALTED is not "ok" either, even when the process and the database are.
    const halted = [...(engineRef?.kernel.accounts.values() ?? [])].filter((a) => a.tradingState === "HALTED");
    for (const account of halted) reasons.push(`${account.mode} trading HALTED: ${account.tradingStateReason ?? "see the Risk page"}`);
    return {
      status: !ping.ok ? "down" : engineState !== "running" ? "starting" : (reconciliation && !reconciliation.ok) || exitAlarms.length > 0 || halted.length > 0 ? "degraded" : "ok",
      version: VERSION,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      db: { kind: db.kind, ok: ping.ok, latencyMs: ping.latencyMs, error: ping.error },
      engine: {
        state: engineState,
        reconciliation: reconciliation && {
          ok: reconciliation.ok,
          status: reconciliation.status ?? (reconciliation.ok ? "ok" : "failed"),
          message: reconciliation.message,
          findings: (reconciliation.findings ?? []).map((f) => ({ kind: f.kind, severity: f.severity, message: f.message })),
        },
      },
      reasons,
    };
  };

  let engine: EngineRuntime;
  let auth: AuthService;
  let insights: InsightsService;
  let pairs: PairListService | undefined;
  let stopWatchingStrategies: () => void = () => {};
  try {
    auth = await createAuthService({ config, prisma: db.prisma, logger: logger.child({ module: "auth" }) });
    // Keys are validated on entry with a real balance fetch through ccxt.
    auth.setCredentialValidator(async (venue, network, apiKey, secret) => {
      const exchange = await createExchange({ id: venueFor(venue, network), apiKey, secret });
      try {
        await exchange.fetchBalance();
      } catch (err) {
        throw new AppError("INVALID_EXCHANGE_KEYS", `the exchange refused these keys: ${errorMessage(err)}`, 400);
      } finally {
        await (exchange as unknown as { close?: () => Promise<void> }).close?.().catch(() => {});
      }
    });
    // The ML strategy kind and the stored models must exist before stored strategy instances start.
    registerMlStrategy();
    await loadModelRegistry(db.prisma, logger);
    // The trader's own strategies (STRATEGIES_DIR) beside the built-ins; a broken file is listed, never fatal.
    configureUserStrategies({ dir: config.server.strategiesDir, log: (line) => logger.warn(line) });
    const userStrategies = loadUserStrategies();
    logger.info({ dir: userStrategies.dir, loaded: userStrategies.loaded.map((l) => l.kind), broken: userStrategies.errors.map((e) => `${e.name}:${e.line ?? "?"}`) }, "user strategies");
    stopWatchingStrategies = config.server.dev ? watchUserStrategies((st) => logger.info({ loaded: st.loaded.map((l) => l.kind), broken: st.errors.length }, "strategies folder reloaded")) : () => {};
    const network = config.venue.id === "binance-testnet" ? "testnet" : "mainnet";
    const venueId = config.venue.id === "binance-testnet" ? "binance" : config.venue.id;
    const audit = (entry: { actor: string; action: string; data: Record<string, unknown> }) => auth.audit.appendAudit(entry).then(() => undefined);
    const connection = await (options.connectVenue ?? connectVenue)({ config, db, logger, credentials: () => auth.getDecryptedCredential(venueId, network) });
    // The pair list ranks the venue's symbols by liquidity and volatility, on the market's clock.
    pairs = new PairListService({
      source: connection.exchange,
      symbols: () => [...connection.instruments.keys()],
      clock: connection.clock,
      scheduler: new TimerScheduler(connection.clock),
      quoteCurrency: config.trading.quoteCurrency,
      thresholds: { whitelist: config.risk.symbolWhitelist },
      onError: (message) => logger.warn(message),
    });
    registerPairList(pairs);
    insights = new InsightsService({
      candles: marketCandleSource(connection.market, connection.candleStore),
      prisma: db.prisma,
      clock: connection.clock,
      logger: logger.child({ module: "insights" }),
      symbols: () => config.trading.symbols,
      targets: () => config.trading.symbols.map((symbol) => ({ symbol, timeframe: "5m" as const })),
      risk: () => riskView(engine),
    });
    const snapshots = insights;
    engine = await composeEngine({
      config,
      db,
      logger,
      audit,
      connection,
      // Every signal's reason carries the regime, the indicator consensus and the model's view at that moment.
      enrichSignal: (signal) => enrichSignal(signal, snapshots.snapshotFor(signal.symbol, signal.timeframe)),
    });
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  engineRef = engine;
  const { alerts, metrics } = composeAlertsAndMetrics({ config, engine, prisma: db.prisma, logger, version: VERSION });
  // The live position ramp moves with every closed live trade.
  engine.bus.on("trade", (trade) => {
    if (trade.mode === "live") void refreshLiveRamp(engine, db.prisma).catch((err) => logger.warn({ err }, "live ramp not refreshed"));
  });
  engine.bus.on("candle", (candle) => insights.observe(candle));

  const useCases = createUseCases({ engine, repos: createRepositories(db.prisma), audit: (entry) => auth.audit.appendAudit(entry).then(() => undefined), db });
  const sessions = useCases.sessions;
  // REDIS_URL: backtests and optimisation sets become BullMQ jobs (server/jobs, loaded only then); otherwise worker threads.
  const jobs = config.cluster.redisUrl ? await (await import("./jobs")).composeJobs({ config, db, candleStore: engine.candleStore, logger: logger.child({ module: "jobs" }) }) : undefined;
  const backtests = createBacktestService({ config, db, candleStore: engine.candleStore, logger, remote: jobs?.client });
  // With REDIS_URL its state is in the database too, so web nodes apart from this process serve it as well.
  const optimisations = createOptimisationService({ db, candleStore: engine.candleStore, logger, remote: jobs?.client , baseLimits: config.risk });

  const services: Services = {
    config,
    logger,
    db,
    version: VERSION,
    startedAt,
    auth,
    health,
    engine,
    status: () => useCases.system.status(),
    insights,
    useCases,
    backtests,
    optimisations,
    alerts,
    metrics,
    audit: (entry) => auth.audit.appendAudit(entry).then(() => undefined),
    armLive: async (req: Request, arming: ArmingInput | undefined) => {
      const a = arming ?? {};
      const live = engine.kernel.accounts.get("live");
      // Valid keys = the venue answers a signed balance request right now.
      const hasValidMainnetKeys = live ? await live.venueBalances().then(() => true, () => false) : false;
      const limits = live?.risk.limits ?? config.risk;
      await auth.armLive(req, {
        hasValidMainnetKeys,
        typedConfirmation: a.typedConfirmation ?? "",
        acknowledgedDailyLossLimit: Number(a.acknowledgedDailyLossLimit),
        acknowledgedMaxPosition: Number(a.acknowledgedMaxPosition),
        currentLimits: { dailyLossLimit: limits.dailyLossPct, maxPosition: limits.maxPositionPctEquity },
        totpCode: a.totpCode ?? null,
        goLive: await getGoLive(engine, db.prisma),
        overridePhrase: a.overridePhrase ?? null,
      });
    },
  };

  return {
    services,
    auth,
    async start() {
      pairs?.start();
      // Before the engine starts, so what happens during start-up is already alerted.
      await alerts.start();
      // Healthy once reconciled with the streams up; the history warms in the background.
      await engine.start({ waitForWarmup: false });
      await refreshLiveRamp(engine, db.prisma).catch((err) => logger.warn({ err }, "live ramp not computed"));
      await sessions.start();
      await insights.start();
      insights.scheduleRetraining(24 * 3_600_000);
      // Running: reconciled, strategies loaded, streams started. The history warm-up goes on in the
      // background (GET /api/status `warmup`); each strategy gets closed candles once its own is complete.
      engineState = "running";
      // In the background once the history is in (a model trained on a partial warm-up would be a worse
      // model): start-up is not delayed, and training yields between fits.
      void engine
        .whenWarmedUp()
        .then(() => (engineState === "running" ? insights.trainMissing() : undefined))
        .catch((err) => logger.warn({ err }, "training the first models failed"));
    },
    async stop() {
      engineState = "stopping";
      insights.stop();
      sessions.stop();
      stopWatchingStrategies();
      pairs?.stop();
      registerPairList(undefined);
      await alerts.stop();
      await engine.stop();
      metrics.stop();
      await optimisations.close();
      await jobs?.close();
      await db.close();
    },
  };
}
