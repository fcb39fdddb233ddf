import type { Exchange } from "ccxt";
import type { AppConfig } from "../config";
import { systemClock, type Clock } from "../core/clock";
import { repeatEvery, schedulerOf, type ScheduledTask } from "../core/scheduler";
import { EventBus } from "../core/event-bus";
import { errorMessage } from "../core/errors";
import {
  compareBalances,
  reconcileBalances,
  summarizeReconciliation,
  type BalanceReport,
  type CompareBalancesInput,
  type LedgerHoldings,
  type ReconcileFinding,
  type ReconcileReport,
  type ReconciliationSummary,
} from "../execution";
import type { Logger } from "../core/logger";
import type { FeeSchedule } from "../execution";
import type { CandleStore, MarketDataService, VenueDescription, WarmupStatus } from "../market";
import type { Balance, Candle, Instrument, KernelMode, Signal, Timeframe, TradingMode } from "../model/types";
import type { SimulatorHandle } from "../simulator";
import type { RiskPerpContract } from "../risk";
import type { TradingAccount } from "./account";
import type { EngineEvents } from "./events";
import { TradingKernel } from "./kernel";
import { perpPositionFindings } from "../golive";
import { StrategyFactory, type StrategyInstanceSpec } from "./strategy-factory";

/**
 * The running engine of the app, as the composition root (server/app.ts) assembles it from the venue
 * factory (what it trades on), the account factory (one account per mode) and the strategy factory.
 * Start-up = recovery: reconcile the live account before any strategy runs, then start the strategies
 * and the market data.
 */

