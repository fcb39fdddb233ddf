import type { Clock } from "../core/clock";
import type { EventBus } from "../core/event-bus";
import { AppError, errorMessage } from "../core/errors";
import { newClientOrderId } from "../core/ids";
import type { Logger } from "../core/logger";
import { floorToStep } from "../core/decimal";
import { addQty, ltQty, subQty } from "../core/quantity";
import type { RiskLimits } from "../config/risk-limits";
import { TERMINAL_ORDER_STATUSES, type Balance, type Candle, type Fill, type Instrument, type KernelMode, type Order, type OrderBook, type PositionSide, type TradingState } from "../model/types";
import { classifyOrderOutcome, classifyVenueFailure, isVenueError, orderGateway, PENDING_CLIENT_ORDER_ID, type NewOrder, type OrderGateway, type OrderStore, type OrderThrottle, type ExecutionVenue, type FeeSchedule, type VenueKind, type VenueOrderUpdate } from "../execution";
import { Ledger, checkExits, positionKey, type DustMoveStore, type LedgerPosition, type MoveToDustResult } from "../portfolio";
import {
  RiskEngine,
  type KillSwitch,
  type KillSwitchBypass,
  type KillSwitchVenuePort,
  type KillSwitchCloseOptions,
  type KillSwitchCloseResult,
  type KillSwitchPosition,
  type RiskClosedTrade,
  type RiskContext,
  type RiskDecision,
  type RiskEntryRecord,
  type RiskEvent,
  type RiskFuturesContext,
  type RiskOpenOrder,
  type RiskStateStore,
  realScheduler,
} from "../risk";
import type { EngineEvents } from "./events";
import { moveToDustDurably, type ReplayResult } from "./replay";
import { FillBooker, type BookedTrade } from "./fill-booker";
import { ExitGuard, MAX_BURST, OVERDUE_MS, type ExitAlarm, type ExitAlarmCode } from "./exit-guard";
import { futuresRiskContext, planVenueLiquidation, type AccountFutures } from "./futures-account";
import { DEFAULT_FUNDING_RATE, fundingCashFlow, fundingTimesBetween } from "../futures";
import { roundMoney } from "../core/decimal";
import type { FundingPayment } from "../portfolio";
import { perpExposures, type PerpExposure } from "./perp-exposure";

/**
 * One trading account: a mode's venue, order manager, ledger and risk engine. Each mode (ghost,
 * paper, live, backtest) has its own account, so each keeps its own positions and P&L; a mode switch
 * only changes which account receives new entries (see kernel.ts).
 */
export interface AccountOptions {
  mode: KernelMode;
  /** Handed to this account's order gateway (server/execution); the account keeps no reference to it. */
  venue: ExecutionVenue;
  orderStore: OrderStore;
  /** The venue's order-rate limits, shared by every account on the same venue account. */
  throttle?: OrderThrottle;
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
  /** Where moves to dust are stored before they are reported (replayed after a restart). Backtests omit it. */
  dustStore?: DustMoveStore;
  /** Wall time for operational timing (exit alarms within a second whatever the market clock's speed). Default: clock. */
  wallClock?: Clock;
  /** Fed with a synthetic trade at the trigger price before a protective exit (backtest fills at the level). */
  simulateExitAtTrigger?: boolean;
  killSwitch?: { maxDurationMs?: number; pollIntervalMs?: number; callTimeoutMs?: number };
  /** Called after every change of this account's kill-switch run (the kernel aggregates them). */
  onKillSwitchProgress?: () => void;
  /** What replaying the stored fills into the ledger learned (after a restart). */
  restored?: ReplayResult;
  /**
   * TRADING_MARKET=futures (issue 15): the perpetuals the account trades (leverage, margin mode,
   * brackets). The risk context then carries RiskContext.futures, so the perp-only checks run on
   * their orders. Absent: spot only (the context has no futures side, as before).
   */
  futures?: AccountFutures;
}

export interface SubmitResult {
  decision: RiskDecision;
  order?: Order;
  /** A close that found only dust below the venue's minimums: no order, the remainder was recorded as dust. */
  dust?: { symbol: string; quantity: number; reason: string };
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_ORDER_STATUSES);
const ENTRY_RETENTION_MS = 48 * 3_600_000;
const OBSERVE_EVERY_MS = 60_000;

/** Percentage points below risk.liquidationWarnPct the liquidation risk must fall before a new warning. */
export const LIQUIDATION_WARN_REARM_POINTS = 5;

export class TradingAccount {
  readonly mode: KernelMode;
  /** The only road to the venue: sends nothing without this account's risk approval. */
  readonly #gateway: OrderGateway;
  /** Where the reconciliation actions store the order and fill they book (adopt, mark closed). */
  readonly #reconciliationStore: OrderStore;
  readonly ledger: Ledger;
  readonly risk: RiskEngine;
  readonly killSwitch: KillSwitch;
  readonly lastPrices = new Map<string, number>();
  /** Symbols whose last price is still a warm-up candle's (a live price replaces it, never the reverse). */
  readonly #pricesFromHistory = new Set<string>();
  readonly books = new Map<string, OrderBook>();

