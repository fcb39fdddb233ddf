import type { Clock } from "../core/clock";
import { roundToTick } from "../core/decimal";
import { addQty, floorQtyToStep, gteQty, ltQty, minQty, subQty, toQty } from "../core/quantity";
import { createLogger, type Logger } from "../core/logger";
import {
  TERMINAL_ORDER_STATUSES,
  TIMEFRAME_MS,
  type Balance,
  type Candle,
  type Fill,
  type Instrument,
  type Order,
  type OrderBook,
  type OrderBookLevel,
  type OrderRequest,
  type OrderStatus,
} from "../model/types";
import { VenueError, type VenueErrorCode } from "./errors";
import { candlePrints, queueAheadAt, restingFill } from "./fill-model";
import type { TaskScheduler } from "../core/scheduler";
import { PaperBalanceBook, type BalanceLock } from "./paper-balances";
import { PaperFeeModel, type FeeAsset, type Liquidity } from "./paper-fees";
import { PaperMarginBook, type MarginRefusal, type PaperPerpContract } from "./paper-margin";
import { priceWithoutBook, reachedAt, stopReached, validateBook, walkBook, type BookWalk } from "./paper-fill-rules";
import { LatencyModel } from "./paper-latency";
import {
  DEFAULT_FEES,
  type ExecutionVenue,
  type FeeSchedule,
  type MarketEvent,
  type VenueCapabilities,
  type VenueFill,
  type VenueOrderUpdate,
  type VenueUpdateListener,
} from "./types";
import { assertValidOrderRequest, isStopType, splitSymbol } from "./validate";

/**
 * Simulated venue: fills on the prices it is fed through onMarket(). It composes the models beside
 * it: fill rules (paper-fill-rules.ts: book walk, slippage, touch/cross, stop triggers; the shared
 * price-time queue of fill-model.ts), fees (paper-fees.ts), latency (paper-latency.ts) and the balance
 * book with its locks (paper-balances.ts); this file is the matching engine that runs them.
 *
 * Fill model (documented because backtest results depend on it):
 * - Taker executions (market orders, marketable limits, triggered stops) walk the order book when a
 *   fresh one is known (<= bookMaxAgeMs old): each level's quantity is used once per book snapshot, so
 *   a thin book gives a partial fill. Without a book they fill in full at the last price moved
 *   against the order by slippageBps (a marketable limit never fills beyond its limit).
 * - A market order that exhausts the visible book fills what is there and the rest expires (Binance
 *   does the same when liquidity runs out). IOC: the remainder expires. FOK: all or nothing.
 * - Resting limit orders fill at their own limit price with the maker fee when the price touches
 *   them ("touch", default) or trades through them ("cross"). On a book update they take only the
 *   quantity the book shows at or beyond the limit (partial fills); on trades and candles they fill
 *   in full.
 * - limitFillRule "queue": the shared price-time queue model of execution/fill-model.ts (the
 *   simulator's matching engine uses the same): a resting limit joins the queue behind the quantity
 *   the book shows at its price, and fills on trades that carry a quantity: in full up to the trade's
 *   quantity when the trade goes through the limit, after the queue ahead when it touches it, so
 *   fills are partial and spread over time. Book updates do not fill resting orders in this mode, nor
 *   do prices without a quantity (tickers, forming candles): those trigger stops and mark the price.
 *   A closed 1-minute candle whose minute brought no print is replayed as the prints it stands for
 *   (fill-model.ts candlePrints: 12 prints 5 s apart, open -> low/high -> close, the volume split
 *   evenly, the same the simulator's CSV replay trades), each at its own time; a print fills only the
 *   orders that had arrived before it. The app's paper mode runs this rule on the market's public
 *   trades (venue-factory.ts createLocalVenue, `feedPrints`), so paper and live-on-simulator agree.
 *   Backtests keep "touch" (the default): they replay candles without a book, and their pinned
 *   results are the touch rule's.
 * - Stop-loss-limit / take-profit-limit trigger on the last price (sell stop-loss and buy
 *   take-profit when it falls to the stop, the other two when it rises to it), then behave as a
 *   limit order placed at that moment. A stop whose trigger has already traded is rejected
 *   (WOULD_TRIGGER_IMMEDIATELY), as Binance does.
 * - Prices are discrete: a trade, or the open of a candle after the previous close, is a jump, and
 *   a level jumped over is reached at the new price (a stop triggers at the trade that crossed it,
 *   which may be beyond its limit: it then rests as a limit). Inside a closed candle the path
 *   open -> low -> high -> close (bullish) or open -> high -> low -> close (bearish) is continuous. Orders that arrive during the candle (latency) are
 *   processed at its open, the first price known after they arrive. A candle whose period was
 *   already seen as trades is not replayed. Feed one price source per symbol (trades for live
 *   paper, closed candles for backtests); books only add liquidity.
 * - Latency: an order reaches the matching engine latencyMs after submit, at the prices of that
 *   time. submit() returns at once with status "submitted"; the outcome arrives through onUpdate.
 *   The arrival runs when the scheduler fires or when a later market event is fed, whichever comes
 *   first, so backtests need no timers at all.
 * - Fees: notional x rate, booked with roundMoney() (8 dp) in the quote currency. With feeAsset "quote"
 *   (default) the commission is taken from the quote balance for buys and sells alike. With
 *   "received" it is taken from the asset received, as Binance does without BNB: a buy's commission
 *   is quantity x rate in the base asset (rounded to 8 dp, reported as Fill.baseFee; Fill.fee is its
 *   quote value baseFee x price, money-rounded) and the holding grows by quantity - baseFee; a
 *   sell's commission comes out of the quote received.
 * - Quantities and balances are exact (server/core/quantity.ts): every free/locked balance, filled
 *   and remaining quantity and book-walk quantity is an 8-decimal value added and compared exactly,
 *   an order is filled when its filled quantity equals its quantity (no tolerance), the last fill
 *   of an order releases exactly what remains locked, and with an instrument the book's liquidity is
 *   taken in whole lot steps. A quantity without an instrument is floored to 8 decimals.
 * - USDⓈ-M perpetuals listed in `perpContracts` are traded on margin as Binance does (paper-margin.ts):
 *   an order that opens exposure needs its initial margin at the contract's leverage, open loss and
 *   fee within the available balance (-2019 "Margin is insufficient."; a short needs no base asset),
 *   within the leverage cap of its bracket (-2027); a reduce-only order needs no margin and is
 *   refused when it would increase or flip the position (-2022). Their commission is paid in the
 *   quote asset. Balances still move like a spot pair (quote by the notional, a short is a negative
 *   holding), as the ledger books a perp. A perp symbol not listed keeps the spot checks.
 */