/** Stored candles, newest `limit` (history beyond what the market service holds). */
export type HistoryCandleStore = CandleStore & { loadLatest(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> };

/** What the venue factory (server/composition/venue.ts) connected. */
export interface VenueConnection {
  venue: VenueDescription;
  clock: Clock;
  exchange: Exchange;
  simulator: SimulatorHandle | undefined;
  instruments: Map<string, Instrument>;
  fees: FeeSchedule;
  hasKeys: boolean;
  candleStore: HistoryCandleStore;
  market: MarketDataService;
  /** TRADING_MARKET=futures: the perpetuals traded (leverage, margin mode, brackets); absent for spot. */
  perpContracts?: ReadonlyMap<string, RiskPerpContract>;
  close(): Promise<void>;
}

/** The write-behind recorder of engine events (server/application/event-recorder.ts). */
export interface EngineRecorder {
  start(): void;
  stop(): void;
  flush(): Promise<void>;
  readonly pending: number;
  readonly lastError: string | null;
}

/**
 * What /api/status, /api/health and the dashboard show. `ok` is false when reconciliation failed
 * (trading halted) and also when it completed with findings (status "degraded"): a venue fill the
 * ledger could not book, a balance that differs from the ledger, an order or fill that is not the bot's.
 */
export interface ReconciliationState {
  ok: boolean;
  at: number | null;
  message: string;
  status?: ReconciliationSummary["status"];
  corrections?: number;
  findings?: ReconcileFinding[];
  balances?: ReconciliationSummary["balances"];
}

/** Small durable documents (the Setting table through SettingsRepository fits). */
export interface EngineSettingsPort {
  get<T = unknown>(key: string): Promise<T | null>;
  set(key: string, value: unknown): Promise<void>;
}

/** Settings key: per asset, what the live account held at the venue before the bot's first start. */
export const NOT_OWNED_SETTING = "reconciliation.not-owned:live";

export interface EngineParts {
  config: AppConfig;
  logger: Logger;
  bus: EventBus<EngineEvents>;
  connection: VenueConnection;
  accounts: TradingAccount[];
  mode: TradingMode;
  recorder: EngineRecorder;
  /** The strategy instances to start once reconciliation is done. */
  storedStrategies: () => Promise<StrategyInstanceSpec[]>;
  /** Remembers the trading mode across restarts. */
  saveMode: (mode: TradingMode) => Promise<void>;
  /** Records mode changes and other audited actions (the auth module's hash-chained log). */
  audit?: (entry: { actor: string; action: string; data: Record<string, unknown> }) => Promise<void>;
  /** Adds context (regime, indicator consensus, model view) to a signal's reason before it is acted on. */
  enrichSignal?: (signal: Signal) => Signal;
  /** Store ledger snapshots (engine/ledger-snapshot.ts): every SNAPSHOT_EVERY_MS and on stop. */
  saveSnapshots?: () => Promise<unknown>;
  /**
   * Durable settings: the live account's "not the bot's" balances are recorded here at its first
   * start. Without it they are recorded in memory only (a restart would take the venue's balances
   * then as the baseline and hide any drift), which the log says.
   */
  settings?: EngineSettingsPort;
}

/**
 * The "not the bot's" baseline from the venue's balances: per asset, what the venue holds beyond the
 * ledger's positions + dust (cash for the quote), never negative (a shortfall stays a finding).
 */
function compareBalancesBaseline(input: Omit<CompareBalancesInput, "venue" | "holdings" | "notOwned">, holdings: LedgerHoldings): (venue: Balance[]) => Record<string, number> {
  return (venue) => {
    const assets: Record<string, number> = {};
    for (const check of compareBalances({ ...input, venue, holdings, notOwned: {} }).checks) assets[check.asset] = check.difference > 0 ? check.difference : 0;
    return assets;
  };
}

/** Ledger snapshots are taken this often (wall time) and on shutdown. */
export const SNAPSHOT_EVERY_MS = 10 * 60_000;

export class EngineRuntime {
  readonly bus: EventBus<EngineEvents>;
  readonly candleStore: HistoryCandleStore;
  readonly venue: VenueDescription;
  readonly startedAt = Date.now();
  readonly kernel: TradingKernel;
  readonly market: MarketDataService;
  readonly simulator: SimulatorHandle | undefined;
  readonly clock: Clock;
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly fees: FeeSchedule;
  readonly persistence: EngineRecorder;
  readonly strategies: StrategyFactory;
  reconciliation: ReconciliationState = { ok: true, at: null, message: "not run yet" };
  /** The live account's start-up order reconciliation (its corrections and findings stay in the summary). */
  private orderReport: ReconcileReport | undefined;
  /** Live fills the ledger refused since start (bus warnings LEDGER_REFUSED_FILL). */
  private readonly unbookedFills: ReconcileFinding[] = [];
  private notOwnedBaseline: Record<string, number> | undefined;
  private balanceRun: Promise<ReconciliationState> | undefined;
  readonly venueErrors: Array<{ at: number; message: string }> = [];
  private readonly orderLatencies: number[] = [];
  private snapshotTask: ScheduledTask | undefined;

  constructor(private readonly parts: EngineParts) {
    const { connection, logger } = parts;
    this.bus = parts.bus;
    this.venue = connection.venue;
    this.candleStore = connection.candleStore;
    this.market = connection.market;
    this.simulator = connection.simulator;
    this.clock = connection.clock;
    this.instruments = connection.instruments;
    this.fees = connection.fees;
    this.persistence = parts.recorder;
    let mode = parts.mode;
    if (!parts.accounts.some((a) => a.mode === mode)) {
      logger.warn({ mode }, "the stored trading mode has no account (live needs exchange keys): starting in paper");
      mode = "paper";
    }
    this.kernel = new TradingKernel({
      mode,
      clock: this.clock,
      bus: this.bus,
      logger,
      accounts: parts.accounts,
      limits: parts.config.risk,
      instruments: this.instruments,
      enrichSignal: parts.enrichSignal,
      // Futures: strategies may go short (a sell opens a short position on the perpetual).
      ...(parts.config.trading.market === "futures" ? { allowShort: true } : {}),
    });
    this.strategies = new StrategyFactory({ kernel: this.kernel, market: this.market, bus: this.bus, clock: this.clock, logger });
  }

  get config(): AppConfig {
    return this.parts.config;
  }

  get logger(): Logger {
    return this.parts.logger;
  }

  /** The venue's speed (venue ms per real ms) as the market clock follows it; null on a real exchange. */
  get simulatorSpeed(): number | null {
    if (!this.venue.simulated) return null;
    const speed = (this.clock as { readonly speed?: number }).speed;
    return typeof speed === "number" && speed > 0 ? speed : this.parts.config.simulator.speed;
  }

  get symbols(): string[] {
    return this.parts.config.trading.symbols;
  }

  /**
   * Start-up = recovery: reconcile the live account with its venue before any strategy runs, then
   * start the strategies and the market data. Resolves once the streams are started: the history
   * warm-up goes on in the background (`warmup()`, `whenWarmedUp()`), and each strategy instance gets
   * closed candles only once its own symbols' history is complete (StrategyFactory). The server starts
   * with `{ waitForWarmup: false }` (healthy at once, history served as it arrives); the default waits
   * for the warm-up too, so a caller that trades right after start (tests, tools) has prices.
   */
  async start(options: { waitForWarmup?: boolean } = {}): Promise<void> {
    const { logger, config } = this.parts;
    this.persistence.start();
    this.wireMarketData();
    this.wireOrderLatency();

    // A venue fill the live ledger refuses to book is a finding at once (and re-checks the balances).
    this.bus.on("warning", (w) => {
      if (w.code !== "LEDGER_REFUSED_FILL" || w.mode !== "live") return;
      this.unbookedFills.push({
        kind: "unbooked_fill",
        severity: "critical",
        message: `${w.message}; positions and cash differ from the venue until a person settles it`,
        data: { at: w.at },
      });
      if (this.orderReport) void this.reconcileBalances().catch((err) => logger.warn({ err }, "balance reconciliation failed"));
    });

    for (const account of this.kernel.accounts.values()) {
      if (account.venueKind === "live") {
        const startedAt = this.clock.now();
        const r = await account.reconcile(config.trading.symbols).catch(
          (err): ReconcileReport => ({ ok: false, startedAt, actions: [], unknownVenueOrders: [], unknownVenueFills: [], errors: [{ code: "RECONCILE_FAILED", message: errorMessage(err) }], findings: [], balances: null }),
        );
        this.orderReport = r;
        if (!r.ok) {
          const summary = summarizeReconciliation(r, this.venue.id);
          this.reconciliation = { ok: false, at: summary.at, message: summary.message, status: "failed", corrections: summary.corrections, findings: summary.findings, balances: [] };
          account.risk.reportReconciliationFailure({ message: this.reconciliation.message });
          logger.error(this.reconciliation.message);
        } else {
          // Orders settled and their fills booked: now the balances (every venue fill ends in the ledger or in a finding).
          await this.reconcileBalances();
          if (this.reconciliation.ok) logger.info(this.reconciliation.message);
          else logger.warn({ findings: this.reconciliation.findings }, this.reconciliation.message);
        }
      }
      await account.start();
    }
    if (!this.kernel.accounts.has("live")) this.reconciliation = { ok: true, at: this.clock.now(), message: "no live account to reconcile" };

    for (const spec of await this.parts.storedStrategies()) {
      try {
        this.strategies.start(spec);
      } catch (err) {
        this.logger.error({ err, id: spec.id }, "a stored strategy instance could not be started");
        this.bus.emit("warning", { code: "STRATEGY_START_FAILED", message: `${spec.name}: ${errorMessage(err)}`, at: this.clock.now() });
      }
    }
    const warmupStartedAt = Date.now();
    await this.market.start({ waitForWarmup: false });
    void this.market.whenWarmedUp().then(() => {
      const status = this.market.warmupStatus();
      if (status.done) logger.info({ ms: Date.now() - warmupStartedAt, symbols: status.symbols.length }, "market data warm-up complete");
      else logger.warn({ waiting: status.symbols.filter((s) => !s.done).map((s) => s.symbol) }, "market data warm-up settled with symbols still retrying");
    });
    if (this.parts.saveSnapshots) {
      // Wall time: snapshots bound the replay after a crash, whatever the market clock's speed.
      this.snapshotTask = repeatEvery(schedulerOf(systemClock, { unref: true }), systemClock, SNAPSHOT_EVERY_MS, () => void this.saveSnapshots());
    }
    if (options.waitForWarmup !== false) await this.market.whenWarmedUp();
  }

  /**
   * Balance reconciliation of the live account, at start and on demand: venue free + locked per asset
   * against the ledger's positions + dust + what the bot does not own (the venue's balances before
   * the bot's first start, stored durably then). Updates `reconciliation` (and so /api/health and
   * /api/status). A failed start-up reconciliation stays failed. One run at a time.
   */
  reconcileBalances(): Promise<ReconciliationState> {
    this.balanceRun ??= this.runBalanceReconciliation().finally(() => (this.balanceRun = undefined));
    return this.balanceRun;
  }

  private async runBalanceReconciliation(): Promise<ReconciliationState> {
    const account = this.kernel.accounts.get("live");
    const report = this.orderReport;
    if (!account || !report || !report.ok) return this.reconciliation;
    const now = this.clock.now();
    const ledger = account.ledger;
    // Live futures: perps are positions at the venue (positionRisk), not balances of their base asset.
    const perps = account.futures?.venuePositions ? new Set(account.futures.contracts.keys()) : new Set<string>();
    // A perp's cash is its wallet: the ledger books a perp fill like a spot one (cash −/+ the notional),
    // while the venue's wallet moves only by fees, realised P&L and funding; adding back the open perps'
    // signed entry value gives the wallet the venue reports (LiveVenue.fetchBalances).
    const perpEntryValue = () => ledger.positions().filter((p) => perps.has(p.symbol)).reduce((sum, p) => sum + (p.side === "long" ? 1 : -1) * p.quantity * p.avgEntryPrice, 0);
    const holdings = (): LedgerHoldings => ({ cash: perps.size > 0 ? ledger.cash + perpEntryValue() : ledger.cash, positions: ledger.positions().filter((p) => !perps.has(p.symbol)), dust: ledger.dust() });
    const input = { quoteCurrency: ledger.quoteCurrency, instruments: this.instruments, at: now };
    let balances: BalanceReport;
    try {
      const notOwned = await this.notOwnedOf(account, () => compareBalancesBaseline(input, holdings()));
      balances = await reconcileBalances({ ...input, venue: { fetchBalances: () => account.venueBalances() }, holdings: holdings(), notOwned });
    } catch (err) {
      balances = { at: now, ok: false, checks: [], findings: [{ kind: "balances_unavailable", severity: "warning", message: `the venue's balances could not be read: ${errorMessage(err)}`, data: {} }] };
    }
    if (perps.size > 0) {
      try {
        const venuePositions = await account.futures!.venuePositions!();
        balances = { ...balances, findings: [...balances.findings, ...perpPositionFindings({ symbols: [...perps], venuePositions }, ledger.positions(), [...this.instruments.values()])] };
      } catch (err) {
        balances = { ...balances, findings: [...balances.findings, { kind: "balances_unavailable", severity: "warning", message: `the venue's perp positions could not be read: ${errorMessage(err)}`, data: {} }] };
      }
    }
    const summary = summarizeReconciliation(
      { ok: true, startedAt: now, actions: report.actions, errors: [], findings: [...report.findings, ...this.unbookedFills, ...balances.findings], balances },
      this.venue.id,
    );
    this.reconciliation = { ok: summary.status === "ok", at: summary.at, message: summary.message, status: summary.status, corrections: summary.corrections, findings: summary.findings, balances: summary.balances };
    return this.reconciliation;
  }

  /**
   * What the live account held before the bot's first start, per asset: read from the settings, or
   * (first start) the venue's balances beyond what the ledger accounts for then, stored at once.
   */
  private async notOwnedOf(account: TradingAccount, baseline: () => (venue: Balance[]) => Record<string, number>): Promise<Record<string, number>> {
    if (this.notOwnedBaseline) return this.notOwnedBaseline;
    const stored = await this.parts.settings?.get<{ at: number; assets: Record<string, number> }>(NOT_OWNED_SETTING);
    if (stored?.assets) return (this.notOwnedBaseline = stored.assets);
    const assets = baseline()(await account.venueBalances());
    if (this.parts.settings) await this.parts.settings.set(NOT_OWNED_SETTING, { at: this.clock.now(), venue: this.venue.id, assets });
    else this.logger.warn("no settings store: the balances that are not the bot's are kept in memory only");
    this.logger.info({ assets }, "first live start: the venue's balances before the bot are recorded as not the bot's");
    return (this.notOwnedBaseline = assets);
  }

  /** Store a snapshot of each ledger (consistent ones only; a failure is logged, the next try repeats it). */
  async saveSnapshots(): Promise<void> {
    await this.parts.saveSnapshots?.().catch((err) => this.logger.warn({ err }, "storing ledger snapshots failed"));
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

  /** The market data warm-up phase (GET /api/status `warmup`), plus the strategy instances still waiting for theirs. */
  warmup(): WarmupStatus & { strategiesWarming: number } {
    const strategiesWarming = this.kernel.strategyIds().filter((id) => this.kernel.strategyWarming(id)).length;
    return { ...this.market.warmupStatus(), strategiesWarming };
  }

  /** Resolves once every symbol's warm-up has settled (tests, the bench). */
  whenWarmedUp(): Promise<void> {
    return this.market.whenWarmedUp();
  }

  /** Start (or restart) one strategy instance (the strategy factory builds, wraps, restores and warms it). */
  startStrategy(instance: StrategyInstanceSpec): void {
    this.strategies.start(instance);
  }

  async setMode(mode: TradingMode, actor: string): Promise<void> {
    const previous = this.kernel.mode;
    this.kernel.setMode(mode);
    await this.parts.saveMode(mode);
    await this.parts.audit?.({ actor, action: "mode.change", data: { from: previous, to: mode, venue: this.venue.id } });
  }

  async stop(): Promise<void> {
    await this.market.stop().catch((err) => this.logger.warn({ err }, "market data stop failed"));
    await this.kernel.stop().catch((err) => this.logger.warn({ err }, "kernel stop failed"));
    this.snapshotTask?.cancel();
    await this.saveSnapshots();
    await this.persistence.flush();
    this.persistence.stop();
    await this.parts.connection.close();
  }

  /** The app's engine, composed as server/app.ts composes it (server/composition/engine.ts). */
  static async create(options: import("../composition/engine").ComposeEngineOptions): Promise<EngineRuntime> {
    const { composeEngine } = await import("../composition/engine");
    return composeEngine(options);
  }

  modeOf(mode?: string): KernelMode {
    return (mode as KernelMode) ?? this.kernel.mode;
  }
}
