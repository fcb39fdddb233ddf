import type { Exchange } from "ccxt";
import type { AppConfig } from "../config";
import { systemClock, type Clock } from "../core/clock";
import { EventBus } from "../core/event-bus";
import { AppError, errorMessage } from "../core/errors";
import { newClientOrderId, newId } from "../core/ids";
import type { Logger } from "../core/logger";
import type { Database } from "../db/database";
import { PrismaOrderStore, replayEntryFromRow } from "../db/repositories/order-store";
import { PrismaCandleStore } from "../db/repositories/candle-store";
import { SettingsRepository } from "../db/repositories/settings-store";
import { num } from "../db/repositories/convert";
import {
  DEFAULT_FEES,
  LiveVenue,
  PaperVenue,
  TimerScheduler,
  createGhostVenue,
  feeScheduleFromCcxt,
  OrderThrottle,
  type ExecutionVenue,
  type FeeSchedule,
} from "../execution";
import { MarketDataService, createExchange, describeVenue, instrumentFromMarket, type VenueDescription } from "../market";
import type { Instrument, KernelMode, Timeframe, TradingMode } from "../model/types";
import { Ledger, sequentialLedgerIds } from "../portfolio";
import { createStrategy, listStrategyKinds, safeStrategy } from "../strategy";
import { DEFAULT_ACCOUNT, startSimulator, type SimulatorHandle } from "../simulator";
import { TradingAccount } from "./account";
import type { EngineEvents } from "./events";
import { TradingKernel, type StrategyInstanceInfo } from "./kernel";
import { EnginePersistence } from "./persistence";
import { replayFills } from "./replay";

/**
 * The running engine of the app: the built-in simulator (when the venue is "simulator"), one ccxt
 * exchange for market data and live orders, the market data service, an account per mode, the
 * kernel, the strategy instances stored in the database and the write-behind persistence.
 *
 * Clock: the market's clock. On a real exchange that is the system clock; on the simulator it is the
 * simulator's (which runs SIM_SPEED times faster), so fills, trades, equity points and cooldowns are
 * stamped in the same time as the candles they belong to.
 */

export interface RuntimeOptions {
  config: AppConfig;
  db: Database;
  logger: Logger;
  /** Records mode changes and other audited actions (the auth module's hash-chained log). */
  audit?: (entry: { actor: string; action: string; data: Record<string, unknown> }) => Promise<void>;
  /** Exchange keys entered in Settings (stored encrypted); the environment's VENUE_API_KEY wins. */
  credentials?: () => Promise<{ apiKey: string; secret: string } | null>;
}

export interface ReconciliationState {
  ok: boolean;
  at: number | null;
  message: string;
}

const MODE_SETTING = "trading-mode";
const LEDGER_START_SETTING = (mode: string) => `ledger-start:${mode}`;

export class EngineRuntime {
  readonly bus: EventBus<EngineEvents>;
  readonly settings: SettingsRepository;
  readonly candleStore: PrismaCandleStore;
  readonly venue: VenueDescription;
  readonly startedAt = Date.now();
  kernel!: TradingKernel;
  market!: MarketDataService;
  exchange!: Exchange;
  simulator: SimulatorHandle | undefined;
  clock: Clock = systemClock;
  instruments = new Map<string, Instrument>();
  fees: FeeSchedule = DEFAULT_FEES;
  persistence: EnginePersistence;
  reconciliation: ReconciliationState = { ok: true, at: null, message: "not run yet" };
  readonly venueErrors: Array<{ at: number; message: string }> = [];
  private readonly orderLatencies: number[] = [];
  private hasKeys = false;

  private constructor(private readonly options: RuntimeOptions) {
    const { logger } = options;
    this.bus = new EventBus<EngineEvents>((event, err) => logger.error({ err, event }, "engine event listener failed"));
    this.settings = new SettingsRepository(options.db.prisma);
    this.venue = describeVenue(options.config.venue.id);
    this.candleStore = new PrismaCandleStore(options.db.prisma, this.venue.id);
    this.persistence = new EnginePersistence(options.db.prisma, this.bus, logger);
  }

  static async create(options: RuntimeOptions): Promise<EngineRuntime> {
    const runtime = new EngineRuntime(options);
    await runtime.build();
    return runtime;
  }