export interface PaperVenueOptions {
  clock: Clock;
  /** Venue id stored on orders; default "paper" (or "ghost"). */
  id?: string;
  kind?: "paper" | "ghost";
  /** Runs latency arrivals in real time. Omit in backtests: market events then drive arrivals. */
  scheduler?: TaskScheduler;
  fees?: FeeSchedule;
  /**
   * Asset that pays the commission: "quote" (default) takes it from the quote balance; "received"
   * takes a buy's commission out of the base received (Fill.baseFee) and a sell's out of the quote.
   */
  feeAsset?: FeeAsset;
  /** Slippage applied to taker fills when no usable book is known, in basis points. Default 5. */
  slippageBps?: number;
  /** Delay between submit and the order reaching the matching engine. Default 0. */
  latencyMs?: number;
  /** Use order books fed through onMarket for taker fills and partial fills. Default true. */
  useOrderBook?: boolean;
  /** A book older than this (clock time) is ignored. Default 10 000 ms. */
  bookMaxAgeMs?: number;
  limitFillRule?: "touch" | "cross" | "queue";
  /** Starting free balances per asset, e.g. { USDT: 10000 }. */
  balances?: Record<string, number>;
  /** Reject orders the balances cannot pay for (and lock funds of resting orders). Default true. */
  enforceBalances?: boolean;
  /** Allow selling more than is held (a simulated short). Default false. */
  allowShorting?: boolean;
  /** When given, quantities are floored to the step, prices rounded to the tick and minimums checked. */
  instruments?: Iterable<Instrument>;
  /**
   * USDⓈ-M perpetuals traded on margin (the account's contracts: leverage and brackets as set at the
   * venue): their orders are checked against margin, not spot balances (see paper-margin.ts).
   */
  perpContracts?: Iterable<PaperPerpContract>;
  logger?: Logger;
  /** Prefix of venue order ids and trade ids (deterministic counters follow it). */
  idPrefix?: string;
}

/** A public trade of the market (what the market data layer streams as `trade`). */
export interface MarketPrint {
  symbol: string;
  price: number;
  /** Base quantity traded. */
  amount: number;
  timestamp: number;
}

interface SimOrder extends BalanceLock {
  request: OrderRequest;
  venueOrderId: string;
  status: OrderStatus;
  /** Stop orders are inactive until triggered; other orders are active on arrival. */
  active: boolean;
  resting: boolean;
  filledQuantity: number;
  filledNotional: number;
  fee: number;
  dueAt: number;
  updatedAt: number;
  fills: Fill[];
  /** limitFillRule "queue": quantity ahead of the order at its price (exact 8-dp quantity). */
  queueAhead?: number;
  /** When it reached the matching engine (-Infinity while in flight): prints before it never fill it. */
  arrivedAt: number;
  /** Why it was rejected, cancelled or expired. */
  reason?: string;
  errorCode?: VenueErrorCode;
}

interface SymbolState {
  symbol: string;
  base: string;
  quote: string;
  lastPrice: number; // NaN until known
  lastTradeTime: number;
  /** Time of the last market print with a quantity (limitFillRule "queue"). */
  lastPrintTime: number;
  book: OrderBook | undefined;
  askUsed: number[];
  bidUsed: number[];
  resting: SimOrder[];
  fills: Fill[];
  instrument: Instrument | undefined;
}

const NO_FILLS: readonly Fill[] = Object.freeze([]);
const TERMINAL: ReadonlySet<OrderStatus> = new Set(TERMINAL_ORDER_STATUSES);

export class PaperVenue implements ExecutionVenue {
  readonly id: string;
  readonly kind: "paper" | "ghost";
  readonly simulated = true;
  readonly testnet = false;
  readonly capabilities: VenueCapabilities;

