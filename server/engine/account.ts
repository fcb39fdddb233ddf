import type { Clock } from "../core/clock";
import type { EventBus } from "../core/event-bus";
import { errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import { floorToStep } from "../core/decimal";
import type { RiskLimits } from "../config/risk-limits";
import { TERMINAL_ORDER_STATUSES, type Candle, type Fill, type Instrument, type KernelMode, type Order, type OrderBook, type PositionSide, type TradingState } from "../model/types";
import { OrderManager, type NewOrder, type OrderStore, type ExecutionVenue, type FeeSchedule } from "../execution";
import { Ledger, checkExits, fillMetaFromOrder, type LedgerPosition } from "../portfolio";
import {
  RiskEngine,
  type KillSwitch,
  type KillSwitchBypass,
  type KillSwitchVenuePort,
  type RiskClosedTrade,
  type RiskContext,
  type RiskDecision,
  type RiskEntryRecord,
  type RiskEvent,
  type RiskStateStore,
} from "../risk";
import type { EngineEvents } from "./events";
import type { ReplayResult } from "./replay";

/**
 * One trading account: a mode's venue, order manager, ledger and risk engine. Each mode (ghost,
 * paper, live, backtest) has its own account, so each keeps its own positions and P&L; a mode switch
 * only changes which account receives new entries (see kernel.ts).
 */
export interface AccountOptions {
  mode: KernelMode;
  venue: ExecutionVenue;
  orderStore: OrderStore;
  riskStore: RiskStateStore;
  ledger: Ledger;
  clock: Clock;
  limits: RiskLimits;
  bus: EventBus<EngineEvents>;
  logger: Logger;
  instruments: ReadonlyMap<string, Instrument>;
  fees: FeeSchedule;
  newClientOrderId?: () => string;
  newEventId?: () => string;
  /** Orders are retried with backoff; backtests pass an instant sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Fed with a synthetic trade at the trigger price before a protective exit (backtest fills at the level). */
  simulateExitAtTrigger?: boolean;
  killSwitch?: { maxDurationMs?: number; pollIntervalMs?: number; callTimeoutMs?: number };
  /** Called after every change of this account's kill-switch run (the kernel aggregates them). */
  onKillSwitchProgress?: () => void;
  /** What replaying the stored fills into the ledger learned (after a restart). */
  restored?: ReplayResult;
}

export interface SubmitResult {
  decision: RiskDecision;
  order?: Order;
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_ORDER_STATUSES);
const RECENT_TRADES = 100;
const ENTRY_RETENTION_MS = 48 * 3_600_000;
const OBSERVE_EVERY_MS = 60_000;

const positionKey = (symbol: string, strategyInstanceId: string | undefined) => `${symbol}|${strategyInstanceId ?? ""}`;

export class TradingAccount {
  readonly mode: KernelMode;
  readonly venue: ExecutionVenue;
  readonly orders: OrderManager;
  readonly ledger: Ledger;
  readonly risk: RiskEngine;
  readonly killSwitch: KillSwitch;
  readonly lastPrices = new Map<string, number>();
  readonly books = new Map<string, OrderBook>();

  private readonly clock: Clock;
  private readonly bus: EventBus<EngineEvents>;
  private readonly logger: Logger;
  private readonly instruments: ReadonlyMap<string, Instrument>;
  private readonly fees: FeeSchedule;
  private readonly simulateExitAtTrigger: boolean;
  private readonly recentClosedTrades: RiskClosedTrade[] = [];
  private readonly recentEntries: RiskEntryRecord[] = [];
  /** Positions with an exit order in flight: a second trigger must not send a second exit. */
  private readonly exitsInFlight = new Set<string>();
  /** (symbol, instance) with an entry order in flight: a repeated signal must not double the position. */
  private readonly entriesInFlight = new Set<string>();
  /** Entry order and signal behind each open position, for the trade record. */
  private readonly positionOrigins = new Map<string, { entryOrderId: string; signalId?: string }>();
  private lastObservedAt = Number.NEGATIVE_INFINITY;
  private lastObservedEquity = Number.NaN;
  /** Backtests build their own equity curve; live accounts publish a point a minute. */
  private readonly publishEquity: boolean;
  private lastState: TradingState;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(options: AccountOptions, risk: RiskEngine) {
    this.mode = options.mode;
    this.venue = options.venue;
    this.ledger = options.ledger;
    this.clock = options.clock;
    this.bus = options.bus;
    this.logger = options.logger;
    this.instruments = options.instruments;
    this.fees = options.fees;
    this.simulateExitAtTrigger = options.simulateExitAtTrigger ?? false;
    this.publishEquity = options.mode !== "backtest";
    this.risk = risk;
    this.lastState = risk.state;
    if (options.restored) {
      for (const [id, origin] of options.restored.origins) this.positionOrigins.set(id, origin);
      this.recentClosedTrades.push(...options.restored.recentClosedTrades.slice(-RECENT_TRADES));
      this.recentEntries.push(...options.restored.recentEntries);
    }
    this.orders = new OrderManager({
      venue: options.venue,
      store: options.orderStore,
      mode: options.mode,
      clock: options.clock,
      logger: options.logger,
      newClientOrderId: options.newClientOrderId,
      sleep: options.sleep,
    });
    this.orders.events.on("order.updated", (order) => this.onOrderUpdated(order));
    this.orders.events.on("order.fill", ({ fill, order }) => this.onFill(fill, order));
    this.orders.events.on("execution.warning", (w) =>
      this.bus.emit("warning", { code: w.code, message: w.message, mode: this.mode, at: this.clock.now() }),
    );
    this.killSwitch = risk.createKillSwitch(this.killSwitchPort(), {
      ...options.killSwitch,
      onProgress: () => options.onKillSwitchProgress?.(),
    });
  }

  static async create(options: AccountOptions): Promise<TradingAccount> {
    let account: TradingAccount | undefined;
    const risk = await RiskEngine.start({
      limits: options.limits,
      store: options.riskStore,
      clock: options.clock,
      logger: options.logger,
      newEventId: options.newEventId,
      sink: { publish: (event: RiskEvent) => account?.onRiskEvent(event) },
    });
    account = new TradingAccount(options, risk);
    return account;
  }

  get tradingState(): TradingState {
    return this.risk.state;
  }

  get tradingStateReason(): string | null {
    const latches = this.risk.latches;
    if (!latches.length) return null;
    const strictest = latches.find((l) => l.state === "HALTED") ?? latches[0];
    return strictest.reason;
  }

  async start(): Promise<void> {
    await this.venue.start();
    await this.orders.start();
  }

  async stop(): Promise<void> {
    this.orders.stop();
    await this.idle();
    await this.risk.flush();
    await this.venue.stop();
  }

  /** Wait for every order the account started (tests and the backtester use this). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    await this.orders.idle();
  }

  /** True while order work this account started (a protective exit) is still running. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise)).catch(() => {});
    return promise;
  }

  /** Runs for every strategy on every candle: a scan of the symbol's (few) positions, no key string built. */
  hasPosition(symbol: string, strategyInstanceId?: string): LedgerPosition | undefined {
    const positions = this.ledger.openPositionsOf(symbol);
    for (let i = 0; i < positions.length; i++) if (positions[i].strategyInstanceId === strategyInstanceId) return positions[i];
    return undefined;
  }

  entryInFlight(symbol: string, strategyInstanceId?: string): boolean {
    return this.entriesInFlight.size > 0 && this.entriesInFlight.has(positionKey(symbol, strategyInstanceId));
  }

  /** An exit order (a protective exit or an earlier signal) is already working for this position. */
  exitInFlight(symbol: string, strategyInstanceId?: string): boolean {
    return this.exitsInFlight.size > 0 && this.exitsInFlight.has(positionKey(symbol, strategyInstanceId));
  }

  // ---- market data ----

  /** A closed candle of the finest timeframe: venue fills, protective exits, marks, breakers. */
  onCandle(candle: Candle): void {
    this.lastPrices.set(candle.symbol, candle.close);
    this.orders.onMarket({ type: "candle", candle });
    const positions = this.ledger.openPositionsOf(candle.symbol);
    if (positions.length) this.checkProtectiveExits(positions, candle, candle.openTime);
    this.ledger.markCandle(candle);
    this.observe();
  }

  /** A historical candle (warm-up): the last known price and the marks, with no fills or exits. */
  markHistory(candle: Candle): void {
    this.lastPrices.set(candle.symbol, candle.close);
    this.ledger.mark(candle.symbol, candle.close);
  }

  /** A traded price between candles (live and paper): marks and protective exits react at once. */
  onPrice(symbol: string, price: number, timestamp: number): void {
    if (!(price > 0) || !Number.isFinite(price)) return;
    this.lastPrices.set(symbol, price);
    this.orders.onMarket({ type: "trade", symbol, price, timestamp });
    const positions = this.ledger.openPositionsOf(symbol);
    if (positions.length) this.checkProtectiveExits(positions, price, timestamp);
    this.ledger.mark(symbol, price);
  }

  onOrderBook(book: OrderBook): void {
    this.books.set(book.symbol, book);
    this.orders.onMarket({ type: "book", book });
  }

  private checkProtectiveExits(positions: readonly LedgerPosition[], bar: Candle | number, at: number): void {
    for (let i = 0; i < positions.length; i++) {
      const position = positions[i];
      const key = positionKey(position.symbol, position.strategyInstanceId);
      if (this.exitsInFlight.has(key)) continue;
      const trigger = checkExits(position, bar, at);
      if (!trigger) continue;
      if (this.simulateExitAtTrigger) {
        this.orders.onMarket({ type: "trade", symbol: position.symbol, price: trigger.price, timestamp: at });
      }
      this.track(
        this.closePosition(position, { exitReason: trigger.reason, reason: trigger.text }).catch((err) =>
          this.logger.error({ err, symbol: position.symbol }, "protective exit failed"),
        ),
      );
    }
  }

  /**
   * Once a minute of market time: breakers see fresh equity and the equity curve gets a point. A flat
   * account's equity cannot move (only fills change cash), so while it is flat the breakers would see
   * the numbers they last saw and are skipped, unless a calendar latch (daily/weekly loss) may lift;
   * evaluate() observes before every order anyway.
   */
  private observe(): void {
    const now = this.clock.now();
    if (now - this.lastObservedAt < OBSERVE_EVERY_MS) return;
    this.lastObservedAt = now;
    if (this.ledger.openPositionCount > 0 || this.ledger.equity() !== this.lastObservedEquity || this.latchMayLift()) {
      this.lastObservedEquity = this.ledger.equity();
      this.risk.observe(this.riskContext(now));
      this.publishStateIfChanged();
    }
    if (this.publishEquity) this.bus.emit("equity", { ...this.ledger.snapshot(now), mode: this.mode });
  }

  private latchMayLift(): boolean {
    return this.risk.state !== "ACTIVE" && this.risk.latches.some((latch) => latch.until !== null);
  }

  private publishStateIfChanged(): void {
    const state = this.risk.state;
    if (state !== this.lastState) {
      this.lastState = state;
      this.bus.emit("trading-state", { mode: this.mode, tradingState: state, reason: this.tradingStateReason });
    }
  }

  // ---- orders ----

  /** What the risk engine reads (see AccountRiskContext: the costly parts are built on first read). */
  riskContext(now = this.clock.now()): RiskContext {
    const cutoff = now - ENTRY_RETENTION_MS;
    while (this.recentEntries.length && this.recentEntries[0].at < cutoff) this.recentEntries.shift();
    return new AccountRiskContext(now, this.ledger, this.orders, this.lastPrices, this.books, this.instruments, this.fees, this.recentClosedTrades, this.recentEntries);
  }

  /**
   * Every order goes through here: risk first, then the order manager (which persists the order
   * before the venue sees it). A denial is a risk event, never an exception.
   */
  async submit(request: NewOrder, options: { bypass?: KillSwitchBypass } = {}): Promise<SubmitResult> {
    const now = this.clock.now();
    const clientOrderId = request.clientOrderId ?? undefined;
    const full = { ...request, clientOrderId: clientOrderId ?? "pending-risk-check", createdAt: request.createdAt ?? now };
    const decision = this.risk.evaluate(full, this.riskContext(now), { killSwitchBypass: options.bypass });
    this.publishStateIfChanged();
    if (!decision.allowed) return { decision };
    const key = positionKey(request.symbol, request.strategyInstanceId);
    const isEntry = request.intent === "entry";
    if (isEntry) this.entriesInFlight.add(key);
    else this.exitsInFlight.add(key);
    const release = () => (isEntry ? this.entriesInFlight.delete(key) : this.exitsInFlight.delete(key));
    const riskChecks = decision.checks.map((c) => ({ check: c.check, code: c.code, message: c.message }));
    try {
      const order = await this.orders.place({ ...request, riskChecks });
      // A resting order keeps the guard until it ends (onOrderUpdated releases it).
      if (TERMINAL.has(order.status)) release();
      if (isEntry && order.status !== "rejected") this.recentEntries.push({ clientOrderId: order.clientOrderId, symbol: order.symbol, at: now });
      if (order.status === "rejected" || order.error) {
        this.risk.recordVenueError({ message: order.error ?? "order rejected", at: now });
        this.publishStateIfChanged();
      }
      return { decision, order };
    } catch (err) {
      release();
      this.risk.recordVenueError({ message: errorMessage(err), at: now });
      this.publishStateIfChanged();
      throw err;
    }
  }

  /** A reduce-only market order for the whole position (protective exits, signals, manual close, kill switch). */
  async closePosition(
    position: Pick<LedgerPosition, "symbol" | "side" | "quantity" | "strategyInstanceId" | "sessionId">,
    exit: { exitReason: NonNullable<NewOrder["exitReason"]>; reason: string; bypass?: KillSwitchBypass; signalId?: string },
  ): Promise<SubmitResult> {
    const instrument = this.instruments.get(position.symbol);
    const quantity = instrument ? floorToStep(position.quantity, instrument.stepSize) || position.quantity : position.quantity;
    return this.submit(
      {
        symbol: position.symbol,
        side: position.side === "long" ? "sell" : "buy",
        type: "market",
        quantity,
        intent: "exit",
        reduceOnly: true,
        strategyInstanceId: position.strategyInstanceId,
        sessionId: position.sessionId,
        exitReason: exit.exitReason,
        reason: exit.reason,
        signalId: exit.signalId,
      },
      { bypass: exit.bypass },
    );
  }

  private onOrderUpdated(order: Order): void {
    this.bus.emit("order", order);
    if (TERMINAL.has(order.status)) {
      const key = positionKey(order.symbol, order.strategyInstanceId);
      if (order.intent === "entry") this.entriesInFlight.delete(key);
      else this.exitsInFlight.delete(key);
    }
  }

  private onFill(reported: Fill, order: Order): void {
    // A fill of an order has the order's side; booking a sell as a buy would double a position.
    let fill = reported;
    if (reported.side !== order.side) {
      this.bus.emit("warning", { code: "FILL_SIDE_MISMATCH", message: `fill ${reported.venueTradeId} of ${order.clientOrderId} reported as ${reported.side}; booked as the order's ${order.side}`, mode: this.mode, at: reported.timestamp });
      fill = { ...reported, side: order.side };
    }
    let outcome;
    try {
      outcome = this.ledger.applyFill(fill, fillMetaFromOrder(order));
    } catch (err) {
      this.logger.error({ err, clientOrderId: fill.clientOrderId }, "the ledger refused a fill");
      this.bus.emit("warning", { code: "LEDGER_REFUSED_FILL", message: `fill of ${fill.clientOrderId} not booked: ${errorMessage(err)}`, mode: this.mode, at: fill.timestamp });
      return;
    }
    this.bus.emit("fill", { ...fill, mode: this.mode });
    if (outcome.position) {
      if (outcome.opened) this.positionOrigins.set(outcome.position.id, { entryOrderId: order.clientOrderId, signalId: order.signalId });
      this.bus.emit("position", { ...outcome.position, status: "open" });
    }
    const trade = outcome.closedTrade;
    if (trade) {
      const origin = this.positionOrigins.get(trade.positionId);
      this.positionOrigins.delete(trade.positionId);
      this.recentClosedTrades.push({ symbol: trade.symbol, pnl: trade.pnl, closedAt: trade.closedAt, exitReason: trade.exitReason });
      if (this.recentClosedTrades.length > RECENT_TRADES) this.recentClosedTrades.shift();
      this.bus.emit("position", {
        ...(outcome.position && outcome.position.id === trade.positionId ? outcome.position : closedPositionOf(trade)),
        quantity: 0,
        status: "closed",
      });
      this.bus.emit("trade", { ...trade, signalId: origin?.signalId, entryOrderId: origin?.entryOrderId, exitOrderId: order.clientOrderId });
      if (origin?.signalId) {
        this.bus.emit("signal:outcome", {
          signalId: origin.signalId,
          mode: this.mode,
          outcome: trade.pnl > 0 ? "win" : "loss",
          exitPrice: trade.exitPrice,
          outcomePct: trade.pnlPct,
          at: trade.closedAt,
        });
      }
    }
    this.bus.emit("equity", { ...this.ledger.snapshot(fill.timestamp), mode: this.mode });
    this.lastObservedAt = Number.NEGATIVE_INFINITY;
    this.observe();
  }

  private onRiskEvent(event: RiskEvent): void {
    this.bus.emit("risk:event", { ...event, mode: this.mode });
    this.publishStateIfChanged();
  }

  // ---- kill switch ----

  private killSwitchPort(): KillSwitchVenuePort {
    return {
      cancelAllOrders: async () => {
        let cancelled = 0;
        for (const order of this.orders.openOrders()) {
          const result = await this.orders.cancel(order.clientOrderId);
          if (result.status === "cancelled") cancelled += 1;
        }
        // Orders the venue has that this process does not know (placed before a crash, or by hand).
        if (this.venue.kind === "live") {
          for (const update of await this.venue.fetchOpenOrders()) {
            await this.venue.cancel(update.clientOrderId, update.symbol);
            cancelled += 1;
          }
        }
        return { cancelled };
      },
      listOpenOrders: async () => {
        const known = this.orders.openOrders().map((o) => ({ clientOrderId: o.clientOrderId, symbol: o.symbol }));
        if (this.venue.kind !== "live") return known;
        const venue = await this.venue.fetchOpenOrders();
        const ids = new Set(known.map((o) => o.clientOrderId));
        return [...known, ...venue.filter((v) => !ids.has(v.clientOrderId)).map((v) => ({ clientOrderId: v.clientOrderId, symbol: v.symbol }))];
      },
      listPositions: async () => {
        const bySide = new Map<string, { symbol: string; side: PositionSide; quantity: number }>();
        for (const p of this.ledger.positions()) {
          const instrument = this.instruments.get(p.symbol);
          // Dust below the venue's lot step cannot be sold: it does not count as an open position.
          if (instrument && floorToStep(p.quantity, instrument.stepSize) <= 0) continue;
          const key = `${p.symbol}|${p.side}`;
          const entry = bySide.get(key) ?? { symbol: p.symbol, side: p.side, quantity: 0 };
          entry.quantity += p.quantity;
          bySide.set(key, entry);
        }
        return [...bySide.values()];
      },
      closePosition: async (target, options) => {
        let filledQuantity = 0;
        let lastId: string | undefined;
        for (const p of this.ledger.positions()) {
          if (p.symbol !== target.symbol || p.side !== target.side) continue;
          const result = await this.closePosition(p, { exitReason: "kill_switch", reason: options.reason, bypass: options.bypass });
          if (!result.decision.allowed) throw new Error(`risk refused the kill-switch close: ${result.decision.message}`);
          if (result.order?.status === "rejected") throw new Error(`venue rejected the close: ${result.order.error ?? "rejected"}`);
          filledQuantity += result.order?.filledQuantity ?? 0;
          lastId = result.order?.clientOrderId;
        }
        await this.orders.idle();
        return { clientOrderId: lastId, filledQuantity };
      },
    };
  }
}

/**
 * The risk engine's view of an account at one moment. The parts that cost copies (positions, open
 * orders, free balance) are built on first read and then kept: observe(), which runs on every candle
 * while a position is open, reads none of them.
 */
class AccountRiskContext implements RiskContext {
  readonly quoteCurrency: string;
  readonly equity: number;
  private freeQuoteValue: number | undefined;
  private positionList: RiskContext["positions"] | undefined;
  private openOrderList: RiskContext["openOrders"] | undefined;

  constructor(
    readonly now: number,
    private readonly ledger: Ledger,
    private readonly orders: OrderManager,
    readonly lastPrices: ReadonlyMap<string, number>,
    readonly orderBooks: ReadonlyMap<string, OrderBook>,
    readonly instruments: ReadonlyMap<string, Instrument>,
    readonly fees: FeeSchedule,
    readonly recentClosedTrades: readonly RiskClosedTrade[],
    readonly recentEntries: readonly RiskEntryRecord[],
  ) {
    this.quoteCurrency = ledger.quoteCurrency;
    this.equity = ledger.equity();
  }

  get freeQuote(): number {
    return (this.freeQuoteValue ??= this.ledger.balances().find((b) => b.asset === this.quoteCurrency)?.free ?? this.ledger.cash);
  }

  get positions(): RiskContext["positions"] {
    return (this.positionList ??= this.ledger.positions().map((p) => ({
      symbol: p.symbol,
      side: p.side,
      quantity: p.quantity,
      avgEntryPrice: p.avgEntryPrice,
      stopLoss: p.stopLoss,
      markPrice: Number.isFinite(p.markPrice) ? p.markPrice : undefined,
      strategyInstanceId: p.strategyInstanceId,
    })));
  }

  get openOrders(): RiskContext["openOrders"] {
    return (this.openOrderList ??= this.orders.openOrders());
  }
}

function closedPositionOf(trade: import("../portfolio").LedgerClosedTrade): LedgerPosition {
  return {
    id: trade.positionId,
    mode: trade.mode,
    symbol: trade.symbol,
    side: trade.side,
    quantity: 0,
    avgEntryPrice: trade.entryPrice,
    realizedPnl: trade.pnl,
    fees: trade.fees,
    openedAt: trade.openedAt,
    strategyInstanceId: trade.strategyInstanceId,
    sessionId: trade.sessionId,
    extremePrice: trade.exitPrice,
    entryReason: trade.entryReason,
    trailingActivationPct: null,
    trailingDistancePct: null,
    costBasis: 0,
    entryQuantity: trade.quantity,
    entryNotional: trade.quantity * trade.entryPrice,
    exitQuantity: trade.quantity,
    exitNotional: trade.quantity * trade.exitPrice,
    grossRealizedPnl: trade.pnl + trade.fees,
    updatedAt: trade.closedAt,
  };
}