  get config(): AppConfig {
    return this.options.config;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get symbols(): string[] {
    return this.options.config.trading.symbols;
  }

  private async build(): Promise<void> {
    const { config, logger } = this.options;

    let simulatorEndpoints: { restUrl: string; wsUrl: string; wsApiUrl: string; defaultAccount: { apiKey: string; secret: string } } | undefined;
    if (this.venue.simulated && config.simulator.url) {
      // A simulator that already runs (npm run simulator): its clock is followed from its own state.
      const url = config.simulator.url;
      const state = await fetch(`${url}/admin/state`)
        .then((r) => r.json() as Promise<{ now: number; speed: number }>)
        .catch((err) => {
          throw new AppError("SIMULATOR_UNREACHABLE", `no simulator answers at SIM_URL=${url}: ${errorMessage(err)}`, 503);
        });
      const measuredAt = Date.now();
      this.clock = { now: () => Math.round(state.now + (Date.now() - measuredAt) * state.speed) };
      const ws = url.replace(/^http/, "ws");
      simulatorEndpoints = { restUrl: url, wsUrl: `${ws}/stream/ws`, wsApiUrl: `${ws}/ws-api/v3`, defaultAccount: { apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret } };
      logger.info({ url, speed: state.speed }, "using the running exchange simulator (SIMULATED)");
    } else if (this.venue.simulated) {
      this.simulator = await startSimulator({
        port: config.simulator.port,
        seed: config.simulator.seed,
        speed: config.simulator.speed,
        symbols: config.simulator.symbols,
        historyDays: config.simulator.historyDays,
        csv: config.simulator.csv ? { symbol: config.trading.symbols[0], path: config.simulator.csv } : undefined,
      });
      const sim = this.simulator;
      this.clock = { now: () => sim.now() };
      simulatorEndpoints = { restUrl: sim.restUrl, wsUrl: sim.wsUrl, wsApiUrl: sim.wsApiUrl, defaultAccount: sim.defaultAccount };
      logger.info({ rest: sim.restUrl, speed: config.simulator.speed }, "built-in exchange simulator started (SIMULATED)");
    }

    let keys: { apiKey?: string; secret?: string } = { apiKey: config.venue.apiKey, secret: config.venue.secret };
    if (!keys.apiKey && !this.venue.simulated && this.options.credentials) {
      const stored = await this.options.credentials().catch((err) => {
        logger.warn({ err }, "stored exchange keys could not be read");
        return null;
      });
      if (stored) keys = { apiKey: stored.apiKey, secret: stored.secret };
    }
    this.hasKeys = Boolean(keys.apiKey && keys.secret);
    this.exchange = await createExchange(
      { id: config.venue.id, ...keys },
      simulatorEndpoints ? { simulator: simulatorEndpoints } : {},
    );
    try {
      await this.exchange.loadMarkets();
    } catch (err) {
      throw new AppError("VENUE_UNREACHABLE", `cannot load markets from ${this.venue.id}: ${errorMessage(err)}`, 503);
    }
    for (const symbol of new Set([...config.trading.symbols, ...(this.venue.simulated ? config.simulator.symbols : [])])) {
      const market = this.exchange.markets?.[symbol];
      if (!market) {
        if (config.trading.symbols.includes(symbol)) throw new AppError("UNKNOWN_SYMBOL", `${this.venue.id} does not list ${symbol} (TRADING_SYMBOLS)`, 400);
        continue;
      }
      this.instruments.set(symbol, instrumentFromMarket(symbol, market));
    }
    this.fees = feeScheduleFromCcxt(this.exchange, config.trading.symbols[0]);

    this.market = new MarketDataService({
      exchange: this.exchange as never,
      symbols: [...this.instruments.keys()].filter((s) => config.trading.symbols.includes(s) || this.venue.simulated),
      store: this.candleStore,
      exchangeClock: this.clock,
      // Two days: enough 5m candles for the first models' walk-forward evaluation (server/ai).
      warmupMinutes: 2 * 24 * 60,
      streams: { orderbook: true, trades: false, ticker: "auto" },
    });

    const accounts: TradingAccount[] = [];
    for (const mode of ["ghost", "paper", "live"] as const) {
      const account = await this.createAccount(mode);
      if (account) accounts.push(account);
    }
    const storedMode = await this.settings.get<TradingMode>(MODE_SETTING);
    let mode: TradingMode = storedMode ?? config.trading.mode;
    if (!accounts.some((a) => a.mode === mode)) {
      logger.warn({ mode }, "the stored trading mode has no account (live needs exchange keys): starting in paper");
      mode = "paper";
    }
    this.kernel = new TradingKernel({
      mode,
      clock: this.clock,
      bus: this.bus,
      logger,
      accounts,
      limits: config.risk,
      instruments: this.instruments,
    });
  }

  private async createAccount(mode: TradingMode): Promise<TradingAccount | undefined> {
    const { config, logger, db } = this.options;
    const prisma = db.prisma;
    let venue: ExecutionVenue;
    const quote = config.trading.quoteCurrency;

    // The ledger is rebuilt from the stored fills: they are the source of truth.
    let startingCash = await this.settings.get<number>(LEDGER_START_SETTING(mode));
    const ledgerOptions = { mode, quoteCurrency: quote, ids: sequentialLedgerIds(`${mode}-`) } as const;
    const rows = await prisma.fill.findMany({ where: { order: { mode } }, orderBy: { seq: "asc" }, include: { order: true } });

    if (mode === "live") {
      const hasKeys = this.venue.simulated || this.hasKeys;
      if (!hasKeys) return undefined;
      venue = new LiveVenue({
        exchange: this.exchange,
        symbols: config.trading.symbols,
        clock: this.clock,
        id: this.venue.id,
        simulated: this.venue.simulated,
        testnet: this.venue.testnet,
        logger,
      });
      if (startingCash === null) {
        const balances = await venue.fetchBalances().catch(() => []);
        startingCash = balances.find((b) => b.asset === quote)?.free ?? 0;
        await this.settings.set(LEDGER_START_SETTING(mode), startingCash);
      }
    }
    if (startingCash === null) {
      startingCash = config.trading.startingBalance;
      await this.settings.set(LEDGER_START_SETTING(mode), startingCash);
    }
    const ledger = new Ledger({ ...ledgerOptions, startingCash });
    const restored = replayFills(ledger, rows.map(replayEntryFromRow), logger);
    if (restored.fills) logger.info({ mode, fills: restored.fills, open: ledger.openPositionCount }, "ledger rebuilt from stored fills");

    if (mode !== "live") {
      const balances: Record<string, number> = {};
      for (const b of ledger.balances()) balances[b.asset] = b.free + b.locked;
      const common = { clock: this.clock, fees: this.fees, balances, instruments: this.instruments.values(), logger };
      venue =
        mode === "ghost"
          ? createGhostVenue({ ...common, id: "ghost" })
          : new PaperVenue({ ...common, id: "paper", kind: "paper", scheduler: new TimerScheduler(), latencyMs: 50, slippageBps: 5 });
    }

    const orderStore = new PrismaOrderStore(prisma, venue!.id);
    const account = await TradingAccount.create({
      mode,
      venue: venue!,
      orderStore,
      riskStore: this.settings.riskStateStore(mode),
      ledger,
      clock: this.clock,
      limits: config.risk,
      bus: this.bus,
      logger: logger.child({ mode }),
      instruments: this.instruments,
      fees: this.fees,
      newClientOrderId,
      newEventId: () => newId("rev_"),
      wallClock: systemClock,
      dustStore: orderStore,
      restored,
      throttle: this.throttleFor(venue!.id),
      onKillSwitchProgress: () => this.kernel && this.bus.emit("kill-switch", this.kernel.killSwitchStatus()),
    });
    if (venue! instanceof PaperVenue) venue.restoreOrders(await orderStore.loadOpenOrders(mode));
    await this.persistence.saveTrades(restored.trades);
    await this.persistence.syncPositions(mode, ledger.positions(), this.clock.now());
    return account;
  }

  private readonly throttles = new Map<string, OrderThrottle>();

  /** One order-rate bucket per venue (config venue.orderRateLimits). */
  private throttleFor(venueId: string): OrderThrottle {
    let throttle = this.throttles.get(venueId);
    if (!throttle) {
      const limits = this.options.config.venue.orderRateLimits;
      throttle = new OrderThrottle({ windows: [{ limit: limits.per10s, windowMs: 10_000 }, { limit: limits.perDay, windowMs: 86_400_000 }], headroomPct: limits.headroomPct }, this.clock);
      this.throttles.set(venueId, throttle);
    }
    return throttle;
  }

  /**
   * Start-up = recovery: reconcile the live account with its venue before any strategy runs, then
   * start the market data, warm the strategies from history and let candles flow.
   */
  async start(): Promise<void> {
    const { logger, config } = this.options;
    this.persistence.start();
    this.wireMarketData();
    this.wireOrderLatency();

    for (const account of this.kernel.accounts.values()) {
      if (account.venueKind === "live") {
        const report = await account
          .reconcile(config.trading.symbols)
          .catch((err) => ({ ok: false, errors: [{ message: errorMessage(err) }], actions: [] }) as never);
        const r = report as { ok: boolean; errors: Array<{ message: string }>; actions: unknown[] };
        this.reconciliation = {
          ok: r.ok,
          at: this.clock.now(),
          message: r.ok ? `reconciled with ${this.venue.id}: ${r.actions.length} correction(s)` : `reconciliation failed: ${r.errors.map((e) => e.message).join("; ")}`,
        };
        if (!r.ok) {
          account.risk.reportReconciliationFailure({ message: this.reconciliation.message });
          logger.error(this.reconciliation.message);
        } else logger.info(this.reconciliation.message);
      }
      await account.start();
    }
    if (!this.kernel.accounts.has("live")) this.reconciliation = { ok: true, at: this.clock.now(), message: "no live account to reconcile" };

    await this.loadStrategies();
    await this.market.start();
  }

  private wireMarketData(): void {
    const events = this.market.events;
    events.on("candle", ({ candle, warmup }) => {
      if (warmup) {
        this.kernel.warm(candle);
        return;
      }
      this.bus.emit("candle", candle);
      const work = this.kernel.onCandle(candle);
      work?.catch((err) => this.logger.error({ err }, "candle processing failed"));
    });
    events.on("candle:update", (candle) => this.bus.emit("candle:update", candle));
    events.on("ticker", (t) => {
      this.bus.emit("ticker", { symbol: t.symbol, last: t.last, change24hPct: t.changePct24h ?? null, timestamp: t.timestamp });
      this.kernel.onPrice(t.symbol, t.last, t.timestamp);
    });
    events.on("orderbook", (book) => {
      this.bus.emit("orderbook", book);
      this.kernel.onOrderBook(book);
    });
    events.on("invalid", (report) => this.logger.warn({ report }, "invalid market data dropped"));
  }

  private wireOrderLatency(): void {
    const sentAt = new Map<string, number>();
    this.bus.on("order", (order) => {
      if (order.status === "new") sentAt.set(order.clientOrderId, performance.now());
      else if (sentAt.has(order.clientOrderId)) {
        this.orderLatencies.push(performance.now() - sentAt.get(order.clientOrderId)!);
        if (this.orderLatencies.length > 500) this.orderLatencies.shift();
        sentAt.delete(order.clientOrderId);
      }
      if (order.status === "rejected" && order.error) {
        this.venueErrors.push({ at: order.updatedAt, message: order.error });
        if (this.venueErrors.length > 50) this.venueErrors.shift();
      }
    });
  }

  orderLatencyMs(): { p50: number | null; p99: number | null; count: number } {
    const sorted = [...this.orderLatencies].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100 : null);
    return { p50: at(0.5), p99: at(0.99), count: sorted.length };
  }