  private readonly clock: Clock;
  private readonly fees: PaperFeeModel;
  private readonly latency: LatencyModel<SimOrder>;
  private readonly balances: PaperBalanceBook;
  /** Margin of the perpetuals in perpContracts; undefined without any. */
  private readonly margin: PaperMarginBook | undefined;
  private readonly slip: number;
  private readonly useOrderBook: boolean;
  private readonly bookMaxAgeMs: number;
  private readonly strictCross: boolean;
  private readonly queueFills: boolean;
  private readonly allowShorting: boolean;
  private readonly logger: Logger;
  private readonly idPrefix: string;
  private readonly instruments = new Map<string, Instrument>();

  private readonly orders = new Map<string, SimOrder>();
  private readonly symbols = new Map<string, SymbolState>();
  private readonly listeners = new Set<VenueUpdateListener>();
  private orderSeq = 0;
  private tradeSeq = 0;
  private readonly printFeeds: Array<() => void> = [];

  constructor(options: PaperVenueOptions) {
    this.kind = options.kind ?? "paper";
    this.id = options.id ?? this.kind;
    this.clock = options.clock;
    // Options are checked in this order: fees, slippageBps, latencyMs, bookMaxAgeMs, balances.
    this.fees = new PaperFeeModel(options.fees ?? DEFAULT_FEES, options.feeAsset ?? "quote");
    this.slip = (options.slippageBps ?? 5) / 10_000;
    const slippageBps = options.slippageBps ?? 0;
    if (!Number.isFinite(slippageBps) || slippageBps < 0) throw new RangeError(`paper venue option slippageBps must be a number >= 0 (got ${slippageBps})`);
    this.latency = new LatencyModel<SimOrder>({
      latencyMs: options.latencyMs,
      scheduler: options.scheduler,
      arrive: (order, ts) => this.arrive(order, ts),
      skip: (order) => TERMINAL.has(order.status), // cancelled while in flight
    });
    this.useOrderBook = options.useOrderBook ?? true;
    this.bookMaxAgeMs = options.bookMaxAgeMs ?? 10_000;
    if (!Number.isFinite(this.bookMaxAgeMs) || this.bookMaxAgeMs < 0) {
      throw new RangeError(`paper venue option bookMaxAgeMs must be a number >= 0 (got ${this.bookMaxAgeMs})`);
    }
    this.strictCross = (options.limitFillRule ?? "touch") === "cross";
    this.queueFills = options.limitFillRule === "queue";
    this.allowShorting = options.allowShorting ?? false;
    this.balances = new PaperBalanceBook({
      balances: options.balances,
      enforce: options.enforceBalances ?? true,
      allowShorting: this.allowShorting,
      fees: this.fees,
    });
    const margin = new PaperMarginBook(options.perpContracts ?? [], this.balances, this.fees.schedule, (symbol) => this.symbols.get(symbol)?.lastPrice ?? Number.NaN);
    this.margin = margin.size > 0 ? margin : undefined;
    this.logger = options.logger ?? createLogger("silent");
    this.idPrefix = options.idPrefix ?? this.id;
    for (const instrument of options.instruments ?? []) this.instruments.set(instrument.symbol, instrument);
    this.capabilities = {
      exchangeStops: true,
      reduceOnly: false,
      shorting: this.allowShorting || this.margin !== undefined,
      pushUpdates: true,
      orderTypes: ["market", "limit", "stop_loss_limit", "take_profit_limit"],
      timeInForce: ["GTC", "IOC", "FOK"],
    };
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    for (const detach of this.printFeeds.splice(0)) detach();
  }

  /**
   * Feed the market's public trades (prints) to this venue: each becomes a trade event with its
   * quantity, which limitFillRule "queue" offers to the resting limits. `subscribe` returns its
   * unsubscribe, called by stop(). A bad print is logged and dropped.
   */
  feedPrints(subscribe: (listener: (print: MarketPrint) => void) => () => void): void {
    this.printFeeds.push(
      subscribe((print) => {
        try {
          this.onTrade(print.symbol, print.price, print.timestamp, print.amount);
        } catch (err) {
          this.logger.warn({ err, symbol: print.symbol }, "paper venue dropped a market print");
        }
      }),
    );
  }

