import type { Exchange } from "ccxt";
import type { AppConfig } from "../config";
import type { Clock } from "../core/clock";
import { EventBus } from "../core/event-bus";
import { errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import type { FeeSchedule } from "../execution";
import type { CandleStore, MarketDataService, VenueDescription } from "../market";
import type { Candle, Instrument, KernelMode, Signal, Timeframe, TradingMode } from "../model/types";
import type { SimulatorHandle } from "../simulator";
import type { TradingAccount } from "./account";
import type { EngineEvents } from "./events";
import { TradingKernel } from "./kernel";
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

export interface ReconciliationState {
  ok: boolean;
  at: number | null;
  message: string;
}

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
  readonly venueErrors: Array<{ at: number; message: string }> = [];
  private readonly orderLatencies: number[] = [];
  private snapshotTimer: ReturnType<typeof setInterval> | undefined;

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
    });
    this.strategies = new StrategyFactory({ kernel: this.kernel, market: this.market, bus: this.bus, clock: this.clock, logger });
  }

  get config(): AppConfig {
    return this.parts.config;
  }

  get logger(): Logger {
    return this.parts.logger;
  }

  get symbols(): string[] {
    return this.parts.config.trading.symbols;
  }

  /**
   * Start-up = recovery: reconcile the live account with its venue before any strategy runs, then
   * start the market data, warm the strategies from history and let candles flow.
   */
  async start(): Promise<void> {
    const { logger, config } = this.parts;
    this.persistence.start();
    this.wireMarketData();
    this.wireOrderLatency();

    for (const account of this.kernel.accounts.values()) {
      if (account.venueKind === "live") {
        const r = await account
          .reconcile(config.trading.symbols)
          .catch((err): { ok: boolean; errors: Array<{ message: string }>; actions: unknown[] } => ({ ok: false, errors: [{ message: errorMessage(err) }], actions: [] }));
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

    for (const spec of await this.parts.storedStrategies()) {
      try {
        this.strategies.start(spec);
      } catch (err) {
        this.logger.error({ err, id: spec.id }, "a stored strategy instance could not be started");
        this.bus.emit("warning", { code: "STRATEGY_START_FAILED", message: `${spec.name}: ${errorMessage(err)}`, at: this.clock.now() });
      }
    }
    await this.market.start();
    if (this.parts.saveSnapshots) {
      this.snapshotTimer = setInterval(() => void this.saveSnapshots(), SNAPSHOT_EVERY_MS);
      this.snapshotTimer.unref?.();
    }
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
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
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