  // ---- strategy instances ----

  private async loadStrategies(): Promise<void> {
    const { db, config } = this.options;
    let rows = await db.prisma.strategyInstance.findMany({ orderBy: { createdAt: "asc" } });
    if (rows.length === 0 && config.trading.autoStart && !(await this.settings.get("defaults-created"))) {
      await this.createDefaultStrategies();
      rows = await db.prisma.strategyInstance.findMany({ orderBy: { createdAt: "asc" } });
    }
    const sessions = new Map(
      (await db.prisma.tradingSession.findMany({ where: { status: "running" } })).map((r) => [`ses_${r.id}`, { id: r.id, config: r.config as Record<string, number> }]),
    );
    for (const row of rows) {
      // A session's strategy runs only while its session does.
      const session = row.id.startsWith("ses_") ? sessions.get(row.id) : undefined;
      if (row.id.startsWith("ses_") && !session) continue;
      try {
        this.startStrategy({
          id: row.id,
          name: row.name,
          kind: row.kind,
          params: row.params,
          symbols: row.symbols,
          timeframe: row.timeframe as Timeframe,
          capital: num(row.capital),
          paused: row.status !== "active",
          state: row.state,
          session: session && {
            id: session.id,
            maxPositionQuote: session.config.maxPositionQuote,
            maxOpenPositions: session.config.maxOpenPositions,
            stopLossPct: session.config.stopLossPct,
            takeProfitPct: session.config.takeProfitPct,
          },
        });
      } catch (err) {
        this.logger.error({ err, id: row.id }, "a stored strategy instance could not be started");
        this.bus.emit("warning", { code: "STRATEGY_START_FAILED", message: `${row.name}: ${errorMessage(err)}`, at: this.clock.now() });
      }
    }
  }