  onUpdate(listener: VenueUpdateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- orders

  async submit(request: OrderRequest): Promise<VenueOrderUpdate> {
    return this.submitNow(request);
  }

  /** Synchronous submit, for the backtester's hot loop. */
  submitNow(request: OrderRequest): VenueOrderUpdate {
    const known = this.orders.get(request.clientOrderId);
    if (known) return this.snapshot(known, known.fills);
    assertValidOrderRequest(request);
    const st = this.state(request.symbol);
    const accepted = this.snapToInstrument(request, st);
    const now = this.clock.now();
    const order: SimOrder = {
      request: accepted,
      venueOrderId: `${this.idPrefix}-O${++this.orderSeq}`,
      status: "submitted",
      active: !isStopType(accepted.type),
      resting: false,
      filledQuantity: 0,
      filledNotional: 0,
      fee: 0,
      lockAsset: "",
      lockAmount: 0,
      dueAt: this.latency.dueAt(now),
      updatedAt: now,
      fills: [],
      arrivedAt: Number.NEGATIVE_INFINITY,
    };
    this.orders.set(accepted.clientOrderId, order);
    if (this.latency.immediate) {
      this.arrive(order, now);
      return this.snapshot(order, order.fills);
    }
    this.latency.enqueue(order);
    this.publish(order, NO_FILLS);
    return this.snapshot(order, NO_FILLS);
  }

  async cancel(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate> {
    const order = this.orders.get(clientOrderId);
    if (!order || order.request.symbol !== symbol) {
      throw new VenueError("ORDER_NOT_FOUND", `cancel: no order ${clientOrderId} on ${symbol} at ${this.id}`);
    }
    if (!TERMINAL.has(order.status)) {
      this.finish(order, "cancelled", this.clock.now(), NO_FILLS, "cancelled on request");
    }
    return this.snapshot(order, NO_FILLS);
  }

  async fetchOrder(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate | undefined> {
    const order = this.orders.get(clientOrderId);
    if (!order || order.request.symbol !== symbol) return undefined;
    return this.snapshot(order, order.fills);
  }

  async fetchOpenOrders(symbol?: string): Promise<VenueOrderUpdate[]> {
    const open: VenueOrderUpdate[] = [];
    for (const order of this.orders.values()) {
      if (TERMINAL.has(order.status)) continue;
      if (symbol !== undefined && order.request.symbol !== symbol) continue;
      open.push(this.snapshot(order, NO_FILLS));
    }
    return open;
  }

  async fetchFills(symbol: string, since: number): Promise<VenueFill[]> {
    const st = this.symbols.get(symbol);
    if (!st) return [];
    return st.fills.filter((f) => f.timestamp >= since).map((f) => ({ ...f, venueOrderId: this.orders.get(f.clientOrderId)?.venueOrderId }));
  }

  async fetchBalances(): Promise<Balance[]> {
    return this.balanceList();
  }

  balanceList(): Balance[] {
    return this.balances.list();
  }

  /**
   * Put open orders back after a restart (the simulated book lives in memory). Orders keep their
   * fills so far; funds for the rest are locked again when balances are enforced.
   */
  restoreOrders(orders: Iterable<Order>): number {
    let restored = 0;
    for (const stored of orders) {
      if (TERMINAL.has(stored.status) || this.orders.has(stored.clientOrderId)) continue;
      const st = this.state(stored.symbol);
      const order: SimOrder = {
        request: { ...stored },
        venueOrderId: stored.venueOrderId ?? `${this.idPrefix}-O${++this.orderSeq}`,
        status: stored.status === "new" ? "submitted" : stored.status,
        active: !isStopType(stored.type) || stored.status === "partially_filled",
        resting: true,
        filledQuantity: toQty(stored.filledQuantity),
        filledNotional: stored.filledQuantity * stored.avgFillPrice,
        fee: stored.fee,
        lockAsset: "",
        lockAmount: 0,
        dueAt: this.clock.now(),
        updatedAt: this.clock.now(),
        fills: [],
        arrivedAt: this.clock.now(),
      };
      const open = subQty(order.request.quantity, order.filledQuantity);
      const shortfall = this.perp(stored.symbol) ? this.reservePerp(order, open)?.reason : this.balances.reserve(order, order.request, st, open);
      if (shortfall) this.logger.warn({ clientOrderId: stored.clientOrderId, shortfall }, "restored paper order without locked funds");
      this.orders.set(order.request.clientOrderId, order);
      st.resting.push(order);
      restored += 1;
    }
    return restored;
  }

  // ----------------------------------------------------------- market data

  onMarket(event: MarketEvent): void {
    switch (event.type) {
      case "candle":
        return this.onCandle(event.candle);
      case "book":
        return this.onBook(event.book);
      case "trade":
        return this.onTrade(event.symbol, event.price, event.timestamp, event.quantity);
      default:
        throw new VenueError("INVALID_MARKET_DATA", `unknown market event type ${JSON.stringify((event as { type?: unknown }).type)}`);
    }
  }

  onTrade(symbol: string, price: number, timestamp: number, quantity?: number): void {
    if (!(price > 0) || !Number.isFinite(price) || !Number.isFinite(timestamp)) {
      throw new VenueError("INVALID_MARKET_DATA", `trade ${symbol}: price ${price} at ${timestamp} is not a positive price at a finite time`);
    }
    const st = this.state(symbol);
    this.latency.flush(timestamp, false);
    // Trades are discrete: nothing traded between the last price and this one, so levels jumped
    // over are reached at this price (a stop triggers at the trade that crossed it).
    // limitFillRule "queue": only a print (a trade with its quantity) fills resting limits; a price
    // without one (a ticker, a forming candle) triggers stops and marks the price.
    const queued = this.queueFills && quantity !== undefined && Number.isFinite(quantity) && quantity >= 0;
    this.runSegment(st, price, price, timestamp, this.queueFills, this.queueFills ? timestamp : undefined);
    if (queued) {
      this.fillQueued(st, price, quantity!, timestamp, false);
      st.lastPrintTime = timestamp;
    }
    st.lastPrice = price;
    st.lastTradeTime = timestamp;
    this.latency.flush(timestamp, true);
  }

  onCandle(candle: Candle): void {
    const { open, high, low, close } = candle;
    const periodMs = TIMEFRAME_MS[candle.timeframe];
    if (
      !(open > 0 && high > 0 && low > 0 && close > 0) ||
      !Number.isFinite(high) ||
      high < Math.max(open, close) ||
      low > Math.min(open, close) ||
      !Number.isFinite(candle.openTime) ||
      periodMs === undefined
    ) {
      throw new VenueError(
        "INVALID_MARKET_DATA",
        `candle ${candle.symbol} ${candle.timeframe} @${candle.openTime}: o=${open} h=${high} l=${low} c=${close} is not a valid candle`,
      );
    }
    if (!candle.closed) {
      // A forming candle only tells the latest price.
      this.onTrade(candle.symbol, close, this.clock.now());
      return;
    }
    const st = this.state(candle.symbol);
    const closeTime = candle.openTime + periodMs;
    this.latency.flush(candle.openTime, true);
    if (this.queueFills) return this.candleAsPrints(st, candle, closeTime);
    if (st.lastTradeTime >= candle.openTime) {
      st.lastPrice = close;
      this.latency.flush(closeTime, true);
      return;
    }
    // Previous close -> open is a jump (no trades in between): levels it skipped are reached at the open.
    this.runSegment(st, open, open, candle.openTime);
    st.lastPrice = open;
    this.latency.flush(closeTime, false);
    const bullish = close >= open;
    const first = bullish ? low : high;
    const second = bullish ? high : low;
    this.runSegment(st, open, first, closeTime);
    this.runSegment(st, first, second, closeTime);
    this.runSegment(st, second, close, closeTime);
    st.lastPrice = close;
    this.latency.flush(closeTime, true);
  }

  /**
   * limitFillRule "queue" on a closed candle: a minute that brought prints has been filled by them;
   * one without prints is replayed as the prints it stands for (fill-model.ts candlePrints, the same
   * the simulator's CSV replay trades), each at its own time. A print fills only orders that had
   * arrived before it.
   */
  private candleAsPrints(st: SymbolState, candle: Candle, closeTime: number): void {
    if (st.lastPrintTime >= candle.openTime || TIMEFRAME_MS[candle.timeframe] !== 60_000) {
      st.lastPrice = candle.close;
      this.latency.flush(closeTime, true);
      return;
    }
    const grid = st.instrument ?? { tickSize: 1e-8, stepSize: 1e-8 };
    for (const print of candlePrints(candle, grid)) {
      const ts = candle.openTime + print.offsetMs;
      this.latency.flush(ts, false);
      this.runSegment(st, print.price, print.price, ts, true, ts - 1);
      this.fillQueued(st, print.price, print.quantity, ts, true);
      st.lastPrice = print.price;
    }
    st.lastPrice = candle.close;
    this.latency.flush(closeTime, true);
  }

  onBook(book: OrderBook): void {
    validateBook(book);
    const st = this.state(book.symbol);
    this.latency.flush(book.timestamp, false);
    st.book = book;
    st.askUsed.length = 0;
    st.bidUsed.length = 0;
    if (st.resting.length > 0 && this.useOrderBook) this.matchRestingAgainstBook(st, book.timestamp);
    this.latency.flush(book.timestamp, true);
  }

  /** Arrivals still in flight (latency), for tests and diagnostics. */
  get inFlight(): number {
    return this.latency.size;
  }

  /** Last price fed for a symbol (NaN when none). */
  lastPrice(symbol: string): number {
    return this.symbols.get(symbol)?.lastPrice ?? Number.NaN;
  }

  // -------------------------------------------------------------- matching

  private arrive(order: SimOrder, ts: number): void {
    order.arrivedAt = ts;
    const st = this.state(order.request.symbol);
    const request = order.request;
    if (isStopType(request.type)) {
      if (!Number.isNaN(st.lastPrice) && stopReached(request, st.lastPrice)) {
        return this.finish(
          order,
          "rejected",
          ts,
          NO_FILLS,
          `stop ${request.stopPrice} would trigger immediately: last price is ${st.lastPrice}`,
          "WOULD_TRIGGER_IMMEDIATELY",
        );
      }
    }
    if (this.perp(request.symbol)) {
      const refusal = this.reservePerp(order, request.quantity);
      if (refusal) return this.finish(order, "rejected", ts, NO_FILLS, refusal.reason, refusal.code);
    } else {
      const shortfall = this.balances.reserve(order, request, st, request.quantity);
      if (shortfall) return this.finish(order, "rejected", ts, NO_FILLS, shortfall, "INSUFFICIENT_FUNDS");
    }
    if (!order.active) {
      order.resting = true;
      st.resting.push(order);
      order.updatedAt = ts;
      this.publish(order, NO_FILLS);
      return;
    }
    this.executeTaker(order, st, ts);
  }

  /** Execute as much as is immediately executable, then rest, expire or finish per time in force. */
  private executeTaker(order: SimOrder, st: SymbolState, ts: number): void {
    const request = order.request;
    const limit = request.type === "market" ? undefined : request.price;
    const tif = request.type === "market" ? "IOC" : (request.timeInForce ?? "GTC");
    const perp = this.perp(request.symbol);
    if (perp && isStopType(request.type) && order.lockAmount === 0 && order.filledQuantity === 0 && !request.reduceOnly) {
      // A triggered stop is now a limit order: its margin is checked and locked at its limit (Binance checks a conditional order when it triggers).
      const refusal = this.reservePerp(order, request.quantity, true);
      if (refusal) return this.finish(order, "rejected", ts, NO_FILLS, refusal.reason, refusal.code);
    }
    const open = subQty(request.quantity, order.filledQuantity);
    // Reduce-only: never more than what is left of the position (it may have shrunk since the order arrived).
    const remaining = perp && request.reduceOnly ? this.margin!.reducible(request, open) : open;
    if (remaining === 0) return this.finish(order, "expired", ts, NO_FILLS, `reduce-only: no ${request.symbol} position left to reduce`);
    let quantity = 0;
    let price = 0;
    const fromBook = this.bookUsable(st);
    if (fromBook) {
      const walk = this.walkBook(st, request.side, remaining, limit, false, false);
      quantity = walk.quantity;
      price = quantity > 0 ? walk.notional / quantity : 0;
    } else if (!Number.isNaN(st.lastPrice)) {
      const slipped = priceWithoutBook(request.side, st.lastPrice, this.slip, limit);
      if (slipped !== undefined) {
        price = slipped;
        quantity = remaining;
      }
    } else if (tif !== "GTC") {
      return this.finish(order, request.type === "market" ? "rejected" : "expired", ts, NO_FILLS, `no price for ${request.symbol} yet`, "NO_MARKET_PRICE");
    }

    if (tif === "FOK" && ltQty(quantity, remaining)) {
      return this.finish(order, "expired", ts, NO_FILLS, `FOK: only ${quantity} of ${remaining} executable within ${limit}`);
    }
    let fills: readonly Fill[] = NO_FILLS;
    if (quantity > 0) {
      if (perp) {
        if (this.balances.enforced && !request.reduceOnly && order.lockAmount === 0) {
          const { refusal } = this.margin!.openingCheck(request, quantity, price, this.margin!.takerFeeRate);
          if (refusal) return this.finish(order, "rejected", ts, NO_FILLS, refusal.reason, refusal.code);
        }
      } else if (this.balances.enforced && request.side === "buy" && order.lockAmount === 0) {
        const need = this.fees.quoteCost(quantity, price, "taker");
        const free = this.balances.balance(st.quote).free;
        if (ltQty(free, need)) {
          return this.finish(order, "rejected", ts, NO_FILLS, `needs ${need} ${st.quote}, ${free} free`, "INSUFFICIENT_FUNDS");
        }
      }
      if (fromBook) this.walkBook(st, request.side, remaining, limit, false, true);
      fills = [this.applyFill(order, st, quantity, price, "taker", ts)];
    }
    if (this.isDone(order)) return this.finish(order, "filled", ts, fills);
    if (this.reduceOnlyExhausted(order)) return this.finish(order, "expired", ts, fills, `reduce-only: the rest exceeds what is left of the ${request.symbol} position`);
    if (tif !== "GTC") {
      const why =
        request.type === "market"
          ? `market order: book exhausted after ${order.filledQuantity} of ${request.quantity}`
          : `${tif}: ${subQty(request.quantity, order.filledQuantity)} not immediately executable within ${limit}`;
      return this.finish(order, "expired", ts, fills, why);
    }
    order.status = order.filledQuantity > 0 ? "partially_filled" : "submitted";
    order.updatedAt = ts;
    this.joinQueue(order, st);
    if (!order.resting) {
      order.resting = true;
      st.resting.push(order);
    }
    this.publish(order, fills);
  }

  /**
   * Move the price from a to b and process, in the order the price reaches them, the stops that
   * trigger and the resting limits that fill on the way.
   */
  private runSegment(st: SymbolState, a: number, b: number, ts: number, stopsOnly = false, arrivedBy?: number): void {
    if (st.resting.length === 0) return;
    for (;;) {
      let best: SimOrder | undefined;
      let bestAt = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (const order of st.resting) {
        if (stopsOnly && order.active) continue;
        if (arrivedBy !== undefined && order.arrivedAt > arrivedBy) continue;
        const at = reachedAt(order, a, b, this.strictCross);
        if (Number.isNaN(at)) continue;
        const distance = Math.abs(at - a);
        if (distance < bestDistance) {
          best = order;
          bestAt = at;
          bestDistance = distance;
        }
      }
      if (!best) return;
      st.lastPrice = bestAt;
      if (!best.active) {
        best.active = true;
        this.executeTaker(best, st, ts);
      } else {
        this.fillResting(best, st, subQty(best.request.quantity, best.filledQuantity), ts);
      }
      a = bestAt;
    }
  }

  /**
   * limitFillRule "queue": a trade of `quantity` at `price` offered to the resting limits in time
   * order through the shared fill model (execution/fill-model.ts), in lot steps (1e-8 without an instrument).
   */
  private fillQueued(st: SymbolState, price: number, quantity: number, ts: number, strictlyAfterArrival: boolean): void {
    const unit = st.instrument?.stepSize ?? 1e-8;
    const toUnits = (q: number) => Math.round(q / unit);
    let units = toUnits(quantity);
    for (const order of st.resting.slice()) {
      if (units <= 0) break;
      if (!order.active || !order.resting) continue;
      // A print before the order reached the matching engine is not its to fill.
      if (strictlyAfterArrival ? order.arrivedAt >= ts : order.arrivedAt > ts) continue;
      const request = order.request;
      const r = restingFill(
        { side: request.side, limit: request.price!, remaining: toUnits(subQty(request.quantity, order.filledQuantity)), queueAhead: toUnits(order.queueAhead ?? 0) },
        { price, units },
      );
      order.queueAhead = toQty(r.queueAhead * unit);
      units -= r.used;
      if (r.fill > 0) this.fillResting(order, st, minQty(toQty(r.fill * unit), subQty(request.quantity, order.filledQuantity)), ts);
    }
  }

  /** limitFillRule "queue": the book's quantity at the order's price, on its side, is ahead of it. */
  private joinQueue(order: SimOrder, st: SymbolState): void {
    if (!this.queueFills) return;
    const book = st.book;
    const levels = (list: OrderBookLevel[] | undefined) => (list ?? []).map((l) => ({ price: l.price, units: l.quantity }));
    order.queueAhead = book ? queueAheadAt(order.request.side, order.request.price!, { bids: levels(book.bids), asks: levels(book.asks) }) : 0;
  }

  private matchRestingAgainstBook(st: SymbolState, ts: number): void {
    if (this.queueFills) return;
    for (const order of st.resting.slice()) {
      if (!order.active) continue;
      const request = order.request;
      const available = this.walkBook(st, request.side, subQty(request.quantity, order.filledQuantity), request.price, this.strictCross, true).quantity;
      if (available > 0) this.fillResting(order, st, available, ts);
    }
  }

  private fillResting(order: SimOrder, st: SymbolState, quantity: number, ts: number): void {
    if (this.perp(order.request.symbol) && order.request.reduceOnly) {
      quantity = this.margin!.reducible(order.request, quantity);
      if (quantity === 0) return this.finish(order, "expired", ts, NO_FILLS, `reduce-only: no ${order.request.symbol} position left to reduce`);
    }
    const fills = [this.applyFill(order, st, quantity, order.request.price!, "maker", ts)];
    if (this.isDone(order)) return this.finish(order, "filled", ts, fills);
    if (this.reduceOnlyExhausted(order)) return this.finish(order, "expired", ts, fills, `reduce-only: the rest exceeds what is left of the ${order.request.symbol} position`);
    order.status = "partially_filled";
    order.updatedAt = ts;
    this.publish(order, fills);
  }

  /** The book walk of paper-fill-rules.ts on this symbol's book and the liquidity already used from it. */
  private walkBook(st: SymbolState, side: OrderRequest["side"], maxQuantity: number, limit: number | undefined, strict: boolean, commit: boolean): BookWalk {
    const book = st.book!;
    const levels: OrderBookLevel[] = side === "buy" ? book.asks : book.bids;
    const used = side === "buy" ? st.askUsed : st.bidUsed;
    return walkBook(levels, used, side, maxQuantity, limit, strict, commit, st.instrument?.stepSize ?? 0);
  }

  private bookUsable(st: SymbolState): boolean {
    return this.useOrderBook && st.book !== undefined && this.clock.now() - st.book.timestamp <= this.bookMaxAgeMs;
  }

  // -------------------------------------------------------------- fills

  private applyFill(order: SimOrder, st: SymbolState, quantity: number, price: number, liquidity: Liquidity, ts: number): Fill {
    const request = order.request;
    const remainingBefore = subQty(request.quantity, order.filledQuantity);
    const perp = this.perp(request.symbol);
    // A perpetual's commission is paid in the quote (margin) asset; its margin lock is released pro rata.
    const charge = this.fees.charge(request.side, quantity, price, liquidity, perp ? "quote" : this.fees.feeAsset);
    const { fee, baseFee } = charge;
    this.balances.settleFill(order, st, request.side, quantity, remainingBefore, charge, perp);
    if (perp) this.margin!.onFill(request.symbol, request.side, quantity);
    order.filledQuantity = addQty(order.filledQuantity, quantity);
    order.filledNotional += quantity * price;
    order.fee = addQty(order.fee, fee);
    const fill: Fill = {
      clientOrderId: request.clientOrderId,
      venueTradeId: `${this.idPrefix}-T${++this.tradeSeq}`,
      symbol: request.symbol,
      side: request.side,
      price,
      quantity,
      fee,
      ...(baseFee !== undefined ? { baseFee } : {}),
      liquidity,
      timestamp: ts,
    };
    order.fills.push(fill);
    st.fills.push(fill);
    return fill;
  }

  // ---------------------------------------------------------------- helpers

  /** Traded on margin (listed in perpContracts). */
  private perp(symbol: string): boolean {
    return this.margin?.isPerp(symbol) ?? false;
  }

  /**
   * The margin checks of a perp order when it arrives (or a stop triggers: `triggered`): reduce-only
   * against the position; a limit that may open exposure locks its cost at its limit. A market order
   * is checked where it executes, an untriggered stop when it triggers. Nothing when not enforced.
   */
  private reservePerp(order: SimOrder, quantity: number, triggered = false): MarginRefusal | undefined {
    const request = order.request;
    if (!this.balances.enforced) return undefined;
    if (request.reduceOnly) return this.margin!.reduceOnlyRefusal(request, quantity);
    if (request.type === "market" || (isStopType(request.type) && !triggered)) return undefined;
    return this.margin!.reserve(order, request, quantity, this.margin!.lockFeeRate);
  }

  /** A perp reduce-only order with quantity left and no position left to reduce. */
  private reduceOnlyExhausted(order: SimOrder): boolean {
    const request = order.request;
    return this.perp(request.symbol) && request.reduceOnly && this.margin!.reducible(request, subQty(request.quantity, order.filledQuantity)) === 0;
  }

  /** Filled exactly: the filled quantity equals the order's quantity (both on the same grid). */
  private isDone(order: SimOrder): boolean {
    return gteQty(order.filledQuantity, order.request.quantity);
  }

  private finish(order: SimOrder, status: OrderStatus, ts: number, fills: readonly Fill[], reason?: string, errorCode?: VenueErrorCode): void {
    order.status = status;
    order.updatedAt = ts;
    order.reason = reason;
    order.errorCode = errorCode;
    this.balances.release(order);
    if (order.resting) {
      order.resting = false;
      const st = this.symbols.get(order.request.symbol);
      if (st) {
        const i = st.resting.indexOf(order);
        if (i >= 0) st.resting.splice(i, 1);
      }
    }
    this.publish(order, fills);
  }

  private publish(order: SimOrder, fills: readonly Fill[]): void {
    if (this.listeners.size === 0) return;
    const update = this.snapshot(order, fills);
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (err) {
        this.logger.error({ err, clientOrderId: update.clientOrderId }, "paper venue update listener failed");
      }
    }
  }

  private snapshot(order: SimOrder, fills: readonly Fill[]): VenueOrderUpdate {
    const request = order.request;
    return {
      clientOrderId: request.clientOrderId,
      venueOrderId: order.venueOrderId,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      status: order.status,
      quantity: request.quantity,
      price: request.price,
      stopPrice: request.stopPrice,
      filledQuantity: order.filledQuantity,
      avgFillPrice: order.filledQuantity > 0 ? order.filledNotional / order.filledQuantity : 0,
      fee: order.fee,
      fills: fills.length > 0 ? fills.slice() : [],
      timestamp: order.updatedAt,
      reason: order.reason,
      errorCode: order.errorCode,
    };
  }

  private state(symbol: string): SymbolState {
    let st = this.symbols.get(symbol);
    if (!st) {
      const [base, quote] = splitSymbol(symbol);
      st = {
        symbol,
        base,
        quote,
        lastPrice: Number.NaN,
        lastTradeTime: Number.NEGATIVE_INFINITY,
        lastPrintTime: Number.NEGATIVE_INFINITY,
        book: undefined,
        askUsed: [],
        bidUsed: [],
        resting: [],
        fills: [],
        instrument: this.instruments.get(symbol),
      };
      this.symbols.set(symbol, st);
    }
    return st;
  }

  /** Snap to the instrument grid and check its minimums, as a real venue would. */
  private snapToInstrument(request: OrderRequest, st: SymbolState): OrderRequest {
    const instrument = st.instrument;
    if (!instrument) {
      // No grid known: Binance's precision, 8 decimals, so quantities add up exactly.
      const quantity = floorQtyToStep(request.quantity, 1e-8);
      if (!(quantity > 0)) {
        throw new VenueError("INVALID_ORDER", `order ${request.clientOrderId} on ${request.symbol}: quantity ${request.quantity} is below 0.00000001`, {
          problems: [`quantity ${request.quantity} is below 0.00000001`],
        });
      }
      return quantity === request.quantity ? request : { ...request, quantity };
    }
    const quantity = floorQtyToStep(request.quantity, instrument.stepSize);
    const price = request.price === undefined ? undefined : roundToTick(request.price, instrument.tickSize);
    const stopPrice = request.stopPrice === undefined ? undefined : roundToTick(request.stopPrice, instrument.tickSize);
    const problems: string[] = [];
    if (!(quantity > 0) || quantity < instrument.minQty) problems.push(`quantity ${request.quantity} is below the minimum ${instrument.minQty} (step ${instrument.stepSize})`);
    if (instrument.maxQty > 0 && quantity > instrument.maxQty) problems.push(`quantity ${quantity} is above the maximum ${instrument.maxQty}`);
    const reference = price ?? st.lastPrice;
    if (Number.isFinite(reference) && quantity * reference < instrument.minNotional) {
      problems.push(`notional ${quantity * reference} is below the minimum ${instrument.minNotional}`);
    }
    if (problems.length > 0) throw new VenueError("INVALID_ORDER", `order ${request.clientOrderId} on ${request.symbol}: ${problems.join("; ")}`, { problems });
    if (quantity === request.quantity && price === request.price && stopPrice === request.stopPrice) return request;
    return { ...request, quantity, price, stopPrice };
  }
}

/**
 * Ghost venue: signals only, nothing leaves the process. Orders fill hypothetically at the current
 * price with no slippage, no latency and no book, but with the fee model applied, so a ghost trade's
 * outcome is what it would have earned after fees. Limits and stops rest and fill exactly like on
 * the paper venue, so the same exit rules close ghost trades. Balances are tracked, never enforced.
 */
export function createGhostVenue(options: Omit<PaperVenueOptions, "kind" | "slippageBps" | "latencyMs" | "useOrderBook" | "enforceBalances" | "scheduler">): PaperVenue {
  return new PaperVenue({
    ...options,
    kind: "ghost",
    id: options.id ?? "ghost",
    slippageBps: 0,
    latencyMs: 0,
    useOrderBook: false,
    enforceBalances: false,
  });
}