  private readonly clock: Clock;
  private readonly bus: EventBus<EngineEvents>;
  private readonly logger: Logger;
  private readonly instruments: ReadonlyMap<string, Instrument>;
  private readonly fees: FeeSchedule;
  private readonly simulateExitAtTrigger: boolean;
  /** The one fill-booking path (shared with replay): side fix, ledger, trade origins, recent trades and entries. */
  private readonly booker: FillBooker;
  /** Positions with an exit order in flight: a second trigger must not send a second exit. */
  private readonly exitsInFlight = new Set<string>();
  /**
   * Exit orders the risk engine approved that the order gateway has not yet answered for (between the
   * approval and the order's arrival in the open orders): the risk context counts them as working, so a
   * second exit in that window cannot sell what they already sell (exit-sanity, EXIT_ALREADY_WORKING).
   */
  readonly #exitsSending = new Map<string, RiskOpenOrder>();
  /** The gateway's client order id source: an exit gets its id before approval, so the sending one and the open one are the same order. */
  readonly #newOrderId: () => string;
  /** (symbol, instance) with an entry order in flight: a repeated signal must not double the position. */
  private readonly entriesInFlight = new Set<string>();
  private lastObservedAt = Number.NEGATIVE_INFINITY;
  private lastObservedEquity = Number.NaN;
  /** Backtests build their own equity curve; live accounts publish a point a minute. */
  private readonly publishEquity: boolean;
  private lastState: TradingState;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly exitGuard: ExitGuard;
  private readonly wallClock: Clock;
  private readonly dustStore: DustMoveStore | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Final state of recent exit orders (an update can repeat a terminal state; the kill switch reads the venue's reason). */
  private readonly finishedExits = new Map<string, Order>();
  /** Exits that ran out of liquidity (a market order that expired), waiting for the next book or price. */
  private readonly exitsAwaitingLiquidity = new Map<string, Order>();
  /** Consecutive exits that expired with nothing filled, per position key. */
  private readonly dryExits = new Map<string, number>();
  /** Position keys with a partial close working: its end is not a failed full exit (no retry, no alarm). */
  private readonly partialExits = new Set<string>();
  /** Exit reason of the exit in flight per position key, for retries. */
  private readonly exitReasons = new Map<string, { exitReason: NonNullable<NewOrder["exitReason"]>; reason: string; signalId?: string }>();
  /** The futures side of the account (TRADING_MARKET=futures); undefined for spot. */
  readonly futures: AccountFutures | undefined;
  /** Perp symbols whose liquidation risk reached the warning level (warned once until it falls back). */
  readonly #liquidationWarned = new Set<string>();
  /** Perp symbols the liquidation guard is closing (one critical event per crossing). */
  readonly #liquidationClosing = new Set<string>();
  /** Futures: the market time funding was last looked at (funding times after it are due). */
  #fundingCheckedAt: number | undefined;
  /** Live futures: a funding time the venue's income is awaited for, until when, and the last poll. */
  #fundingAwaited: { since: number; until: number; polledAt: number } | undefined;
  /** Live futures: venue income records already booked. */
  readonly #fundingSeen = new Set<string>();
  /** Live futures: trades of the venue's own liquidation orders already booked (bookVenueLiquidation). */
  readonly #venueLiquidationFills = new Set<string>();

  private constructor(options: AccountOptions, risk: RiskEngine) {
    this.mode = options.mode;
    this.futures = options.futures;
    this.#newOrderId = options.newClientOrderId ?? newClientOrderId;
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
    this.exitGuard = new ExitGuard(options.mode);
    this.wallClock = options.wallClock ?? options.clock;
    this.dustStore = options.dustStore;
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    if (options.restored && options.restored.booker.ledger === options.ledger) this.booker = options.restored.booker;
    else {
      this.booker = new FillBooker(options.ledger);
      if (options.restored) this.booker.seed(options.restored);
    }
    this.#reconciliationStore = options.orderStore;
    this.#gateway = orderGateway({
      venue: options.venue,
      store: options.orderStore,
      mode: options.mode,
      clock: options.clock,
      logger: options.logger,
      newClientOrderId: options.newClientOrderId,
      sleep: options.sleep,
      throttle: options.throttle,
    })({
      approvals: risk.approvals,
      // An engine-held stop is decided again when it triggers: the account may have changed since.
      authorizeTriggeredStop: (request) => {
        const { decision, approval } = this.risk.authorize(request, this.riskContext());
        this.publishStateIfChanged();
        return { approval, message: `${decision.code}: ${decision.message}` };
      },
    });
    this.#gateway.events.on("order.updated", (order) => this.onOrderUpdated(order));
    this.#gateway.events.on("order.fill", ({ fill, order }) => this.onFill(fill, order));
    this.#gateway.events.on("execution.warning", (w) =>
      this.bus.emit("warning", { code: w.code, message: w.message, mode: this.mode, at: this.clock.now() }),
    );
    this.killSwitch = risk.createKillSwitch(this.killSwitchPort(), {
      // Its deadlines and call timeouts are operational: wall time, whatever the market clock's speed (at
      // SIM_SPEED=60 a market-clock budget left each close 1 s of real time and the run gave up).
      scheduler: realScheduler(this.wallClock),
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
      // Operational breakers (venue errors) count in wall time, whatever the market clock's speed.
      wallClock: options.wallClock ?? options.clock,
      // In live mode the live rulebook and the position ramp apply on top of the limits.
      mode: options.mode,
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

  /** The venue this account trades on, by kind ("ghost" | "paper" | "live") and id. */
  get venueKind(): VenueKind {
    return this.#gateway.kind;
  }

  get venueId(): string {
    return this.#gateway.venueId;
  }

  /** Orders this account has open (the order manager's view). */
  openOrders(): Order[] {
    return this.#gateway.openOrders();
  }

  /** Open orders as the venue reports them (read-only). */
  venueOpenOrders(): Promise<VenueOrderUpdate[]> {
    return this.#gateway.fetchOpenOrders();
  }

  /** Balances as the venue reports them (read-only; live arming checks the keys with it). */
  venueBalances(): Promise<Balance[]> {
    return this.#gateway.fetchBalances();
  }

  /** Start-up recovery with the venue, before start() and before any strategy. */
  reconcile(symbols: readonly string[]) {
    return this.#gateway.reconcile(symbols);
  }

  async start(): Promise<void> {
    await this.#gateway.start();
  }

  async stop(): Promise<void> {
    this.#gateway.detach();
    await this.idle();
    await this.risk.flush();
    await this.#gateway.stopVenue();
  }

  /** Wait for every order the account started (tests and the backtester use this). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    await this.#gateway.idle();
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
    this.#pricesFromHistory.delete(candle.symbol);
    this.lastPrices.set(candle.symbol, candle.close);
    this.#gateway.onMarket({ type: "candle", candle });
    if (this.exitsAwaitingLiquidity.size) this.resumeExits(candle.symbol);
    const positions = this.ledger.openPositionsOf(candle.symbol);
    if (positions.length) this.checkProtectiveExits(positions, candle, candle.openTime);
    this.ledger.markCandle(candle);
    if (this.futures) this.bookFundingDue();
    if (positions.length && this.futures?.contracts.has(candle.symbol)) this.guardLiquidation(candle.symbol);
    this.observe();
  }

  /**
   * A historical candle (warm-up): the marks, and for a live venue (which prices its own orders) the
   * last known price, so a person's order right after a restart is sized before the first ticker. A
   * simulated venue fills only on live prices: its account waits for them too, rather than passing a
   * risk check on a price its venue would then reject. A price the live stream brought is kept.
   */
  markHistory(candle: Candle): void {
    // A position is marked by live prices only: an old candle's price must never move its stops (a
    // warm-up running in the background after an entry armed a trailing stop from an old high).
    if (this.ledger.openPositionsOf(candle.symbol).length > 0) return;
    if (this.venueKind !== "live") {
      if (!this.lastPrices.has(candle.symbol)) this.ledger.mark(candle.symbol, candle.close);
      return;
    }
    if (this.lastPrices.has(candle.symbol) && !this.#pricesFromHistory.has(candle.symbol)) return;
    this.#pricesFromHistory.add(candle.symbol);
    this.lastPrices.set(candle.symbol, candle.close);
    this.ledger.mark(candle.symbol, candle.close);
  }

  /** A traded price between candles (live and paper): marks and protective exits react at once. */
  onPrice(symbol: string, price: number, timestamp: number): void {
    if (!(price > 0) || !Number.isFinite(price)) return;
    this.#pricesFromHistory.delete(symbol);
    this.lastPrices.set(symbol, price);
    this.#gateway.onMarket({ type: "trade", symbol, price, timestamp });
    // With a book, only a new book brings new liquidity; without one, a new price does.
    if (this.exitsAwaitingLiquidity.size && !this.books.has(symbol)) this.resumeExits(symbol);
    const positions = this.ledger.openPositionsOf(symbol);
    if (positions.length) this.checkProtectiveExits(positions, price, timestamp);
    this.ledger.mark(symbol, price);
    if (this.futures) this.bookFundingDue();
    if (positions.length && this.futures?.contracts.has(symbol)) this.guardLiquidation(symbol);
  }

  /**
   * Funding (futures, issue 15), looked at on every mark: at each funding time (every 8 h, 00:00,
   * 08:00, 16:00 UTC) every open perp position pays or receives funding = side × size × mark × rate
   * (server/futures fundingCashFlow). Paper, ghost and backtest compute it at the first mark after the
   * funding time, with the stored rate (AccountFutures.fundingRate) or DEFAULT_FUNDING_RATE; live books
   * what the venue booked (AccountFutures.fundingIncome), polled for up to 5 minutes after the funding
   * time. Each payment goes on the ledger (cash, the position's fundingPaid, P&L) and to the store.
   */
  private bookFundingDue(): void {
    const futures = this.futures!;
    const now = this.clock.now();
    const from = this.#fundingCheckedAt;
    if (from === undefined || now > from) this.#fundingCheckedAt = now;
    if (this.venueKind === "live") {
      if (!futures.fundingIncome) return;
      if (from !== undefined && now > from) {
        const times = fundingTimesBetween(from, now);
        if (times.length) this.#fundingAwaited = { since: times[0] - 60_000, until: this.wallClock.now() + 300_000, polledAt: Number.NEGATIVE_INFINITY };
      }
      const awaited = this.#fundingAwaited;
      const wall = this.wallClock.now();
      if (!awaited) return;
      if (wall > awaited.until) {
        this.#fundingAwaited = undefined;
        return;
      }
      if (wall - awaited.polledAt < 10_000) return;
      awaited.polledAt = wall;
      this.track(this.bookVenueFunding(awaited.since));
      return;
    }
    if (from === undefined || !(now > from)) return;
    for (const time of fundingTimesBetween(from, now)) {
      for (const symbol of futures.contracts.keys()) {
        const open = this.ledger.openPositionsOf(symbol);
        if (open.length === 0) continue;
        const mark = this.ledger.markPrice(symbol);
        if (!(mark > 0)) continue;
        const rate = futures.fundingRate?.(symbol, time) ?? DEFAULT_FUNDING_RATE;
        for (const p of [...open]) {
          const cashFlow = fundingCashFlow(p.side, p.quantity, mark, rate);
          if (cashFlow === 0) continue;
          this.bookFunding({ symbol, ...(p.strategyInstanceId !== undefined ? { strategyInstanceId: p.strategyInstanceId } : {}), cashFlow, timestamp: time, fundingRate: rate, markPrice: mark });
        }
      }
    }
  }

  /** Live futures: book the venue's funding income since a time (each record once), split over the ledger's positions of its symbol by size. */
  private async bookVenueFunding(since: number): Promise<void> {
    let incomes: readonly { symbol: string; amount: number; time: number; id?: string }[];
    try {
      incomes = await this.futures!.fundingIncome!(since);
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, "the venue's funding income could not be read: retrying");
      return;
    }
    for (const income of incomes) {
      const seen = income.id ?? `${income.symbol}:${income.time}:${income.amount}`;
      if (this.#fundingSeen.has(seen) || !(Number.isFinite(income.amount) && income.amount !== 0)) continue;
      this.#fundingSeen.add(seen);
      const open = [...this.ledger.openPositionsOf(income.symbol)];
      if (open.length === 0) {
        this.logger.warn({ symbol: income.symbol, amount: income.amount }, "the venue booked funding for a symbol the ledger holds no position in: not booked");
        continue;
      }
      const total = open.reduce((sum, p) => sum + p.quantity, 0);
      let left = income.amount;
      open.forEach((p, i) => {
        const share = i === open.length - 1 ? roundMoney(left) : roundMoney((income.amount * p.quantity) / total);
        left -= share;
        if (share !== 0) this.bookFunding({ symbol: income.symbol, ...(p.strategyInstanceId !== undefined ? { strategyInstanceId: p.strategyInstanceId } : {}), cashFlow: share, timestamp: income.time });
      });
    }
    if (this.#fundingAwaited && incomes.length > 0) this.#fundingAwaited = undefined;
  }

  private bookFunding(payment: FundingPayment): void {
    let outcome;
    try {
      outcome = this.ledger.applyFunding(payment);
    } catch (err) {
      this.logger.error({ err, symbol: payment.symbol }, "a funding payment could not be booked");
      return;
    }
    const store = this.futures?.fundingStore;
    if (store) this.track(store.recordFunding(this.mode, payment).catch((err) => this.logger.error({ err, symbol: payment.symbol }, "a funding payment could not be stored: a restart will not know it")));
    this.bus.emit("position", { ...outcome.position, status: "open" });
  }

  /** The futures positions by symbol with margin, liquidation price and risk at mark (empty for spot). */
  perpExposures(): Map<string, PerpExposure> {
    return this.futures ? perpExposures(this.ledger, this.futures, this.risk.limits) : new Map();
  }

  /**
   * The futures account at a glance (GET /api/risk), undefined for spot:
   * - margin balance = wallet (starting cash + realized P&L, fees and funding included) + unrealised P&L of the perps;
   * - marginUtilisationPct = Σ initial margin of the open perp positions at mark / margin balance × 100;
   * - liquidationRiskPct = the highest liquidation risk of any perp position (0 when flat).
   */
  futuresFigures(): { walletBalance: number; marginBalance: number; marginUsed: number; marginUtilisationPct: number; liquidationRiskPct: number } | undefined {
    if (!this.futures) return undefined;
    const exposures = [...this.perpExposures().values()];
    const walletBalance = roundMoney(this.ledger.startingCash + this.ledger.realizedPnl);
    const marginBalance = roundMoney(walletBalance + exposures.reduce((sum, e) => sum + e.unrealizedPnl, 0));
    const marginUsed = roundMoney(exposures.reduce((sum, e) => sum + e.marginUsed, 0));
    const marginUtilisationPct = marginUsed === 0 ? 0 : marginBalance > 0 ? (marginUsed / marginBalance) * 100 : Number.POSITIVE_INFINITY;
    const liquidationRiskPct = exposures.reduce((max, e) => Math.max(max, e.liquidationRiskPct), 0);
    return { walletBalance, marginBalance, marginUsed, marginUtilisationPct, liquidationRiskPct };
  }

  /**
   * The liquidation guard (issue 15), on every mark of a perp the account holds: liquidation risk =
   * the share of the distance from entry to the liquidation price the mark has covered (see
   * server/futures). At risk.liquidationWarnPct (80 %) a warning risk event, once until the risk falls
   * back below it by LIQUIDATION_WARN_REARM_POINTS; at risk.liquidationClosePct (90 %) a critical event and a reduce-only market close
   * of every position of the symbol through the risk engine (exit reason liquidation_guard), before
   * the venue liquidates it.
   */
  private guardLiquidation(symbol: string): void {
    const exposure = perpExposures(this.ledger, this.futures!, this.risk.limits).get(symbol);
    if (!exposure || exposure.action === "none") {
      // The warning re-arms only once the risk is clearly back down (LIQUIDATION_WARN_REARM_POINTS below
      // the warn level): marks from different streams arrive slightly out of order, and a risk hovering
      // at 80 % must not warn on every tick.
      if (!exposure || exposure.liquidationRiskPct < this.risk.limits.liquidationWarnPct - LIQUIDATION_WARN_REARM_POINTS) this.#liquidationWarned.delete(symbol);
      this.#liquidationClosing.delete(symbol);
      return;
    }
    const now = this.clock.now();
    const limits = this.risk.limits;
    const data = {
      symbol,
      side: exposure.side,
      quantity: exposure.quantity,
      entryPrice: exposure.entryPrice,
      markPrice: exposure.markPrice,
      liquidationPrice: exposure.liquidationPrice,
      liquidationRiskPct: exposure.liquidationRiskPct,
      leverage: exposure.leverage,
      marginMode: exposure.marginMode,
      warnPct: limits.liquidationWarnPct,
      closePct: limits.liquidationClosePct,
    };
    const figures = `${symbol} ${exposure.side} ${exposure.quantity} at ${exposure.entryPrice}: mark ${exposure.markPrice}, liquidation ${exposure.liquidationPrice ?? "none"}, ${exposure.liquidationRiskPct.toFixed(1)} % of the distance covered`;
    if (!this.#liquidationWarned.has(symbol)) {
      this.#liquidationWarned.add(symbol);
      this.risk.reportWarning({ code: "LIQUIDATION_RISK_WARNING", message: `liquidation risk at or above ${limits.liquidationWarnPct} %: ${figures}`, data, at: now });
    }
    if (exposure.action !== "close") return;
    const text = `liquidation guard: ${exposure.liquidationRiskPct.toFixed(1)} % ≥ ${limits.liquidationClosePct} % of the distance to the liquidation price covered (${figures})`;
    if (!this.#liquidationClosing.has(symbol)) {
      this.#liquidationClosing.add(symbol);
      this.risk.reportWarning({ code: "LIQUIDATION_GUARD_CLOSE", severity: "critical", message: `closing before the venue liquidates: ${text}`, data, at: now });
    }
    for (const position of this.ledger.openPositionsOf(symbol)) {
      const key = positionKey(position.symbol, position.strategyInstanceId);
      if (this.exitsInFlight.has(key) || this.exitsAwaitingLiquidity.has(key)) continue;
      if (!this.exitGuard.mayAutoExit(key, this.wallClock.now())) continue;
      this.track(
        this.closePosition(position, { exitReason: "liquidation_guard", reason: text }).catch((err) =>
          this.logger.error({ err, symbol }, "liquidation guard close failed"),
        ),
      );
    }
  }

  onOrderBook(book: OrderBook): void {
    this.books.set(book.symbol, book);
    this.#gateway.onMarket({ type: "book", book });
    if (this.exitsAwaitingLiquidity.size) this.resumeExits(book.symbol);
  }

  /** Exits whose market order ran out of liquidity go again on the next book (or price) of their symbol. */
  private resumeExits(symbol: string): void {
    for (const [key, order] of this.exitsAwaitingLiquidity) {
      if (order.symbol !== symbol) continue;
      this.exitsAwaitingLiquidity.delete(key);
      this.track(this.retryExit(key, order, "now"));
    }
  }

  private checkProtectiveExits(positions: readonly LedgerPosition[], bar: Candle | number, at: number): void {
    for (let i = 0; i < positions.length; i++) {
      const position = positions[i];
      const key = positionKey(position.symbol, position.strategyInstanceId);
      // An exit waiting for liquidity counts as working: re-sending it into the same book finds nothing.
      const inFlight = this.exitsInFlight.has(key) || (this.exitsAwaitingLiquidity.size > 0 && this.exitsAwaitingLiquidity.has(key));
      if (inFlight && !this.exitGuard.has(key) && !this.simulateExitAtTrigger) {
        // An exit is working: is it overdue? (cheap: only while an exit is in flight)
        const trigger = checkExits(position, bar, at);
        if (trigger) this.watchOverdueExit(key, position, trigger.text);
        continue;
      }
      if (inFlight) continue;
      const trigger = checkExits(position, bar, at);
      if (!trigger) continue;
      if (!this.simulateExitAtTrigger) this.watchOverdueExit(key, position, trigger.text);
      if (!this.exitGuard.mayAutoExit(key, this.wallClock.now())) continue;
      if (this.simulateExitAtTrigger) {
        this.#gateway.onMarket({ type: "trade", symbol: position.symbol, price: trigger.price, timestamp: at });
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
    if (this.publishEquity) {
      const snapshot = this.ledger.snapshot(now);
      if (this.bus.hasListeners("equity")) this.bus.emit("equity", { ...snapshot, mode: this.mode });
    }
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
    this.booker.pruneEntries(cutoff);
    const ctx = new AccountRiskContext(now, this.ledger, this.#gateway, this.#exitsSending, this.lastPrices, this.books, this.instruments, this.fees, this.booker.recentClosedTrades, this.booker.recentEntries);
    if (this.futures) ctx.futures = futuresRiskContext(this.ledger, this.futures);
    return ctx;
  }

  /**
   * Every order goes through here: risk first, then the order manager (which persists the order
   * before the venue sees it). A denial is a risk event, never an exception.
   */
  async submit(request: NewOrder, options: { bypass?: KillSwitchBypass } = {}): Promise<SubmitResult> {
    const now = this.clock.now();
    const isEntry = request.intent === "entry";
    // An exit carries its id from the start: while it is being sent it counts as working (#exitsSending).
    const clientOrderId = request.clientOrderId ?? (isEntry ? undefined : this.#newOrderId());
    const full = { ...request, clientOrderId: clientOrderId ?? PENDING_CLIENT_ORDER_ID, createdAt: request.createdAt ?? now };
    const { decision, approval } = this.risk.authorize(full, this.riskContext(now), { killSwitchBypass: options.bypass });
    this.publishStateIfChanged();
    if (!decision.allowed || !approval) return { decision };
    const key = positionKey(request.symbol, request.strategyInstanceId);
    if (!isEntry) this.#exitsSending.set(full.clientOrderId, { ...full, filledQuantity: 0, reduceOnly: full.reduceOnly === true, status: "new" });
    const guard = isEntry ? this.entriesInFlight : this.exitsInFlight;
    guard.add(key);
    const riskChecks = decision.checks.map(riskCheckRecord);
    try {
      const sent = await this.#gateway.submit(approval, { riskChecks });
      if (!sent.sent) {
        // The gateway held it back (the venue's order-rate limit): nothing reached the venue.
        guard.delete(key);
        this.bus.emit("warning", { code: sent.code, message: `${request.intent} ${request.side} ${request.symbol} not sent: ${sent.message}`, mode: this.mode, at: now });
        return { decision: { ...decision, allowed: false, code: sent.code, message: sent.message } };
      }
      const order = sent.order;
      // A resting order keeps the guard until it ends (onOrderUpdated releases it).
      if (TERMINAL.has(order.status)) guard.delete(key);
      if (isEntry && order.status !== "rejected") this.booker.recordEntry({ clientOrderId: order.clientOrderId, symbol: order.symbol, at: now });
      // Only real faults count towards the breaker: an expired IOC or a market order out of book is an outcome.
      const fault = classifyOrderOutcome(order);
      if (fault) {
        this.risk.recordVenueError({ ...fault, at: now });
        this.publishStateIfChanged();
      }
      return { decision, order };
    } catch (err) {
      guard.delete(key);
      const fault = classifyVenueFailure(err);
      if (fault) this.risk.recordVenueError({ ...fault, at: now });
      this.publishStateIfChanged();
      throw err;
    } finally {
      if (!isEntry) this.#exitsSending.delete(full.clientOrderId);
    }
  }

  /**
   * The risk decision submit() would get for this request now, with nothing sent, stored or counted
   * (no risk event, no remembered entry, no order-rate use): the order ticket's preview.
   */
  previewOrder(request: NewOrder): RiskDecision {
    const now = this.clock.now();
    const full = { ...request, clientOrderId: request.clientOrderId ?? PENDING_CLIENT_ORDER_ID, createdAt: request.createdAt ?? now };
    const decision = this.risk.preview(full, this.riskContext(now));
    this.publishStateIfChanged();
    return decision;
  }

  /** Cancel one of this account's working orders at the venue (through the order gateway); the order as it now is. */
  cancelOrder(clientOrderId: string): Promise<Order> {
    return this.#gateway.cancel(clientOrderId);
  }

  /**
   * A reduce-only market order for the whole position (protective exits, signals, manual close, kill
   * switch, session end). It sells what is there: min(position, what the venue reports free of the
   * base asset), floored to the lot step. What is left below the venue's minimums is dust: recorded as
   * such, never an open position that can never close. A failure is handled by the exit guard.
   */
  async closePosition(
    position: Pick<LedgerPosition, "id" | "symbol" | "side" | "quantity" | "strategyInstanceId" | "sessionId">,
    exit: { exitReason: NonNullable<NewOrder["exitReason"]>; reason: string; bypass?: KillSwitchBypass; signalId?: string; quantity?: number },
  ): Promise<SubmitResult> {
    const key = positionKey(position.symbol, position.strategyInstanceId);
    if (exit.quantity !== undefined) {
      const partial = this.partialExitSize(position, exit.quantity);
      if (partial !== undefined) return this.closePart(position, exit, partial);
    }
    // Another exit of this position is working (a person's second "sell all" while the first is still at
    // the venue): the venue's free balance no longer says what the position holds (the working order locks
    // or already sold part of it), so no balance read and no shortfall alarm; the risk engine refuses what
    // the working exits do not leave free (exit-sanity, EXIT_ALREADY_WORKING), nothing is sent.
    if (!exit.bypass && this.workingExitOf(position)) {
      const unread = this.exitSize(position, undefined);
      if (!unread.dust) return this.submit(this.closeRequest(position, unread.quantity, exit));
    }
    // Mark the exit as working before any await: a second trigger on the same candle must not send a second close.
    const reserved = !this.exitsInFlight.has(key);
    this.exitsInFlight.add(key);
    // A remainder below the venue's minimum is dust whatever the venue holds: no balance read for it.
    const read = this.needsFreeBalance(position) && !this.exitSize(position, undefined).dust ? this.freeBalances(position.symbol) : undefined;
    const balances = read instanceof Promise ? await read : read;
    const size = this.exitSize(position, balances);
    if (size.dust || size.shortfall) {
      if (reserved) this.exitsInFlight.delete(key);
    }
    if (size.dust) {
      const dust = await this.moveToDust(position, size.dust);
      return { decision: this.exitVerdict(true, "EXIT_DUST", size.dust), dust };
    }
    if (size.shortfall) {
      this.exitGuard.noteAttempt(key, this.wallClock.now());
      this.raiseExitAlarm(key, position, "EXIT_REJECTED", size.shortfall, size.quantity);
      return { decision: this.exitVerdict(false, "EXIT_VENUE_HOLDS_LESS", size.shortfall) };
    }
    this.exitReasons.set(key, { exitReason: exit.exitReason, reason: exit.reason, signalId: exit.signalId });
    this.exitGuard.noteAttempt(key, this.wallClock.now());
    return this.submit(this.closeRequest(position, size.quantity, exit), { bypass: exit.bypass });
  }

  private closeRequest(
    position: Pick<LedgerPosition, "symbol" | "side" | "strategyInstanceId" | "sessionId">,
    quantity: number,
    exit: { exitReason: NonNullable<NewOrder["exitReason"]>; reason: string; signalId?: string },
  ): NewOrder {
    return {
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
    };
  }

  /** A reducing order of this position is working (open at the venue or being sent). */
  private workingExitOf(position: Pick<LedgerPosition, "symbol" | "side" | "strategyInstanceId">): boolean {
    for (const o of this.#exitsSending.values()) if (reducesPosition(o as Order, position)) return true;
    const open = this.#gateway.openOrders();
    for (let i = 0; i < open.length; i++) if (reducesPosition(open[i], position)) return true;
    return false;
  }

  /**
   * A person's order that reduces a position they hold (POST /api/orders against a manual position).
   * At market it is a close of that quantity (the whole position when it reaches it). A limit order
   * for part of the position is sent reduce-only; when it fills, the rest stays open: the exit guard
   * must not take the remainder for a failed full exit and sell it too.
   */
  async reduceByPerson(
    position: Pick<LedgerPosition, "id" | "symbol" | "side" | "quantity" | "strategyInstanceId" | "sessionId">,
    order: { type: "market" | "limit"; quantity: number; price?: number; reason: string },
  ): Promise<SubmitResult> {
    if (order.type === "market") return this.closePosition(position, { exitReason: "manual", reason: order.reason, quantity: order.quantity });
    const partial = this.partialExitSize(position, order.quantity) !== undefined;
    return this.sendReducing(position, { type: "limit", quantity: order.quantity, price: order.price, exitReason: "manual", reason: order.reason }, partial);
  }

  /**
   * A reduce-only order for part (or all) of a position. While a part is working, its end is not a
   * failed full exit: the exit guard neither retries the rest nor raises an alarm (partialExits).
   */
  private async sendReducing(
    position: Pick<LedgerPosition, "symbol" | "side" | "strategyInstanceId" | "sessionId">,
    order: { type: "market" | "limit"; quantity: number; price?: number; exitReason: NonNullable<NewOrder["exitReason"]>; reason: string; signalId?: string },
    partial: boolean,
  ): Promise<SubmitResult> {
    const key = positionKey(position.symbol, position.strategyInstanceId);
    if (partial) this.partialExits.add(key);
    const result = await this.submit({
      symbol: position.symbol,
      side: position.side === "long" ? "sell" : "buy",
      type: order.type,
      quantity: order.quantity,
      price: order.price,
      timeInForce: order.type === "limit" ? "GTC" : undefined,
      intent: "exit",
      reduceOnly: true,
      strategyInstanceId: position.strategyInstanceId,
      sessionId: position.sessionId,
      exitReason: order.exitReason,
      reason: order.reason,
      signalId: order.signalId,
    }).catch((err: unknown) => {
      if (partial) this.partialExits.delete(key);
      throw err;
    });
    // Finished already (or never sent): onExitFinished has nothing more to skip.
    if (partial && (!result.order || TERMINAL.has(result.order.status))) this.partialExits.delete(key);
    return result;
  }

  /**
   * A partial close's quantity (docs/api.md issue 21, positions.partialClose): floored to the lot step, or
   * undefined when it reaches the whole sellable position (then it is an ordinary full close).
   */
  private partialExitSize(position: Pick<LedgerPosition, "symbol" | "quantity">, requested: number): number | undefined {
    const step = this.instruments.get(position.symbol)?.stepSize ?? 0;
    const quantity = floorToStep(requested, step);
    return ltQty(quantity, floorToStep(position.quantity, step)) ? quantity : undefined;
  }

  /**
   * Part of a position at market, reduce-only, through risk like every order: still at most what the
   * venue holds free. A person's action: a failure is answered, not retried or alarmed by the exit guard.
   */
  private async closePart(
    position: Pick<LedgerPosition, "id" | "symbol" | "side" | "quantity" | "strategyInstanceId" | "sessionId">,
    exit: { exitReason: NonNullable<NewOrder["exitReason"]>; reason: string; signalId?: string },
    requested: number,
  ): Promise<SubmitResult> {
    // Another exit working is the risk engine's to judge: a part within what it leaves free passes,
    // more is refused before it is sent (exit-sanity, EXIT_ALREADY_WORKING).
    const instrument = this.instruments.get(position.symbol);
    const step = instrument?.stepSize ?? 0;
    const read = this.needsFreeBalance(position) ? this.freeBalances(position.symbol) : undefined;
    const balances = read instanceof Promise ? await read : read;
    const base = instrument?.base ?? position.symbol.split("/")[0];
    const free = balances?.find((b) => b.asset === base)?.free;
    const quantity = free !== undefined && ltQty(free, requested) ? floorToStep(free, step) : requested;
    const price = this.lastPrices.get(position.symbol);
    if (!(quantity > 0) || (instrument && (quantity < instrument.minQty || (price !== undefined && quantity * price < instrument.minNotional)))) {
      return { decision: this.exitVerdict(false, "EXIT_BELOW_MINIMUM", `${quantity} ${position.symbol} is below the venue's minimum order (step ${step}, min qty ${instrument?.minQty ?? 0}, min notional ${instrument?.minNotional ?? 0})`) };
    }
    return this.sendReducing(position, { type: "market", quantity, exitReason: exit.exitReason, reason: exit.reason, signalId: exit.signalId }, true);
  }

  /**
   * A session or the kill switch ended and these positions are still open: one alarm each, with the
   * cause (an exit's own rejection, when there was one, stays the alarm's reason). Returns how many.
   */
  reportLeftOpen(why: (position: LedgerPosition) => string | undefined): number {
    let count = 0;
    for (const position of this.ledger.positions()) {
      const reason = why(position);
      if (reason === undefined) continue;
      const key = positionKey(position.symbol, position.strategyInstanceId);
      count += 1;
      if (this.exitGuard.has(key)) continue;
      this.raiseExitAlarm(key, position, "POSITIONS_LEFT_OPEN", reason, position.quantity);
    }
    return count;
  }

  /** The account's exit alarms (see exit-guard.ts). */
  exitAlarms(): ExitAlarm[] {
    return this.exitGuard.list();
  }

  /** Spot longs sell base coins: the venue's free balance bounds what an exit can sell. */
  private needsFreeBalance(position: Pick<LedgerPosition, "side" | "symbol">): boolean {
    // A perpetual is a position on margin, not a coin balance: there is no base asset to read.
    return position.side === "long" && this.#gateway.kind !== "ghost" && !this.futures?.contracts.has(position.symbol);
  }

  /** The venue's balances; a synchronous read where the venue keeps them in process (no await: same-candle ordering holds). */
  private freeBalances(symbol: string): Balance[] | Promise<Balance[] | undefined> {
    const inProcess = this.#gateway.balanceList();
    if (inProcess) return inProcess;
    return this.#gateway.fetchBalances().catch((err) => {
      // Never block an exit on a balance read: send the position's quantity and let the venue judge.
      this.logger.warn({ err, symbol }, "free balance unknown before an exit; sending the position's quantity");
      return undefined;
    });
  }

  /** What an exit of this position can send now, or why it cannot. */
  private exitSize(position: Pick<LedgerPosition, "symbol" | "side" | "quantity">, balances: Balance[] | undefined): { quantity: number; dust?: string; shortfall?: string } {
    const instrument = this.instruments.get(position.symbol);
    const step = instrument?.stepSize ?? 0;
    const held = floorToStep(position.quantity, step);
    const price = this.lastPrices.get(position.symbol);
    if (belowVenueMinimum(held, instrument, price)) {
      return { quantity: 0, dust: `${position.quantity} ${position.symbol} is below the venue's minimum order (step ${step}, min qty ${instrument?.minQty ?? 0}, min notional ${instrument?.minNotional ?? 0}): recorded as dust` };
    }
    if (!balances) return { quantity: held };
    const base = instrument?.base ?? position.symbol.split("/")[0];
    const free = balances.find((b) => b.asset === base)?.free ?? 0;
    const quantity = ltQty(free, position.quantity) ? floorToStep(free, step) : held;
    if (belowVenueMinimum(quantity, instrument, price)) {
      return { quantity, shortfall: `the venue holds ${free} ${base} free, the position is ${position.quantity}: nothing sellable (a resting order may lock it, or the venue and the ledger disagree)` };
    }
    return { quantity };
  }

  private exitVerdict(allowed: boolean, code: string, message: string): RiskDecision {
    return { allowed, code, message, orderClass: "exit", tradingState: this.risk.state, checks: [] };
  }

  /** Close the position's sub-minimum remainder as dust (stored before it is reported) and resolve its alarm. */
  private async moveToDust(position: Pick<LedgerPosition, "id" | "symbol" | "strategyInstanceId">, reason: string): Promise<SubmitResult["dust"]> {
    const key = positionKey(position.symbol, position.strategyInstanceId);
    const now = this.clock.now();
    if (!this.ledger.positions().some((p) => p.id === position.id)) return { symbol: position.symbol, quantity: 0, reason };
    let moved: MoveToDustResult;
    if (this.dustStore) {
      try {
        moved = await moveToDustDurably({ ledger: this.ledger, store: this.dustStore, mode: this.mode, positionId: position.id, at: now, reason });
      } catch (err) {
        // The ledger moved, the store did not: after a restart the remainder reappears and is moved again.
        this.logger.error({ err, symbol: position.symbol }, "dust move not stored");
        throw err;
      }
    } else {
      moved = this.ledger.moveToDust(position.id, now, reason);
    }
    const before = moved.position;
    this.bus.emit("dust", { mode: this.mode, symbol: position.symbol, positionId: position.id, quantity: before.quantity, reason, at: now });
    this.bus.emit("position", { ...before, quantity: 0, status: "closed" });
    if (moved.closedTrade) this.publishClosedTrade(this.booker.closeTrade(moved.closedTrade, undefined));
    else this.booker.origins.delete(position.id);
    this.resolveExitAlarm(key, `${position.symbol} remainder ${before.quantity} recorded as dust`);
    return { symbol: position.symbol, quantity: before.quantity, reason };
  }

  private raiseExitAlarm(
    key: string,
    position: Pick<LedgerPosition, "id" | "symbol" | "side" | "quantity" | "strategyInstanceId">,
    code: ExitAlarmCode,
    reason: string,
    closableQuantity: number,
  ): void {
    const wallNow = this.wallClock.now();
    const isNew = this.exitGuard.raise(
      key,
      { positionId: position.id ?? null, symbol: position.symbol, side: position.side, strategyInstanceId: position.strategyInstanceId ?? null, quantity: position.quantity, closableQuantity, code, reason },
      wallNow,
    );
    if (isNew || code === "EXIT_REJECTED") {
      const attempts = this.exitGuard.attemptsOf(key);
      const words = code === "STOP_PASSED_OPEN" ? "stop passed, position still open" : code === "POSITIONS_LEFT_OPEN" ? "position left open" : "exit rejected";
      this.risk.reportExitFailure({
        code,
        message: `${position.side} ${position.quantity} ${position.symbol}: ${words} (attempt ${attempts}): ${reason}`,
        data: { symbol: position.symbol, side: position.side, quantity: position.quantity, positionId: position.id ?? null, attempts, reason },
        at: this.clock.now(),
      });
      this.publishStateIfChanged();
    }
    this.bus.emit("exit:alarm", { mode: this.mode, alarms: this.exitGuard.list() });
  }

  private resolveExitAlarm(key: string, why: string): void {
    this.dryExits.delete(key);
    this.exitsAwaitingLiquidity.delete(key);
    this.exitReasons.delete(key);
    if (!this.exitGuard.resolve(key)) return;
    if (this.exitGuard.size === 0) {
      this.risk.resolveExitFailures({ message: `every failed exit resolved (last: ${why})`, at: this.clock.now() });
      this.publishStateIfChanged();
    }
    this.bus.emit("exit:alarm", { mode: this.mode, alarms: this.exitGuard.list() });
  }

  /** A protective level is reached and an exit is working: alarm if the position outlives it by more than OVERDUE_MS. */
  private watchOverdueExit(key: string, position: LedgerPosition, text: string): void {
    const overdueMs = this.exitGuard.triggered(key, this.wallClock.now());
    if (overdueMs <= OVERDUE_MS || this.exitGuard.has(key)) return;
    this.raiseExitAlarm(key, position, "STOP_PASSED_OPEN", `${text}; the position is still open ${(overdueMs / 1000).toFixed(1)} s later`, position.quantity);
  }

  /**
   * A terminal exit order: the position is closed, dust, or the exit failed and the guard decides what next.
   * `sentHere`: this process sent it (its exit was in flight). One a previous run sent, whose end is
   * learned at the restart's reconciliation, comes with none of its intent (partialExits is memory):
   * if it was for less than the whole position it was a partial close, and the rest stays open
   * (selling it at start-up would close what a person chose to keep).
   */
  private onExitFinished(order: Order, sentHere = true): void {
    if (this.finishedExits.has(order.clientOrderId)) return;
    this.finishedExits.set(order.clientOrderId, order);
    if (this.finishedExits.size > 1_000) this.finishedExits.delete(this.finishedExits.keys().next().value!);
    const key = positionKey(order.symbol, order.strategyInstanceId);
    if (this.partialExits.delete(key)) return;
    const position = this.hasPosition(order.symbol, order.strategyInstanceId);
    const closingSide = order.side === "sell" ? "long" : "short";
    if (!position || position.side !== closingSide) {
      this.resolveExitAlarm(key, `${order.symbol} closed`);
      return;
    }
    if (!sentHere && this.wasPartialClose(order, position)) return;
    if (order.status === "filled") {
      // Sold what was there; the rest is dust, or the venue holds less than the ledger (an alarm).
      this.dryExits.delete(key);
      this.track(this.retryExit(key, order, "now"));
      return;
    }
    if (order.status === "expired") {
      // The book ran out: normal market behaviour, not a rejection. Go again when liquidity is new;
      // only exits that keep finding nothing at all become an alarm.
      const dry = order.filledQuantity > 0 ? 0 : (this.dryExits.get(key) ?? 0) + 1;
      this.dryExits.set(key, dry);
      if (dry >= MAX_BURST) {
        this.raiseExitAlarm(key, position, "EXIT_REJECTED", `${dry} exits in a row found no liquidity: ${order.error ?? "expired"}`, position.quantity);
      }
      this.exitsAwaitingLiquidity.set(key, order);
      return;
    }
    if (order.status === "cancelled" && order.exitReason === "kill_switch") return;
    const reason = order.error ?? `exit order ${order.status}`;
    this.raiseExitAlarm(key, position, "EXIT_REJECTED", reason, position.quantity);
    const plan = this.exitGuard.planRetry(key, reason);
    if (plan.kind === "flagged") {
      this.logger.error({ symbol: order.symbol, attempts: this.exitGuard.attemptsOf(key), reason }, "exit failed repeatedly: position flagged, automatic exits slowed down");
      return;
    }
    this.track(this.retryExit(key, order, plan.kind === "now" ? "now" : plan.delayMs));
  }

  /** The exit was sized for less than the position it reduced (its fills are booked: add them back). */
  private wasPartialClose(order: Order, position: LedgerPosition): boolean {
    const step = this.instruments.get(order.symbol)?.stepSize ?? 0;
    return ltQty(order.quantity, floorToStep(addQty(position.quantity, order.filledQuantity), step));
  }

  private async retryExit(key: string, order: Order, when: "now" | number): Promise<void> {
    if (when !== "now") await this.sleep(when);
    const position = this.hasPosition(order.symbol, order.strategyInstanceId);
    if (!position || this.exitsInFlight.has(key)) return;
    const exit = this.exitReasons.get(key) ?? { exitReason: order.exitReason ?? "signal", reason: order.reason ?? "retry of a failed exit" };
    try {
      await this.closePosition(position, exit);
    } catch (err) {
      this.logger.error({ err, symbol: order.symbol }, "exit retry failed");
    }
  }

  private onOrderUpdated(order: Order): void {
    // The order manager knows it now (open orders, or finished): no longer only "being sent".
    if (this.#exitsSending.size > 0) this.#exitsSending.delete(order.clientOrderId);
    this.bus.emit("order", order);
    if (TERMINAL.has(order.status)) {
      const key = positionKey(order.symbol, order.strategyInstanceId);
      if (order.intent === "entry") this.entriesInFlight.delete(key);
      else {
        const sentHere = this.exitsInFlight.delete(key);
        if (order.reduceOnly || order.intent === "exit") this.onExitFinished(order, sentHere);
      }
    }
  }

  private onFill(reported: Fill, order: Order): void {
    // A fill of an order has the order's side; booking a sell as a buy would double a position.
    if (reported.side !== order.side) {
      this.bus.emit("warning", { code: "FILL_SIDE_MISMATCH", message: `fill ${reported.venueTradeId} of ${order.clientOrderId} reported as ${reported.side}; booked as the order's ${order.side}`, mode: this.mode, at: reported.timestamp });
    }
    let booked;
    try {
      booked = this.booker.book(reported, order);
    } catch (err) {
      this.logger.error({ err, clientOrderId: reported.clientOrderId }, "the ledger refused a fill");
      this.bus.emit("warning", { code: "LEDGER_REFUSED_FILL", message: `fill of ${reported.clientOrderId} not booked: ${errorMessage(err)}`, mode: this.mode, at: reported.timestamp });
      return;
    }
    const { fill, outcome, trade } = booked;
    const bus = this.bus;
    // Payloads are copies: built only for events someone listens to (a backtest listens to few).
    if (bus.hasListeners("fill")) bus.emit("fill", { ...fill, mode: this.mode });
    const positions = bus.hasListeners("position");
    if (positions && outcome.position) bus.emit("position", { ...outcome.position, status: "open" });
    if (trade) {
      if (positions) {
        bus.emit("position", {
          ...(outcome.position && outcome.position.id === trade.positionId ? outcome.position : closedPositionOf(trade)),
          quantity: 0,
          status: "closed",
        });
      }
      this.publishClosedTrade(trade);
    }
    // The snapshot also raises the ledger's equity peak: taken whether or not anyone listens.
    const snapshot = this.ledger.snapshot(fill.timestamp);
    if (bus.hasListeners("equity")) bus.emit("equity", { ...snapshot, mode: this.mode });
    this.lastObservedAt = Number.NEGATIVE_INFINITY;
    this.observe();
  }

  /** The booker's state, for a ledger snapshot (engine/ledger-snapshot.ts). */
  bookingState() {
    return {
      attempts: this.booker.attempts,
      origins: [...this.booker.origins],
      recentClosedTrades: [...this.booker.recentClosedTrades],
      recentEntries: [...this.booker.recentEntries],
    };
  }

  private publishClosedTrade(trade: BookedTrade): void {
    this.bus.emit("trade", trade);
    if (trade.signalId && this.bus.hasListeners("signal:outcome")) {
      this.bus.emit("signal:outcome", {
        signalId: trade.signalId,
        mode: this.mode,
        outcome: trade.pnl > 0 ? "win" : "loss",
        exitPrice: trade.exitPrice,
        outcomePct: trade.pnlPct,
        at: trade.closedAt,
      });
    }
  }

  private onRiskEvent(event: RiskEvent): void {
    if (this.bus.hasListeners("risk:event")) this.bus.emit("risk:event", { ...event, mode: this.mode });
    this.publishStateIfChanged();
  }

  // ---- reconciliation actions (the panel's ports: server/golive/engine-ports.ts) ----

  /**
   * Book quantity the venue holds and the ledger does not (bought by hand, a deposit) as an open long
   * at `price` with the chosen stop. Durable like a fill: a filled order and its fill are stored first,
   * then booked through the one fill path (replayed after a restart). Nothing is sent to the venue.
   */
  async adoptHolding(input: { symbol: string; quantity: number; price: number; stopLoss: number; reason: string }): Promise<{ positionId: string; clientOrderId: string }> {
    const { symbol, quantity, price, stopLoss } = input;
    if (!this.instruments.has(symbol)) throw new AppError("VALIDATION", `adopt: ${symbol} is not an instrument of this venue`, 400);
    if (!(quantity > 0) || !Number.isFinite(quantity)) throw new AppError("VALIDATION", `adopt: quantity must be a positive number, got ${quantity}`, 400);
    if (!(price > 0) || !Number.isFinite(price)) throw new AppError("PRICE_UNAVAILABLE", `adopt: no usable price for ${symbol}`, 409);
    if (!(stopLoss > 0) || stopLoss >= price) throw new AppError("ADOPT_STOP_REQUIRED", `adopt: the stop must be below the price ${price}`, 400);
    if (this.hasPosition(symbol, undefined)) throw new AppError("POSITION_EXISTS", `adopt: the ledger already holds a manual ${symbol} position; close or adjust it first`, 409);
    const order = await this.bookReconciliationFill({ symbol, side: "buy", quantity, price, intent: "entry", stopLoss, reason: `adopted at reconciliation: ${input.reason}` }, "adopt");
    const position = this.hasPosition(symbol, undefined);
    if (!position) throw new AppError("LEDGER_REFUSED_FILL", `adopt: the ledger did not book ${quantity} ${symbol} (see the warnings)`, 500);
    return { positionId: position.id, clientOrderId: order.clientOrderId };
  }

  /**
   * Sell, at market through this account's risk engine and gateway, quantity the venue holds and the
   * ledger does not: it is adopted first (at the last price, without a stop) so the sale closes a
   * ledger position and leaves a trade, instead of a fill the ledger cannot book.
   */
  async closeHolding(input: { symbol: string; quantity: number; reason: string }): Promise<{ orderId: string }> {
    const price = this.lastPrices.get(input.symbol);
    if (price === undefined) throw new AppError("PRICE_UNAVAILABLE", `no price for ${input.symbol}: cannot close at market`, 409);
    const held = this.hasPosition(input.symbol, undefined);
    if (held) throw new AppError("POSITION_EXISTS", `the ledger already holds a manual ${input.symbol} position; close it from the positions page`, 409);
    await this.bookReconciliationFill({ symbol: input.symbol, side: "buy", quantity: input.quantity, price, intent: "entry", reason: `adopted to close at reconciliation: ${input.reason}` }, "adopt");
    const position = this.hasPosition(input.symbol, undefined);
    if (!position) throw new AppError("LEDGER_REFUSED_FILL", `the ledger did not book ${input.quantity} ${input.symbol} (see the warnings)`, 500);
    const result = await this.closePosition(position, { exitReason: "manual", reason: `closed at reconciliation: ${input.reason}` });
    if (!result.decision.allowed || !result.order) {
      throw new AppError("RISK_DENIED", `${input.symbol} is now a ledger position, but its close was not sent: ${result.decision.code}: ${result.decision.message}`, 422);
    }
    return { orderId: result.order.clientOrderId };
  }

  /**
   * The venue no longer holds what these ledger positions say (sold or withdrawn by hand): close each
   * at the last price with the reason, as a stored fill (replayed after a restart). Nothing is sent.
   */
  async markPositionsClosed(positionIds: readonly string[], reason: string): Promise<{ closed: string[] }> {
    const closed: string[] = [];
    for (const id of positionIds) {
      const position = this.ledger.positions().find((p) => p.id === id);
      if (!position) throw new AppError("NOT_FOUND", `no open position ${id} in the ${this.mode} ledger`, 404);
      const price = this.lastPrices.get(position.symbol) ?? (Number.isFinite(position.markPrice) ? position.markPrice : undefined);
      if (price === undefined || !(price > 0)) throw new AppError("PRICE_UNAVAILABLE", `no price for ${position.symbol}: cannot value the position it closes`, 409);
      await this.bookReconciliationFill(
        { symbol: position.symbol, side: position.side === "long" ? "sell" : "buy", quantity: position.quantity, price, intent: "exit", exitReason: "manual", strategyInstanceId: position.strategyInstanceId, sessionId: position.sessionId, reason: `marked closed at reconciliation: ${reason}` },
        "mark-closed",
      );
      closed.push(id);
    }
    return { closed };
  }

  /**
   * An order the ledger has open and the venue does not: settle it with the venue's own answer (its
   * fills, or cancelled); when the venue answers that it does not know the order, the person's word
   * closes it (cancelled with the reason, through the order manager's state machine, stored before
   * this resolves). `ORDER_NOT_SETTLED` (409) only when the venue could not be asked.
   */
  async settleMissingOrder(clientOrderId: string, reason: string): Promise<Order> {
    if (!this.#gateway.getOrder(clientOrderId)) throw new AppError("NOT_FOUND", `no open order ${clientOrderId} in the ${this.mode} account`, 404);
    try {
      return await this.#gateway.cancel(clientOrderId);
    } catch (err) {
      if (!(isVenueError(err) && err.code === "ORDER_NOT_FOUND")) {
        throw new AppError("ORDER_NOT_SETTLED", `the venue could not say what became of order ${clientOrderId} (${errorMessage(err)}); nothing was changed, try again`, 409);
      }
      return this.#gateway.markClosedByPerson(clientOrderId, `the venue does not know it: ${reason}`);
    }
  }

  /** Cancel an open order at the venue (one this process knows through its order manager, else directly at the venue). */
  async cancelVenueOrder(input: { symbol: string; venueOrderId: string }): Promise<{ clientOrderId: string }> {
    const found = (await this.#gateway.fetchOpenOrders(input.symbol)).find((o) => o.venueOrderId === input.venueOrderId || o.clientOrderId === input.venueOrderId);
    if (!found) throw new AppError("NOT_FOUND", `the venue has no open ${input.symbol} order ${input.venueOrderId}`, 404);
    if (this.#gateway.getOrder(found.clientOrderId)) await this.#gateway.cancel(found.clientOrderId);
    else await this.#gateway.cancelAtVenue(found.clientOrderId, found.symbol);
    return { clientOrderId: found.clientOrderId };
  }

  /**
   * Live futures: the venue liquidated (or auto-deleveraged) a position with an order of its own, which
   * the order manager does not know. Its fills close the ledger's positions of the symbol as exit
   * orders with exit reason "liquidation" (futures-account.ts planVenueLiquidation), each order and
   * fill stored before it is booked through the one fill path (replayed after a restart; a fill
   * already stored is not booked again); a critical risk event says what happened.
   */
  async bookVenueLiquidation(update: VenueOrderUpdate): Promise<void> {
    const fresh = update.fills.filter((f) => !this.#venueLiquidationFills.has(f.venueTradeId));
    if (fresh.length === 0) return;
    for (const f of fresh) this.#venueLiquidationFills.add(f.venueTradeId);
    const plan = planVenueLiquidation({ ...update, fills: fresh }, this.ledger.positions(), this.mode);
    for (const { order, fills } of plan.orders) {
      if (!(await this.#reconciliationStore.loadOrder(order.clientOrderId))) await this.#reconciliationStore.saveOrder(order);
      this.bus.emit("order", order);
      for (const fill of fills) if (await this.#reconciliationStore.saveFill(fill)) this.onFill(fill, order);
    }
    this.risk.reportWarning({ code: "VENUE_LIQUIDATION", severity: "critical", message: plan.message, data: plan.data, at: this.clock.now() });
  }

  /** A filled order and its fill, stored, then booked like a venue fill (published as order, fill, position, trade). */
  private async bookReconciliationFill(
    o: Pick<Order, "symbol" | "side" | "quantity" | "intent" | "reason" | "stopLoss" | "exitReason" | "strategyInstanceId" | "sessionId"> & { price: number },
    tag: string,
  ): Promise<Order> {
    const now = this.clock.now();
    const clientOrderId = `recon-${tag}-${this.mode}-${now}-${Math.random().toString(36).slice(2, 8)}`;
    const order: Order = {
      clientOrderId,
      symbol: o.symbol,
      side: o.side,
      type: "market",
      quantity: o.quantity,
      intent: o.intent,
      reduceOnly: o.intent === "exit",
      stopLoss: o.stopLoss,
      exitReason: o.exitReason,
      strategyInstanceId: o.strategyInstanceId,
      sessionId: o.sessionId,
      reason: o.reason,
      createdAt: now,
      mode: this.mode,
      status: "filled",
      filledQuantity: o.quantity,
      avgFillPrice: o.price,
      fee: 0,
      updatedAt: now,
    };
    const fill: Fill = { clientOrderId, venueTradeId: `${clientOrderId}-book`, symbol: o.symbol, side: o.side, price: o.price, quantity: o.quantity, fee: 0, liquidity: "taker", timestamp: now };
    await this.#reconciliationStore.saveOrder(order);
    await this.#reconciliationStore.saveFill(fill);
    this.bus.emit("order", order);
    this.onFill(fill, order);
    return order;
  }

  // ---- kill switch ----

  private killSwitchPort(): KillSwitchVenuePort {
    const gateway = this.#gateway;
    // Every request of the kill switch has priority at the venue (usage gate headroom, still within its limits).
    const urgent = <T>(fn: () => Promise<T>) => gateway.urgent(fn);
    // The closes of one round share one balance read, but a close joins only a read sent after its
    // symbol's cancels were done (a resting sell no longer locks the coins it sells).
    let step = 0;
    const cancelledAt = new Map<string, number>();
    let sharedRead: { sentAt: number; balances: Promise<Balance[] | undefined> } | undefined;
    const roundBalances = (symbol: string): Promise<Balance[] | undefined> => {
      if (sharedRead && sharedRead.sentAt > Math.max(cancelledAt.get(symbol) ?? 0, cancelledAt.get("*") ?? 0)) return sharedRead.balances;
      const read = { sentAt: ++step, balances: Promise.resolve<Balance[] | undefined>(undefined) };
      sharedRead = read;
      read.balances = gateway
        .fetchBalances()
        .then(
          (balances): Balance[] | undefined => balances,
          (err: unknown) => {
            // Never block the kill switch on a balance read: each close then asks on its own.
            this.logger.warn({ err }, "kill switch: free balances unknown before the closes");
            return undefined;
          },
        )
        .finally(() => {
          if (sharedRead === read) sharedRead = undefined;
        });
      return read.balances;
    };
    // The run's opening read (prepare): sent with the halt, ahead of the cancels. A symbol's close may
    // size from it, without a read of its own after its cancels, when nothing could have locked its
    // base asset: the read shows none locked and this process had no sell of that asset open or on
    // its way (the halt lets no new one out). Cancelling buys frees only the quote; a buy filling in
    // between only adds coins (the close then sells less and the confirmation closes the rest). Once
    // per symbol and run: a retry, or a second round, reads again.
    let opening: { balances: Promise<Balance[] | undefined>; sellingBases: Set<string>; used: Set<string> } | undefined;
    const baseOf = (symbol: string) => this.instruments.get(symbol)?.base ?? symbol.split("/")[0];
    const balancesFor = async (symbol: string): Promise<Balance[] | undefined> => {
      const run = opening;
      if (run && !run.used.has(symbol) && !run.sellingBases.has(baseOf(symbol))) {
        run.used.add(symbol);
        const balances = await run.balances;
        const base = balances?.find((b) => b.asset === baseOf(symbol));
        if (balances && !(base && base.locked > 0)) return balances;
      }
      return roundBalances(symbol);
    };
    // Its own order's final state (a market order's usually came with the venue's answer).
    const settled = (order: Order): Promise<Order> => {
      const known = () => gateway.getOrder(order.clientOrderId) ?? this.finishedExits.get(order.clientOrderId);
      const now = known() ?? order;
      if (TERMINAL.has(now.status)) return Promise.resolve(now);
      return new Promise((resolve) => {
        const off = gateway.events.on("order.updated", (o) => {
          if (o.clientOrderId !== order.clientOrderId || !TERMINAL.has(o.status)) return;
          off();
          resolve(o);
        });
      });
    };
    // Live futures: positions are listed from the venue (positionRisk) and closed to the venue's size.
    const venuePositions = gateway.kind === "live" ? this.futures?.venuePositions : undefined;
    /**
     * Close a perp position the venue reports (target: its side and size there) with reduce-only
     * market orders on the opposite side (a short closes with a buy). The ledger's positions of the
     * symbol and side close through the usual exit path, at most what the venue holds; what the venue
     * holds beyond them (opened by hand, or before a crash) is first booked into the ledger as a
     * reconciliation entry, then closed like the rest, so the ledger ends flat with the venue.
     */
    const closeVenuePerp = async (target: KillSwitchPosition, options: KillSwitchCloseOptions): Promise<KillSwitchCloseResult> => {
      const step = this.instruments.get(target.symbol)?.stepSize ?? 0;
      const held = () => this.ledger.positions().filter((p) => p.symbol === target.symbol && p.side === target.side);
      const ledgerQty = held().reduce((sum, p) => addQty(sum, p.quantity), 0);
      const extra = floorToStep(subQty(target.quantity, ledgerQty), step);
      if (extra > 0) {
        const price = this.lastPrices.get(target.symbol) ?? held()[0]?.markPrice;
        if (!(price !== undefined && price > 0)) throw new Error(`no price for ${target.symbol}: the venue's ${target.side} beyond the ledger cannot be booked`);
        await this.bookReconciliationFill(
          { symbol: target.symbol, side: target.side === "long" ? "buy" : "sell", quantity: extra, price, intent: "entry", reason: `venue ${target.side} the ledger did not know, booked to close by the kill switch` },
          "ks-adopt",
        );
      }
      let left = target.quantity;
      const sent: Order[] = [];
      for (const p of held()) {
        if (floorToStep(left, step) <= 0) break;
        const exit = { exitReason: "kill_switch" as const, reason: options.reason, bypass: options.bypass };
        const result = ltQty(left, p.quantity)
          ? await this.submit(this.closeRequest(p, floorToStep(left, step), exit), { bypass: options.bypass })
          : await this.closePosition(p, exit);
        if (result.dust) continue;
        if (!result.decision.allowed) throw new Error(`risk refused the kill-switch close: ${result.decision.message}`);
        if (!result.order) continue;
        sent.push(result.order);
        left = subQty(left, result.order.quantity);
      }
      if (floorToStep(left, step) < floorToStep(target.quantity, step) && ledgerQty > target.quantity) {
        this.logger.warn({ symbol: target.symbol, side: target.side, ledger: ledgerQty, venue: target.quantity }, "kill switch: the ledger holds more of this perp than the venue; closed the venue's size only");
      }
      let filledQuantity = 0;
      for (const final of await Promise.all(sent.map(settled))) {
        filledQuantity = addQty(filledQuantity, final.filledQuantity ?? 0);
        if (final.status === "rejected" || final.filledQuantity === 0) throw new Error(`venue rejected the close: ${final.error ?? final.status}`);
      }
      return { clientOrderId: sent.at(-1)?.clientOrderId, filledQuantity };
    };
    return {
      prepare: () => {
        opening = undefined;
        if (gateway.balanceList() || !this.ledger.positions().some((p) => this.needsFreeBalance(p))) return;
        const sellingBases = new Set(gateway.openOrders().filter((o) => o.side === "sell").map((o) => baseOf(o.symbol)));
        const balances = urgent(() => gateway.fetchBalances()).then(
          (list): Balance[] | undefined => list,
          (err: unknown) => {
            this.logger.warn({ err }, "kill switch: the opening balance read failed; each close reads after its cancels");
            return undefined;
          },
        );
        opening = { balances, sellingBases, used: new Set() };
      },
      cancelAllOrders: () =>
        urgent(async () => {
          const known = await Promise.all(gateway.openOrders().map((o) => gateway.cancel(o.clientOrderId)));
          let cancelled = known.filter((o) => o.status === "cancelled").length;
          // Orders the venue has that this process does not know (placed before a crash, or by hand).
          if (gateway.kind === "live") {
            const ids = new Set(known.map((o) => o.clientOrderId));
            const unknown = (await gateway.fetchOpenOrders()).filter((u) => !ids.has(u.clientOrderId));
            await Promise.all(unknown.map((u) => gateway.cancelAtVenue(u.clientOrderId, u.symbol)));
            cancelled += unknown.length;
          }
          cancelledAt.set("*", ++step);
          return { cancelled };
        }),
      cancelOrdersOf: async (symbol) => {
        const result = await gateway.cancelOrdersOf(symbol);
        cancelledAt.set(symbol, ++step);
        return result;
      },
      onVenueChange: (listener) => gateway.events.on("order.updated", () => listener()),
      listOpenOrders: () =>
        urgent(async () => {
          const known = gateway.openOrders().map((o) => ({ clientOrderId: o.clientOrderId, symbol: o.symbol }));
          if (gateway.kind !== "live") return known;
          const venue = await gateway.fetchOpenOrders();
          const ids = new Set(known.map((o) => o.clientOrderId));
          return [...known, ...venue.filter((v) => !ids.has(v.clientOrderId)).map((v) => ({ clientOrderId: v.clientOrderId, symbol: v.symbol }))];
        }),
      listPositions: async () => {
        const bySide = new Map<string, { symbol: string; side: PositionSide; quantity: number }>();
        // Live futures: the perps as the venue holds them (positionRisk: non-zero positionAmt, the side
        // from its sign), whatever the ledger says; spot symbols from the ledger as before.
        const venuePerps = venuePositions ? await urgent(() => venuePositions()) : undefined;
        for (const p of venuePerps ?? []) {
          if (!(p.quantity > 0)) continue;
          const key = `${p.symbol}|${p.side}`;
          const entry = bySide.get(key) ?? { symbol: p.symbol, side: p.side, quantity: 0 };
          entry.quantity = addQty(entry.quantity, p.quantity);
          bySide.set(key, entry);
        }
        for (const p of this.ledger.positions()) {
          if (venuePerps && this.futures?.contracts.has(p.symbol)) continue;
          const instrument = this.instruments.get(p.symbol);
          // Dust below the venue's lot step cannot be sold: it does not count as an open position.
          if (instrument && floorToStep(p.quantity, instrument.stepSize) <= 0) continue;
          const key = `${p.symbol}|${p.side}`;
          const entry = bySide.get(key) ?? { symbol: p.symbol, side: p.side, quantity: 0 };
          entry.quantity = addQty(entry.quantity, p.quantity);
          bySide.set(key, entry);
        }
        return [...bySide.values()];
      },
      closePosition: (target, options) =>
        urgent(async () => {
          if (venuePositions && this.futures?.contracts.has(target.symbol)) return closeVenuePerp(target, options);
          const positions = this.ledger.positions().filter((p) => p.symbol === target.symbol && p.side === target.side);
          // One balance read for the round (in-process venues answer at once, without it).
          let free = positions.some((p) => this.needsFreeBalance(p)) && !gateway.balanceList() ? await balancesFor(target.symbol) : undefined;
          const base = baseOf(target.symbol);
          const sent: Order[] = [];
          let lastId: string | undefined;
          // The positions of one symbol one after the other: each sells what the earlier ones left free.
          for (const p of positions) {
            const close = () => this.closePosition(p, { exitReason: "kill_switch", reason: options.reason, bypass: options.bypass });
            const result = free ? await gateway.withBalances(free, close) : await close();
            if (result.dust) continue;
            if (!result.decision.allowed) throw new Error(`${result.decision.code === "EXIT_VENUE_HOLDS_LESS" ? "" : "risk refused the kill-switch close: "}${result.decision.message}`);
            if (!result.order) continue;
            sent.push(result.order);
            lastId = result.order.clientOrderId;
            if (free && result.order.side === "sell") {
              const sold = result.order.quantity;
              free = free.map((b) => (b.asset === base ? { ...b, free: Math.max(0, subQty(b.free, sold)) } : b));
            }
          }
          // Only its own orders: the venue's answer may come after submit returned (latency, async rejects).
          let filledQuantity = 0;
          for (const final of await Promise.all(sent.map(settled))) {
            filledQuantity = addQty(filledQuantity, final.filledQuantity ?? 0);
            if (final.status === "rejected" || final.filledQuantity === 0) throw new Error(`venue rejected the close: ${final.error ?? final.status}`);
          }
          return { clientOrderId: lastId, filledQuantity };
        }),
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
  readonly allowShort: boolean;
  /** Set by the account for futures (see AccountOptions.futures); absent for spot. */
  declare futures?: RiskFuturesContext;
  private freeQuoteValue: number | undefined;
  private positionList: RiskContext["positions"] | undefined;
  private openOrderList: RiskContext["openOrders"] | undefined;

  constructor(
    readonly now: number,
    private readonly ledger: Ledger,
    private readonly orders: Pick<OrderGateway, "openOrders">,
    private readonly sending: ReadonlyMap<string, RiskOpenOrder>,
    readonly lastPrices: ReadonlyMap<string, number>,
    readonly orderBooks: ReadonlyMap<string, OrderBook>,
    readonly instruments: ReadonlyMap<string, Instrument>,
    readonly fees: FeeSchedule,
    readonly recentClosedTrades: readonly RiskClosedTrade[],
    readonly recentEntries: readonly RiskEntryRecord[],
  ) {
    this.quoteCurrency = ledger.quoteCurrency;
    this.equity = ledger.equity();
    this.allowShort = ledger.allowShort;
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
    if (this.openOrderList) return this.openOrderList;
    const open: RiskOpenOrder[] = this.orders.openOrders();
    if (this.sending.size > 0) {
      const known = new Set(open.map((o) => o.clientOrderId));
      for (const [id, o] of this.sending) if (!known.has(id)) open.push(o);
    }
    return (this.openOrderList = open);
  }

  /** A strategy instance's realized P&L in this ledger (its own loss limit, risk check strategy-budget). */
  strategyRealizedPnl(strategyInstanceId: string): number {
    return this.ledger.attribution().byStrategy[strategyInstanceId]?.realizedPnl ?? 0;
  }
}

// Module functions rather than closures per call (esbuild's keepNames names each closure at run time).

/** An open (or being sent) order that reduces this position: the opposite side, reduce-only or an exit, not finished. */
function reducesPosition(
  o: Pick<Order, "symbol" | "side" | "type" | "intent" | "reduceOnly" | "strategyInstanceId" | "status">,
  position: Pick<LedgerPosition, "symbol" | "side" | "strategyInstanceId">,
): boolean {
  const side = position.side === "long" ? "sell" : "buy";
  return o.symbol === position.symbol && o.side === side && (o.type === "market" || o.type === "limit") && (o.reduceOnly || o.intent === "exit") && o.strategyInstanceId === position.strategyInstanceId && !TERMINAL.has(o.status);
}

/** A quantity the venue would not take: not positive, below its minimum quantity, or below its minimum notional at `price`. */
function belowVenueMinimum(q: number, instrument: Instrument | undefined, price: number | undefined): boolean {
  return !(q > 0) || (instrument !== undefined && (q < instrument.minQty || (price !== undefined && q * price < instrument.minNotional)));
}

/** What an order keeps of each risk check it passed (its riskChecks: the trade history shows them). */
function riskCheckRecord(c: RiskDecision["checks"][number]): { check: string; code: string; message: string } {
  return { check: c.check, code: c.code, message: c.message };
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