  /** The seed plan's default: MA crossover 9/21 on 5m, plus a faster RSI reversion on 1m, on the trading symbols. */
  private async createDefaultStrategies(): Promise<void> {
    const { db, config } = this.options;
    const kinds = listStrategyKinds();
    const capital = config.trading.startingBalance / 2;
    const preset = (kind: string, id: string) => kinds.find((k) => k.kind === kind)?.presets.find((p) => p.id === id)?.params;
    const defaults = [
      { kind: "ma_crossover", params: preset("ma_crossover", "ema-9-21-5m"), name: "MA crossover 9/21 (5m)", timeframe: "5m" },
      { kind: "rsi_reversion", params: preset("rsi_reversion", "rsi-14-30-70-15m"), name: "RSI mean reversion 30/70 (1m)", timeframe: "1m" },
    ];
    let created = 0;
    for (const d of defaults) {
      if (!d.params) {
        this.logger.warn({ kind: d.kind }, "default strategy preset not found: not created");
        continue;
      }
      await db.prisma.strategyInstance.create({
        data: { id: newId("str_"), name: d.name, kind: d.kind, params: d.params as object, symbols: config.trading.symbols, timeframe: d.timeframe, capital: String(capital), status: "active" },
      });
      created += 1;
    }
    if (created) await this.settings.set("defaults-created", true);
  }

  startStrategy(instance: {
    id: string;
    name: string;
    kind: string;
    params: unknown;
    symbols: string[];
    timeframe: Timeframe;
    capital: number;
    paused: boolean;
    state?: unknown;
    session?: StrategyInstanceInfo["session"];
  }): void {
    const strategy = createStrategy(instance.kind, instance.params, { id: instance.id, symbols: instance.symbols, timeframe: instance.timeframe });
    const safe = safeStrategy(strategy, (report) => {
      this.logger.warn({ report }, "strategy error: candle skipped");
      this.bus.emit("strategy:error", { instanceId: instance.id, kind: instance.kind, symbol: report.candle?.symbol ?? "", message: report.message, at: this.clock.now() });
    });
    const snapshot = instance.state as { kind?: string } | undefined;
    if (snapshot && snapshot.kind === instance.kind) {
      try {
        safe.restore(snapshot as never);
      } catch (err) {
        this.logger.warn({ err, id: instance.id }, "strategy state could not be restored; re-warming from history");
      }
    }
    const info: StrategyInstanceInfo = { id: instance.id, name: instance.name, kind: instance.kind, capital: instance.capital, session: instance.session };
    this.kernel.addStrategy(info, safe as never, instance.paused);
    // Warm from the candles the market service already holds (at start it replays its warm-up).
    for (const sub of strategy.subscriptions) {
      for (const candle of this.market.recentCandles(sub.symbol, sub.timeframe, sub.warmupCandles)) safe.warm(candle);
    }
  }

  async setMode(mode: TradingMode, actor: string): Promise<void> {
    const previous = this.kernel.mode;
    this.kernel.setMode(mode);
    await this.settings.set(MODE_SETTING, mode);
    await this.options.audit?.({ actor, action: "mode.change", data: { from: previous, to: mode, venue: this.venue.id } });
  }

  async stop(): Promise<void> {
    await this.market?.stop().catch((err) => this.logger.warn({ err }, "market data stop failed"));
    await this.kernel?.stop().catch((err) => this.logger.warn({ err }, "kernel stop failed"));
    await this.persistence.flush();
    this.persistence.stop();
    await (this.exchange as unknown as { close?: () => Promise<void> })?.close?.().catch(() => {});
    await this.simulator?.close().catch(() => {});
  }

  modeOf(mode?: string): KernelMode {
    return (mode as KernelMode) ?? this.kernel.mode;
  }
}
