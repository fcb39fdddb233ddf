import { Decimal, QUOTE_DP } from "../core/decimal";
import { queueAheadAt, restingFill } from "../execution";
import { binanceErrors, BinanceError } from "./binance-errors";
import type { SymbolSpec } from "./instruments";
import type { SymbolMarket } from "./market";
import type { BookLevel } from "./order-book";
import { SUBSTEP_MS } from "./price-model";

/**
 * Accounts, balances and order matching of the simulated spot venue, following Binance's rules:
 * - MARKET (by quantity or quoteOrderQty) takes liquidity from the synthetic book; what the book
 *   cannot fill expires (status EXPIRED, partial fill kept).
 * - LIMIT GTC/IOC/FOK first takes what crosses, then GTC rests; IOC expires the rest; FOK fills
 *   completely or expires untouched. LIMIT_MAKER is rejected if it would take.
 * - STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT wait for the last price to reach stopPrice (rejected if it
 *   already has), then work as a limit order.
 * - A resting limit fills as maker at its own price when the market trades through it (strictly
 *   beyond the limit), up to the sub-step's traded volume shared by the resting orders.
 * - Funds are locked while an order is open (SELL: the base quantity; BUY: limit × quantity, plus
 *   the fee when fees are charged in the quote asset), released as it fills or ends.
 * - newClientOrderId must be unique among the account's open orders; a duplicate of an open order
 *   is rejected with -2010 "Duplicate order sent." exactly as Binance does (an id of a finished
 *   order can be reused, and queries by client id then return the latest order).
 *
 * Fees: `feeMode: "received"` (the simulator's default, Binance's without BNB) charges the
 * commission in the asset received: a buy's in the base (the holding grows by qty − commission), a
 * sell's in the quote; `feeMode: "quote"` charges it in the quote asset on every fill. Each fill
 * reports commission and commissionAsset. Balances, locks and executed quantities are exact: steps
 * are integers, and every balance change is a decimal sum rounded to 8 decimals.
 */

export type OrderSide = "BUY" | "SELL";
export type SimOrderType = "LIMIT" | "MARKET" | "LIMIT_MAKER" | "STOP_LOSS_LIMIT" | "TAKE_PROFIT_LIMIT" | "STOP_LOSS" | "TAKE_PROFIT";
export type TimeInForceCode = "GTC" | "IOC" | "FOK";
export type SimOrderStatus = "NEW" | "PENDING_NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED" | "EXPIRED_IN_MATCH" | "REJECTED";
export type ExecutionType = "NEW" | "TRADE" | "CANCELED" | "EXPIRED" | "TRADE_PREVENTION" | "REJECTED";
/** Binance's self-trade prevention modes; the taker's mode decides. */
export type StpMode = "NONE" | "EXPIRE_TAKER" | "EXPIRE_MAKER" | "EXPIRE_BOTH" | "DECREMENT";
export const STP_MODES: readonly StpMode[] = ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"];
export const DEFAULT_STP_MODE: StpMode = "EXPIRE_MAKER";
export type FeeMode = "quote" | "received" | "bnb";
/** Binance's discount on commission paid in BNB. */
export const BNB_FEE_DISCOUNT = 0.25;

export interface AccountSpec {
  apiKey: string;
  secret: string;
  balances?: Record<string, number>;
}

export interface BalanceEntry {
  free: number;
  locked: number;
}

export interface SimFill {
  tradeId: number;
  orderId: number;
  symbol: string;
  side: OrderSide;
  price: number;
  qty: number;
  quoteQty: number;
  commission: number;
  commissionAsset: string;
  time: number;
  isMaker: boolean;
}

export interface SimOrder {
  orderId: number;
  symbol: string;
  clientOrderId: string;
  side: OrderSide;
  type: SimOrderType;
  timeInForce: TimeInForceCode | null;
  price: number;
  stopPrice: number;
  origQty: number;
  executedQty: number;
  cumQuote: number;
  origQuoteOrderQty: number;
  status: SimOrderStatus;
  time: number;
  updateTime: number;
  /** -1 until the order works (stop orders start waiting for their trigger). */
  workingTime: number;
  isWorking: boolean;
  /** Fills of this order, oldest first. */
  fills: SimFill[];
  /** Trailing stop distance in basis points, 0 when the stop does not trail. */
  trailingDelta: number;
  /** Ticks of the best price since the trailing stop became active (-1 until it is). */
  trailingExtremeTicks: number;
  /** Time the trailing stop became active (-1 until it is; Binance's trailingTime). */
  trailingTime: number;
  icebergQty: number;
  /** Lot steps ahead of the order in the price-time queue at its price (see execution/fill-model.ts). */
  queueAheadSteps: number;
  selfTradePreventionMode: StpMode;
  /** Quantity taken away by self-trade prevention (DECREMENT, or the part that expired in match). */
  preventedQuantity: number;
  /** The order list (OCO / OTO / OTOCO) the order belongs to, -1 for none. */
  orderListId: number;
}

/** Binance's order lists: OCO, and OTO (OTOCO is an OTO whose pending part is an OCO pair). */
export type ContingencyType = "OCO" | "OTO";
export type ListStatusType = "RESPONSE" | "EXEC_STARTED" | "UPDATED" | "ALL_DONE";
export type ListOrderStatus = "EXECUTING" | "ALL_DONE" | "REJECT";

export interface SimOrderList {
  orderListId: number;
  contingencyType: ContingencyType;
  listStatusType: ListStatusType;
  listOrderStatus: ListOrderStatus;
  listClientOrderId: string;
  transactionTime: number;
  symbol: string;
  /** Every order of the list, in orderId order (OTO: working first). */
  orders: SimOrder[];
  /** The OCO pair (OCO: both orders; OTOCO: the two pending orders; OTO: none). */
  ocoPair: SimOrder[];
  /** OTO / OTOCO: the working order, whose complete fill places the pending orders. */
  working: SimOrder | null;
  /** OTO / OTOCO: orders waiting (PENDING_NEW) for the working order to fill. */
  pending: SimOrder[];
}

/** One order of a list, as the REST layer parsed it (the engine applies Binance's filters to it). */
export interface ListLegRequest {
  request: NewOrderRequest;
  clientOrderId: string;
}

const ALGO_TYPES: ReadonlySet<SimOrderType> = new Set(["STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT", "STOP_LOSS", "TAKE_PROFIT"]);
/** Market-type stops (executed as a market order once triggered); the simulator takes them in order lists. */
const MARKET_STOP_TYPES: ReadonlySet<SimOrderType> = new Set(["STOP_LOSS", "TAKE_PROFIT"]);

export interface NewOrderRequest {
  symbol: string;
  side: OrderSide;
  type: string;
  timeInForce?: string;
  quantity?: number;
  quoteOrderQty?: number;
  price?: number;
  stopPrice?: number;
  /** Trailing stop distance in basis points (STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT). */
  trailingDelta?: number;
  /** Visible part of an iceberg order (LIMIT GTC, LIMIT_MAKER, stop-limits GTC). */
  icebergQty?: number;
  /** Self-trade prevention (default EXPIRE_MAKER, as Binance's spot symbols). */
  selfTradePreventionMode?: string;
  newClientOrderId?: string;
}

export interface OrderRef {
  orderId?: number;
  origClientOrderId?: string;
}

export interface ExecutionReport {
  order: SimOrder;
  executionType: ExecutionType;
  fill: SimFill | null;
  /** For cancels: the client id of the cancel request. */
  cancelClientOrderId: string | null;
  time: number;
}

export interface EngineListener {
  onExecutionReport(account: Account, report: ExecutionReport): void;
  onBalanceUpdate(account: Account, assets: string[], time: number): void;
  /** An order list changed (Binance's user-data `listStatus` event). */
  onListStatus?(account: Account, list: SimOrderList, time: number): void;
}

export interface EngineFaults {
  /** An injected rejection for the next order, if one is pending. */
  takeOrderRejection(): BinanceError | null;
  /** Cap on the filled share of any order, or null. */
  fillRatio(): number | null;
}

export interface EngineOptions {
  markets: ReadonlyMap<string, SymbolMarket>;
  makerFee: number;
  takerFee: number;
  feeMode: FeeMode;
  faults: EngineFaults;
  /** Simulated time of the current processing point. */
  now: () => number;
  /** Share of each sub-step's traded volume available to the user's resting orders. */
  restingFillParticipation?: number;
  maxOpenOrdersPerSymbol?: number;
  listener?: EngineListener;
}

function dec(value: number): Decimal {
  return new Decimal(value);
}

function to8(value: Decimal): number {
  return value.toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
}

export class Account {
  readonly balances = new Map<string, BalanceEntry>();
  readonly orders = new Map<number, SimOrder>();
  readonly fills: SimFill[] = [];
  /** Order lists (OCO / OTO / OTOCO) by orderListId, oldest first. */
  readonly orderLists = new Map<number, SimOrderList>();
  /** Open-order lock per order id. */
  readonly locks = new Map<number, { asset: string; amount: number }>();
  updateTime = 0;

  constructor(
    readonly apiKey: string,
    readonly secret: string,
  ) {}

  balance(asset: string): BalanceEntry {
    let entry = this.balances.get(asset);
    if (!entry) {
      entry = { free: 0, locked: 0 };
      this.balances.set(asset, entry);
    }
    return entry;
  }

  openOrders(symbol?: string): SimOrder[] {
    return [...this.orders.values()].filter(
      (o) => (o.status === "NEW" || o.status === "PARTIALLY_FILLED") && (symbol === undefined || o.symbol === symbol),
    );
  }

  findOrder(symbol: string, ref: OrderRef): SimOrder | undefined {
    if (ref.orderId !== undefined) {
      const order = this.orders.get(ref.orderId);
      return order && order.symbol === symbol ? order : undefined;
    }
    let found: SimOrder | undefined;
    for (const order of this.orders.values()) {
      if (order.symbol === symbol && order.clientOrderId === ref.origClientOrderId) found = order;
    }
    return found;
  }
}

interface PlannedFill {
  priceTicks: number;
  price: number;
  steps: number;
}

function isOpen(order: SimOrder): boolean {
  return order.status === "NEW" || order.status === "PARTIALLY_FILLED";
}

/** How a list's order is validated: in a list, with the list's other orders counted as open. */
interface ListValidation {
  inList?: boolean;
  others?: SimOrder[];
}

export class MatchingEngine {
  private readonly accounts = new Map<string, Account>();
  /** Open orders per symbol across accounts, in arrival order (time priority). */
  private readonly openBySymbol = new Map<string, Array<{ account: Account; order: SimOrder }>>();
  private nextOrderId = 1;
  private readonly participation: number;
  private readonly maxOpenOrders: number;
  listener: EngineListener | undefined;

  constructor(private readonly options: EngineOptions) {
    this.participation = options.restingFillParticipation ?? 1;
    this.maxOpenOrders = options.maxOpenOrdersPerSymbol ?? 200;
    this.listener = options.listener;
    if (!(options.makerFee >= 0 && options.makerFee < 0.1) || !(options.takerFee >= 0 && options.takerFee < 0.1)) {
      throw new RangeError("fee rates must be between 0 and 0.1");
    }
  }

  get makerFee(): number {
    return this.options.makerFee;
  }

  get takerFee(): number {
    return this.options.takerFee;
  }

  addAccount(spec: AccountSpec): Account {
    if (!spec.apiKey || !spec.secret) throw new RangeError("an account needs an apiKey and a secret");
    if (this.accounts.has(spec.apiKey)) throw new RangeError(`duplicate account apiKey ${spec.apiKey}`);
    const account = new Account(spec.apiKey, spec.secret);
    for (const [asset, amount] of Object.entries(spec.balances ?? {})) {
      if (!(Number.isFinite(amount) && amount >= 0)) throw new RangeError(`balance of ${asset} must be a number >= 0`);
      account.balance(asset).free = to8(dec(amount));
    }
    account.updateTime = this.options.now();
    this.accounts.set(spec.apiKey, account);
    return account;
  }

  account(apiKey: string): Account | undefined {
    return this.accounts.get(apiKey);
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  /**
   * Every account's working resting limit orders on `symbol` (venue id), as the published book shows
   * them: per side, price (ticks) → the quantity still open (an iceberg's visible part only). Stops
   * waiting for their trigger and an OTO's pending orders are not in the book, as on Binance.
   */
  restingLiquidity(symbol: string): { bid: Map<number, number>; ask: Map<number, number> } {
    const out = { bid: new Map<number, number>(), ask: new Map<number, number>() };
    const entries = this.openBySymbol.get(symbol);
    if (!entries?.length) return out;
    const spec = this.market(symbol).spec;
    for (const { order } of entries) {
      if (!isOpen(order) || !order.isWorking || order.type === "MARKET" || !(order.price > 0)) continue;
      const left = dec(order.origQty).minus(order.executedQty);
      const visible = order.icebergQty > 0 ? Math.min(order.icebergQty, left.toNumber()) : left.toNumber();
      if (!(visible > 0)) continue;
      const ticks = Math.round(order.price * 10 ** spec.priceDecimals);
      const side = order.side === "BUY" ? out.bid : out.ask;
      side.set(ticks, to8(dec(side.get(ticks) ?? 0).plus(visible)));
    }
    return out;
  }

  private market(symbol: string): SymbolMarket {
    const market = this.options.markets.get(symbol);
    if (!market) throw binanceErrors.invalidSymbol();
    return market;
  }

  // ---------------------------------------------------------------- validation

  /** Exact grid check: the decimal the client sent must be a whole number of ticks / steps. */
  private onGrid(value: number, decimals: number): number | null {
    const scaled = dec(value).times(dec(10).pow(decimals));
    return scaled.isInteger() ? scaled.toNumber() : null;
  }

  private checkPrice(spec: SymbolSpec, value: number): number {
    const ticks = this.onGrid(value, spec.priceDecimals);
    if (ticks === null || value < spec.minPrice || value > spec.maxPrice) throw binanceErrors.filterFailure("PRICE_FILTER");
    return ticks;
  }

  private checkQuantity(spec: SymbolSpec, value: number): number {
    const steps = this.onGrid(value, spec.qtyDecimals);
    if (steps === null || value < spec.minQty || value > spec.maxQty) throw binanceErrors.filterFailure("LOT_SIZE");
    return steps;
  }

  /**
   * Binance's checks, in Binance's order, each failing with its own code and message: parameters
   * (-1102/-1106/-1115/-1116), then PRICE_FILTER (price and stopPrice), PERCENT_PRICE_BY_SIDE (the
   * limit price against the 5-minute average), LOT_SIZE, MARKET_LOT_SIZE, ICEBERG_PARTS,
   * TRAILING_DELTA, NOTIONAL (market orders on the 5-minute average price), MAX_NUM_ORDERS,
   * MAX_NUM_ALGO_ORDERS, MAX_NUM_ICEBERG_ORDERS (-1013 "Filter failure: <FILTER>"), then duplicate
   * client ids and immediate triggers (-2010).
   */
  private validate(account: Account, request: NewOrderRequest, clientOrderId: string | undefined, list: ListValidation = {}) {
    const market = this.market(request.symbol);
    const spec = market.spec;
    if (market.status !== "TRADING") throw binanceErrors.marketClosed();
    if (request.side !== "BUY" && request.side !== "SELL") throw binanceErrors.invalidSide();
    const knownTypes = ["LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT", ...(list.inList ? ["STOP_LOSS", "TAKE_PROFIT"] : [])];
    if (!knownTypes.includes(request.type)) {
      if (["STOP_LOSS", "TAKE_PROFIT", "OCO"].includes(request.type)) throw binanceErrors.unsupportedOrderCombination();
      throw binanceErrors.invalidOrderType();
    }
    const type = request.type as SimOrderType;
    const marketStop = MARKET_STOP_TYPES.has(type);
    const needsTif = type === "LIMIT" || type === "STOP_LOSS_LIMIT" || type === "TAKE_PROFIT_LIMIT";
    const needsPrice = type !== "MARKET" && !marketStop;
    const isAlgo = ALGO_TYPES.has(type);
    const trailing = request.trailingDelta !== undefined;
    if (trailing && !isAlgo) throw binanceErrors.notRequired("trailingDelta");
    // A trailing stop may leave stopPrice out: it then trails from the price it was placed at.
    const needsStop = isAlgo && !trailing;
    if (needsTif && request.timeInForce === undefined) throw binanceErrors.mandatory("timeInForce");
    if (!needsTif && request.timeInForce !== undefined) throw binanceErrors.notRequired("timeInForce");
    if (request.timeInForce !== undefined && !["GTC", "IOC", "FOK"].includes(request.timeInForce)) {
      throw binanceErrors.invalidTimeInForce();
    }
    if (needsPrice && request.price === undefined) throw binanceErrors.mandatory("price");
    if (!needsPrice && request.price !== undefined) throw binanceErrors.notRequired("price");
    if (needsStop && request.stopPrice === undefined) throw binanceErrors.mandatory("stopPrice");
    if (!isAlgo && request.stopPrice !== undefined) throw binanceErrors.notRequired("stopPrice");
    if (type === "MARKET") {
      if (request.quantity === undefined && request.quoteOrderQty === undefined) throw binanceErrors.eitherMandatory("quantity", "quoteOrderQty");
      if (request.quantity !== undefined && request.quoteOrderQty !== undefined) throw binanceErrors.notRequired("quoteOrderQty");
    } else {
      if (request.quantity === undefined) throw binanceErrors.mandatory("quantity");
      if (request.quoteOrderQty !== undefined) throw binanceErrors.notRequired("quoteOrderQty");
    }
    if (request.selfTradePreventionMode !== undefined && !STP_MODES.includes(request.selfTradePreventionMode as StpMode)) {
      throw binanceErrors.invalidParameter("selfTradePreventionMode");
    }
    if (request.icebergQty !== undefined) {
      if (type === "MARKET") throw binanceErrors.notRequired("icebergQty");
      if ((request.timeInForce ?? "GTC") !== "GTC") throw binanceErrors.icebergNeedsGtc();
    }
    const priceTicks = request.price !== undefined ? this.checkPrice(spec, request.price) : 0;
    const stopTicks = request.stopPrice !== undefined ? this.checkPrice(spec, request.stopPrice) : 0;
    const avgPrice = market.averagePrice(5);
    if (request.price !== undefined) {
      const [up, down] = request.side === "BUY" ? [spec.bidMultiplierUp, spec.bidMultiplierDown] : [spec.askMultiplierUp, spec.askMultiplierDown];
      if (request.price > avgPrice * up || request.price < avgPrice * down) throw binanceErrors.filterFailure("PERCENT_PRICE_BY_SIDE");
    }
    const steps = request.quantity !== undefined ? this.checkQuantity(spec, request.quantity) : 0;
    if (type === "MARKET" && request.quantity !== undefined && request.quantity > spec.marketMaxQty) throw binanceErrors.filterFailure("MARKET_LOT_SIZE");
    if (request.icebergQty !== undefined) {
      const icebergSteps = this.onGrid(request.icebergQty, spec.qtyDecimals);
      if (icebergSteps === null || icebergSteps <= 0 || icebergSteps >= steps) throw binanceErrors.filterFailure("LOT_SIZE");
      if (Math.ceil(steps / icebergSteps) > spec.icebergParts) throw binanceErrors.filterFailure("ICEBERG_PARTS");
    }
    if (trailing) {
      const delta = request.trailingDelta!;
      if (!(Number.isInteger(delta) && delta >= spec.minTrailingDelta && delta <= spec.maxTrailingDelta)) throw binanceErrors.filterFailure("TRAILING_DELTA");
    }
    if (request.quoteOrderQty !== undefined && !(request.quoteOrderQty > 0)) throw binanceErrors.invalidParameter("quoteOrderQty");
    // Market orders are valued at the 5-minute average price (avgPriceMins), limits at their price.
    // Market-type stops (STOP_LOSS / TAKE_PROFIT) are valued like market orders.
    const marketLike = type === "MARKET" || marketStop;
    const notional = request.quoteOrderQty ?? (marketLike ? avgPrice * (request.quantity ?? 0) : (request.price ?? 0) * (request.quantity ?? 0));
    if (notional < spec.minNotional || (!marketLike && notional > spec.maxNotional)) throw binanceErrors.filterFailure("NOTIONAL");
    // Open orders of the symbol, plus the pending orders of open OTO lists and the other orders of
    // the list being placed (Binance counts every order of a list against these filters).
    const open = [
      ...(this.openBySymbol.get(spec.id)?.filter((e) => e.account === account && isOpen(e.order)).map((e) => e.order) ?? []),
      ...this.pendingOrders(account, spec.id),
      ...(list.others ?? []),
    ];
    if (type !== "MARKET") {
      if (open.length >= spec.maxNumOrders) throw binanceErrors.filterFailure("MAX_NUM_ORDERS");
      if (isAlgo && open.filter((o) => ALGO_TYPES.has(o.type)).length >= spec.maxNumAlgoOrders) throw binanceErrors.filterFailure("MAX_NUM_ALGO_ORDERS");
      if (request.icebergQty !== undefined && open.filter((o) => o.icebergQty > 0).length >= spec.maxNumIcebergOrders) {
        throw binanceErrors.filterFailure("MAX_NUM_ICEBERG_ORDERS");
      }
    }
    if (clientOrderId !== undefined && open.some((o) => o.clientOrderId === clientOrderId)) {
      throw binanceErrors.duplicateOrder();
    }
    // Orders of a list: the list's price rules (-2010 OCO_BAD_PRICES) replace the immediate-trigger check.
    if (!list.inList && isAlgo && request.stopPrice !== undefined && this.stopTriggered(type, request.side, stopTicks, market.lastPriceTicks)) {
      throw binanceErrors.stopWouldTrigger();
    }
    // Orders of a list: checked after the list's price rules (placeOrderList).
    if (type === "LIMIT_MAKER" && !list.inList && this.wouldTake(market, request.side, priceTicks)) throw binanceErrors.wouldTake();
    return { market, spec, type, priceTicks, stopTicks, steps };
  }

  /**
   * A waiting stop-limit: has it triggered at `priceTicks`? A plain stop triggers when the last price
   * reaches stopPrice. A trailing stop first waits for its activation price (stopPrice, if it has one:
   * the same condition), then follows the best price since (a SELL the highest, a BUY the lowest) and
   * triggers once the price has come back trailingDelta basis points from it, as Binance's do.
   */
  private waitingStopTriggers(order: SimOrder, priceTicks: number, stopTicks: number, time: number): boolean {
    if (order.trailingDelta === 0) return this.stopTriggered(order.type, order.side, stopTicks, priceTicks);
    if (order.trailingExtremeTicks < 0) {
      if (order.stopPrice > 0 && !this.stopTriggered(order.type, order.side, stopTicks, priceTicks)) return false;
      order.trailingExtremeTicks = priceTicks;
      order.trailingTime = time;
    }
    const delta = order.trailingDelta / 10_000;
    if (order.side === "SELL") {
      order.trailingExtremeTicks = Math.max(order.trailingExtremeTicks, priceTicks);
      return priceTicks <= order.trailingExtremeTicks * (1 - delta);
    }
    order.trailingExtremeTicks = Math.min(order.trailingExtremeTicks, priceTicks);
    return priceTicks >= order.trailingExtremeTicks * (1 + delta);
  }

  private stopTriggered(type: SimOrderType, side: OrderSide, stopTicks: number, lastTicks: number): boolean {
    const stopLoss = type === "STOP_LOSS_LIMIT" || type === "STOP_LOSS";
    if (side === "SELL") return stopLoss ? lastTicks <= stopTicks : lastTicks >= stopTicks;
    return stopLoss ? lastTicks >= stopTicks : lastTicks <= stopTicks;
  }

  /** Check an order as POST /api/v3/order/test does, without placing it. */
  testOrder(account: Account, request: NewOrderRequest): void {
    this.validate(account, request, request.newClientOrderId);
  }

  // ---------------------------------------------------------------- placing

  placeOrder(account: Account, request: NewOrderRequest, clientOrderId: string): SimOrder {
    const v = this.validate(account, request, clientOrderId);
    const injected = this.options.faults.takeOrderRejection();
    if (injected) throw injected;
    const now = this.options.now();
    const { market, spec, type } = v;
    const order = this.newSimOrder(market, request, clientOrderId, type, now);
    if (type === "MARKET") {
      if (this.preventSelfTrade(account, market, order, v.steps)) return order;
      // DECREMENT may have taken part of the quantity off.
      this.executeMarket(account, market, order, order.origQuoteOrderQty > 0 ? v.steps : Math.round(order.origQty * 10 ** spec.qtyDecimals));
      return order;
    }
    this.lockFor(account, market, order, v.priceTicks, v.steps);
    account.orders.set(order.orderId, order);
    this.indexOpen(account, order);
    this.report(account, order, "NEW", null, now);
    const touched = new Set<string>([order.side === "BUY" ? spec.quote : spec.base]);
    if (order.isWorking) {
      if (this.preventSelfTrade(account, market, order, v.steps)) {
        this.balanceChanged(account, touched.add(spec.base).add(spec.quote), now);
        return order;
      }
      this.takeAsLimit(account, market, order, market.book.sides, touched);
      this.joinQueue(market, order);
    }
    this.balanceChanged(account, touched, now);
    return order;
  }

  private newSimOrder(market: SymbolMarket, request: NewOrderRequest, clientOrderId: string, type: SimOrderType, now: number): SimOrder {
    const spec = market.spec;
    const order: SimOrder = {
      orderId: this.nextOrderId++,
      symbol: spec.id,
      clientOrderId,
      side: request.side,
      type,
      timeInForce: (request.timeInForce as TimeInForceCode | undefined) ?? (type === "LIMIT_MAKER" ? "GTC" : null),
      price: request.price ?? 0,
      stopPrice: request.stopPrice ?? 0,
      origQty: request.quantity ?? 0,
      executedQty: 0,
      cumQuote: 0,
      origQuoteOrderQty: request.quoteOrderQty ?? 0,
      status: "NEW",
      time: now,
      updateTime: now,
      workingTime: ALGO_TYPES.has(type) ? -1 : now,
      isWorking: !ALGO_TYPES.has(type),
      fills: [],
      trailingDelta: request.trailingDelta ?? 0,
      trailingExtremeTicks: -1,
      trailingTime: -1,
      icebergQty: request.icebergQty ?? 0,
      queueAheadSteps: 0,
      selfTradePreventionMode: (request.selfTradePreventionMode as StpMode | undefined) ?? DEFAULT_STP_MODE,
      preventedQuantity: 0,
      orderListId: -1,
    };
    // A trailing stop without an activation price starts trailing from the price it was placed at.
    if (order.trailingDelta > 0 && order.stopPrice === 0) {
      order.trailingExtremeTicks = market.lastPriceTicks;
      order.trailingTime = now;
    }
    return order;
  }

  // ---------------------------------------------------------------- order lists (OCO / OTO / OTOCO)

  /**
   * Place an order list, after the REST layer checked its shape (types, sides, parameters):
   * - "OCO": `legs` = [below, above], both placed at once on one shared lock (a SELL pair locks the
   *   quantity once, a BUY pair the larger of the two prices × quantity). When one of them is
   *   activated (a stop triggers, the limit gets its first fill) the other expires and the list is
   *   ALL_DONE.
   * - "OTO": [working, pending]; "OTOCO": [working, pendingBelow, pendingAbove]. Only the working
   *   order (LIMIT / LIMIT_MAKER) is placed; the pending orders wait as PENDING_NEW (no lock, not in
   *   the book) and are placed when the working order is completely filled (OTO: the list is then
   *   ALL_DONE; OTOCO: the pending pair then works as an OCO).
   * Every order is checked with Binance's filters first, counting the list's other orders as open
   * (MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS); an OCO pair must have its prices on the right sides of the
   * last price (-2010 "The relationship of the prices for the orders is not correct.").
   * Cancelling or expiring any order of a list that is still executing ends the whole list.
   * Returns the list and its orders as they stood right after placement (pending orders still
   * PENDING_NEW even when the working order filled at once, as Binance's response shows them).
   */
  placeOrderList(account: Account, kind: "OCO" | "OTO" | "OTOCO", legs: ListLegRequest[], listClientOrderId: string): { list: SimOrderList; reports: SimOrder[] } {
    if (legs.length !== (kind === "OTOCO" ? 3 : 2)) throw new RangeError(`${kind} needs ${kind === "OTOCO" ? 3 : 2} orders`);
    for (const l of account.orderLists.values()) {
      if (l.listOrderStatus === "EXECUTING" && l.listClientOrderId === listClientOrderId) throw binanceErrors.duplicateOrder();
    }
    const others: SimOrder[] = [];
    const validated = legs.map((leg) => {
      const v = this.validate(account, leg.request, leg.clientOrderId, { inList: true, others });
      others.push({ type: v.type, clientOrderId: leg.clientOrderId, icebergQty: leg.request.icebergQty ?? 0 } as SimOrder);
      return v;
    });
    const market = validated[0].market;
    const spec = market.spec;
    const pairIndex = kind === "OCO" ? [0, 1] : kind === "OTOCO" ? [1, 2] : [];
    if (pairIndex.length) this.checkOcoPrices(market, legs[pairIndex[0]].request, legs[pairIndex[1]].request);
    // The orders placed now (OCO: both; OTO: the working one) must not take if they are LIMIT_MAKER.
    legs.forEach((leg, i) => {
      const placedNow = kind === "OCO" || i === 0;
      if (placedNow && validated[i].type === "LIMIT_MAKER" && this.wouldTake(market, leg.request.side, validated[i].priceTicks)) throw binanceErrors.wouldTake();
    });
    const injected = this.options.faults.takeOrderRejection();
    if (injected) throw injected;
    const now = this.options.now();
    const orderListId = this.nextOrderListId;
    const orders = legs.map((leg, i) => {
      const o = this.newSimOrder(market, leg.request, leg.clientOrderId, validated[i].type, now);
      o.orderListId = orderListId;
      return o;
    });
    const list: SimOrderList = {
      orderListId,
      contingencyType: kind === "OCO" ? "OCO" : "OTO",
      listStatusType: "EXEC_STARTED",
      listOrderStatus: "EXECUTING",
      listClientOrderId,
      transactionTime: now,
      symbol: spec.id,
      orders,
      ocoPair: pairIndex.map((i) => orders[i]),
      working: kind === "OCO" ? null : orders[0],
      pending: kind === "OCO" ? [] : orders.slice(1),
    };
    // Funds first (nothing is booked when the account cannot pay for the list).
    if (kind === "OCO") this.lockPair(account, market, orders);
    else this.lockFor(account, market, orders[0], validated[0].priceTicks, validated[0].steps);
    this.nextOrderListId += 1;
    account.orderLists.set(orderListId, list);
    const touched = new Set<string>([spec.base, spec.quote]);
    for (const o of list.pending) {
      o.status = "PENDING_NEW";
      o.isWorking = false;
      o.workingTime = -1;
    }
    for (const o of orders) {
      account.orders.set(o.orderId, o);
      if (o.status !== "PENDING_NEW") this.indexOpen(account, o);
      this.report(account, o, "NEW", null, now);
    }
    const reports = orders.map((o) => ({ ...o, fills: [...o.fills] }));
    this.emitList(account, list, now);
    if (kind === "OCO") {
      for (const o of orders) if (o.isWorking) this.joinQueue(market, o);
    } else {
      const working = orders[0];
      if (!this.preventSelfTrade(account, market, working, validated[0].steps)) {
        this.takeAsLimit(account, market, working, market.book.sides, touched);
        this.joinQueue(market, working);
      }
      // The working order as it stands now (it may have filled at once), the pending ones as placed.
      reports[0] = { ...working, fills: [...working.fills] };
    }
    this.balanceChanged(account, touched, now);
    return { list, reports };
  }

  private nextOrderListId = 0;

  /** Binance's OCO price rule: the above order's price (stop price for TAKE_PROFIT / STOP_LOSS*) above the last price, the below order's under it. */
  private checkOcoPrices(market: SymbolMarket, below: NewOrderRequest, above: NewOrderRequest): void {
    const last = market.lastPriceTicks;
    const reference = (r: NewOrderRequest): number | undefined => {
      const p = r.type === "LIMIT_MAKER" || r.type === "TAKE_PROFIT_LIMIT" ? r.price : r.stopPrice;
      return p === undefined ? undefined : market.toTicks(p);
    };
    const a = reference(above);
    const b = reference(below);
    if ((a !== undefined && !(a > last)) || (b !== undefined && !(b < last))) throw binanceErrors.ocoBadPrices();
  }

  /** Price (in ticks) a BUY order locks quote funds at: its limit or stop price, the last price for a trailing market stop. */
  private lockTicks(market: SymbolMarket, order: SimOrder): number {
    return Math.max(market.toTicks(order.price), market.toTicks(order.stopPrice)) || market.lastPriceTicks;
  }

  /** One lock for an OCO pair (held by the first order; the activated order takes it over). */
  private lockPair(account: Account, market: SymbolMarket, pair: SimOrder[]): void {
    const steps = Math.round(pair[0].origQty * 10 ** market.spec.qtyDecimals);
    this.lockFor(account, market, pair[0], Math.max(...pair.map((o) => this.lockTicks(market, o))), steps);
  }

  private listOf(account: Account, order: SimOrder): SimOrderList | undefined {
    return order.orderListId >= 0 ? account.orderLists.get(order.orderListId) : undefined;
  }

  private emitList(account: Account, list: SimOrderList, time: number): void {
    this.listener?.onListStatus?.(account, { ...list, orders: list.orders.map((o) => ({ ...o, fills: [...o.fills] })) }, time);
  }

  /** A leg of a working OCO pair is activated (stop triggered, limit filled): it takes the pair's lock and the other leg expires. */
  private activateOcoLeg(account: Account, order: SimOrder, time: number): void {
    const list = this.listOf(account, order);
    if (!list || list.listOrderStatus !== "EXECUTING" || !list.ocoPair.includes(order)) return;
    if (list.ocoPair.some((o) => o.status === "PENDING_NEW")) return;
    for (const other of list.ocoPair) {
      const lock = other === order ? undefined : account.locks.get(other.orderId);
      if (lock && !account.locks.has(order.orderId)) {
        account.locks.set(order.orderId, lock);
        account.locks.delete(other.orderId);
      }
    }
    list.listStatusType = "ALL_DONE";
    list.listOrderStatus = "ALL_DONE";
    for (const other of list.ocoPair) if (other !== order && isOpen(other)) this.finish(account, other, "EXPIRED", time);
    this.emitList(account, list, time);
  }

  /** An order of an executing list ended unfilled: the rest of the list is cancelled (or expires) with it. */
  private endListWith(account: Account, order: SimOrder, status: "EXPIRED" | "EXPIRED_IN_MATCH" | "CANCELED", time: number, cancelClientOrderId: string | null): void {
    const list = this.listOf(account, order);
    if (!list || list.listOrderStatus !== "EXECUTING") return;
    list.listStatusType = "ALL_DONE";
    list.listOrderStatus = "ALL_DONE";
    const endAs = status === "CANCELED" ? "CANCELED" : "EXPIRED";
    for (const other of list.orders) {
      if (other !== order && (isOpen(other) || other.status === "PENDING_NEW")) this.finish(account, other, endAs, time, endAs === "CANCELED" ? cancelClientOrderId : null);
    }
    this.emitList(account, list, time);
  }

  /** The working order of an OTO / OTOCO filled completely: its pending orders go on the book. */
  private placePending(account: Account, market: SymbolMarket, working: SimOrder, time: number, substep: number): void {
    const list = this.listOf(account, working);
    if (!list || list.working !== working || list.listOrderStatus !== "EXECUTING") return;
    const spec = market.spec;
    const touched = new Set<string>([spec.base, spec.quote]);
    const pending = list.pending.filter((o) => o.status === "PENDING_NEW");
    const expireAll = () => {
      list.listStatusType = "ALL_DONE";
      list.listOrderStatus = "ALL_DONE";
      for (const o of pending) if (o.status === "PENDING_NEW" || isOpen(o)) this.finish(account, o, "EXPIRED", time);
    };
    const activate = (o: SimOrder) => {
      o.status = "NEW";
      o.time = time;
      o.updateTime = time;
      o.isWorking = !ALGO_TYPES.has(o.type);
      o.workingTime = o.isWorking ? time : -1;
      if (o.trailingDelta > 0 && o.stopPrice === 0) {
        o.trailingExtremeTicks = market.lastPriceTicks;
        o.trailingTime = time;
      }
    };
    const steps = (o: SimOrder) => Math.round(o.origQty * 10 ** spec.qtyDecimals);
    try {
      if (list.ocoPair.length) this.lockPair(account, market, pending);
      else if (pending[0].type !== "MARKET") this.lockFor(account, market, pending[0], this.lockTicks(market, pending[0]), steps(pending[0]));
    } catch (err) {
      if (!(err instanceof BinanceError)) throw err;
      // The account cannot pay for the pending orders (e.g. a SELL of the gross quantity a BUY bought net of its fee).
      expireAll();
      this.emitList(account, list, time);
      this.balanceChanged(account, touched, time);
      return;
    }
    if (!list.ocoPair.length) {
      list.listStatusType = "ALL_DONE";
      list.listOrderStatus = "ALL_DONE";
    }
    for (const o of pending) {
      activate(o);
      if (o.type === "MARKET") {
        try {
          this.executeMarket(account, market, o, steps(o));
        } catch (err) {
          if (!(err instanceof BinanceError)) throw err;
          this.finish(account, o, "EXPIRED", time);
        }
        continue;
      }
      this.indexOpen(account, o);
      this.report(account, o, "NEW", null, time);
      if (!o.isWorking) continue;
      if (o.type === "LIMIT_MAKER" && this.wouldTake(market, o.side, market.toTicks(o.price))) {
        this.finish(account, o, "EXPIRED", time);
        continue;
      }
      if (o.type === "LIMIT") this.takeAsLimit(account, market, o, market.book.levelsAt(market.lastPriceTicks, substep), touched, substep);
      this.joinQueue(market, o);
    }
    this.emitList(account, list, time);
    this.balanceChanged(account, touched, time);
  }

  private wouldTake(market: SymbolMarket, side: OrderSide, priceTicks: number): boolean {
    const { bids, asks } = market.book.sides;
    return side === "BUY" ? asks.length > 0 && priceTicks >= asks[0].priceTicks : bids.length > 0 && priceTicks <= bids[0].priceTicks;
  }

  /** A triggered STOP_LOSS / TAKE_PROFIT: a market order against the book as it stands at the trigger. */
  private executeTriggeredStop(account: Account, market: SymbolMarket, order: SimOrder, book: { bids: BookLevel[]; asks: BookLevel[] }, touched: Set<string>, substep: number, time: number): void {
    const spec = market.spec;
    const qtyScale = 10 ** spec.qtyDecimals;
    const origSteps = Math.round(order.origQty * qtyScale);
    const cap = Math.min(origSteps - Math.round(order.executedQty * qtyScale), this.fillCapSteps(spec, order, origSteps));
    const planned = this.planTaker(spec, order.side === "BUY" ? book.asks : book.bids, order.side, { maxSteps: cap });
    touched.add(spec.base).add(spec.quote);
    if (order.side === "BUY") {
      // A market buy pays from free funds: the lock taken at placement is released first.
      this.releaseLock(account, order);
      let cost = dec(0);
      for (const f of planned) {
        const quote = to8(dec(f.price).times(f.steps).div(qtyScale));
        cost = cost.plus(quote);
        if (this.options.feeMode === "quote") cost = cost.plus(to8(dec(quote).times(this.options.takerFee)));
      }
      if (cost.greaterThan(account.balance(spec.quote).free)) {
        this.finish(account, order, "EXPIRED", time);
        return;
      }
    }
    for (const f of planned) this.applyFill(account, market, order, f.priceTicks, f.steps, false, time, touched, true, substep);
    if (isOpen(order)) this.finish(account, order, "EXPIRED", time);
  }

  /** GET /api/v3/orderList: by orderListId, or by listClientOrderId (the latest list with it). */
  queryOrderList(account: Account, ref: { orderListId?: number; listClientOrderId?: string }): SimOrderList {
    let found: SimOrderList | undefined;
    if (ref.orderListId !== undefined) {
      found = account.orderLists.get(ref.orderListId);
      if (found && ref.listClientOrderId !== undefined && found.listClientOrderId !== ref.listClientOrderId) found = undefined;
    } else {
      for (const l of account.orderLists.values()) if (l.listClientOrderId === ref.listClientOrderId) found = l;
    }
    if (!found) throw binanceErrors.orderListDoesNotExist();
    return found;
  }

  /** DELETE /api/v3/orderList: cancels every order of an executing list. */
  cancelOrderList(account: Account, symbol: string, ref: { orderListId?: number; listClientOrderId?: string }, cancelClientOrderId: string): SimOrderList {
    const spec = this.market(symbol).spec;
    let list: SimOrderList | undefined;
    try {
      list = this.queryOrderList(account, ref);
    } catch {
      throw binanceErrors.unknownOrderList();
    }
    if (list.symbol !== symbol || list.listOrderStatus !== "EXECUTING") throw binanceErrors.unknownOrderList();
    const first = list.orders.find((o) => isOpen(o) || o.status === "PENDING_NEW");
    if (!first) throw binanceErrors.unknownOrderList();
    const now = this.options.now();
    this.finish(account, first, "CANCELED", now, cancelClientOrderId);
    this.balanceChanged(account, new Set([spec.base, spec.quote]), now);
    return list;
  }

  /** Pending (PENDING_NEW) orders of the account's executing OTO lists on a symbol. */
  private pendingOrders(account: Account, symbol: string): SimOrder[] {
    const out: SimOrder[] = [];
    for (const l of account.orderLists.values()) {
      if (l.symbol === symbol && l.listOrderStatus === "EXECUTING") out.push(...l.pending.filter((o) => o.status === "PENDING_NEW"));
    }
    return out;
  }

  /**
   * Self-trade prevention, Binance's rules with the taker's mode: a taker order that would meet the
   * same account's resting orders on the other side (a buy priced at or above an own resting sell, a
   * sell at or below an own resting buy; any own order for a market order) is handled by its
   * selfTradePreventionMode: EXPIRE_TAKER expires the taker (EXPIRED_IN_MATCH) before it trades,
   * EXPIRE_MAKER expires those resting orders and lets the taker trade, EXPIRE_BOTH expires both,
   * DECREMENT takes the overlapping quantity off both (an order left with nothing expires in match),
   * NONE lets it through. The account's own orders are not in the synthetic book, so no self-trade
   * is ever printed. Returns true when the taker is done (expired).
   */
  private preventSelfTrade(account: Account, market: SymbolMarket, order: SimOrder, steps: number): boolean {
    const mode = order.selfTradePreventionMode;
    if (mode === "NONE") return false;
    const limitTicks = order.type === "MARKET" ? null : market.toTicks(order.price);
    const scale = 10 ** market.spec.qtyDecimals;
    const makers = account.openOrders(order.symbol).filter((o) => {
      if (o === order || o.side === order.side || !o.isWorking) return false;
      if (limitTicks === null) return true;
      const p = market.toTicks(o.price);
      return order.side === "BUY" ? p <= limitTicks : p >= limitTicks;
    });
    if (makers.length === 0) return false;
    const now = this.options.now();
    const expireTaker = () => {
      if (!account.orders.has(order.orderId)) {
        account.orders.set(order.orderId, order);
        this.report(account, order, "NEW", null, now);
      }
      order.preventedQuantity = (Math.round(order.origQty * scale) - Math.round(order.executedQty * scale)) / scale;
      this.finish(account, order, "EXPIRED_IN_MATCH", now);
    };
    const expireMaker = (maker: SimOrder) => {
      maker.preventedQuantity = (Math.round(maker.origQty * scale) - Math.round(maker.executedQty * scale)) / scale;
      this.finish(account, maker, "EXPIRED_IN_MATCH", now);
    };
    if (mode === "EXPIRE_TAKER") {
      expireTaker();
      return true;
    }
    if (mode === "EXPIRE_MAKER" || mode === "EXPIRE_BOTH") {
      for (const maker of makers) expireMaker(maker);
      this.balanceChanged(account, new Set([market.spec.base, market.spec.quote]), now);
      if (mode === "EXPIRE_BOTH") {
        expireTaker();
        return true;
      }
      return false;
    }
    // DECREMENT: both lose the overlap, in the makers' time order. A quote-sized market order has
    // no quantity to decrement: its own resting orders expire instead (as EXPIRE_MAKER).
    if (order.origQuoteOrderQty > 0) {
      for (const maker of makers) expireMaker(maker);
      this.balanceChanged(account, new Set([market.spec.base, market.spec.quote]), now);
      return false;
    }
    let takerLeft = steps - Math.round(order.executedQty * scale);
    for (const maker of makers) {
      if (takerLeft <= 0) break;
      const makerLeft = Math.round(maker.origQty * scale) - Math.round(maker.executedQty * scale);
      const overlap = Math.min(makerLeft, takerLeft);
      takerLeft -= overlap;
      maker.preventedQuantity = (Math.round(maker.preventedQuantity * scale) + overlap) / scale;
      if (overlap >= makerLeft) expireMaker(maker);
      else {
        maker.origQty = (Math.round(maker.origQty * scale) - overlap) / scale;
        this.releaseLock(account, maker);
        this.lockFor(account, market, maker, market.toTicks(maker.price), makerLeft - overlap);
      }
    }
    const taken = steps - Math.round(order.executedQty * scale) - takerLeft;
    order.preventedQuantity = taken / scale;
    this.balanceChanged(account, new Set([market.spec.base, market.spec.quote]), now);
    if (takerLeft <= 0) {
      expireTaker();
      return true;
    }
    if (order.type !== "MARKET") {
      this.releaseLock(account, order);
      order.origQty = (Math.round(order.origQty * scale) - taken) / scale;
      this.lockFor(account, market, order, market.toTicks(order.price), takerLeft);
    } else {
      order.origQty = (Math.round(order.origQty * scale) - taken) / scale;
    }
    return false;
  }

  /** A limit that rests joins the back of the queue at its price: the book's quantity there is ahead of it. */
  private joinQueue(market: SymbolMarket, order: SimOrder): void {
    if (!isOpen(order)) return;
    const scale = 10 ** market.spec.qtyDecimals;
    const units = (levels: BookLevel[]) => levels.map((l) => ({ price: l.priceTicks, units: Math.round(l.qty * scale) }));
    const { bids, asks } = market.book.sides;
    order.queueAheadSteps = queueAheadAt(order.side === "BUY" ? "buy" : "sell", market.toTicks(order.price), { bids: units(bids), asks: units(asks) });
  }

  private lockRate(): number {
    return this.options.feeMode === "quote" ? Math.max(this.options.makerFee, this.options.takerFee) : 0;
  }

  private lockFor(account: Account, market: SymbolMarket, order: SimOrder, priceTicks: number, steps: number): void {
    const spec = market.spec;
    if (order.side === "SELL") {
      const need = steps / 10 ** spec.qtyDecimals;
      const base = account.balance(spec.base);
      if (base.free < need) throw binanceErrors.insufficientBalance();
      base.free = to8(dec(base.free).minus(need));
      base.locked = to8(dec(base.locked).plus(need));
      account.locks.set(order.orderId, { asset: spec.base, amount: need });
    } else {
      const price = priceTicks / 10 ** spec.priceDecimals;
      const need = to8(dec(price).times(order.origQty).times(1 + this.lockRate()));
      const quote = account.balance(spec.quote);
      if (quote.free < need) throw binanceErrors.insufficientBalance();
      quote.free = to8(dec(quote.free).minus(need));
      quote.locked = to8(dec(quote.locked).plus(need));
      account.locks.set(order.orderId, { asset: spec.quote, amount: need });
    }
  }

  /** The commission in BNB (feeMode "bnb"), or null when it is paid otherwise (no BNB market, not enough BNB). */
  private bnbCommission(account: Account, quoteAsset: string, quoteQty: number, rate: number): number | null {
    if (this.options.feeMode !== "bnb") return null;
    const bnbMarket = this.options.markets.get(`BNB${quoteAsset}`);
    if (!bnbMarket || !(bnbMarket.lastPrice > 0)) return null;
    const commission = to8(dec(quoteQty).times(rate).times(1 - BNB_FEE_DISCOUNT).div(bnbMarket.lastPrice));
    return commission > 0 && account.balance("BNB").free >= commission ? commission : null;
  }

  private releaseLock(account: Account, order: SimOrder): void {
    const lock = account.locks.get(order.orderId);
    if (!lock) return;
    const entry = account.balance(lock.asset);
    entry.locked = to8(dec(entry.locked).minus(lock.amount));
    entry.free = to8(dec(entry.free).plus(lock.amount));
    account.locks.delete(order.orderId);
  }

  /** Plan taker fills against book levels (best first) within the limits; does not change state. */
  private planTaker(
    spec: SymbolSpec,
    levels: BookLevel[],
    side: OrderSide,
    limits: { limitTicks?: number; maxSteps?: number; maxQuote?: number },
  ): PlannedFill[] {
    const qtyScale = 10 ** spec.qtyDecimals;
    const planned: PlannedFill[] = [];
    let stepsLeft = limits.maxSteps ?? Number.POSITIVE_INFINITY;
    let quoteLeft = limits.maxQuote ?? Number.POSITIVE_INFINITY;
    for (const level of levels) {
      if (limits.limitTicks !== undefined) {
        if (side === "BUY" && level.priceTicks > limits.limitTicks) break;
        if (side === "SELL" && level.priceTicks < limits.limitTicks) break;
      }
      let steps = Math.min(Math.round(level.qty * qtyScale), stepsLeft);
      if (Number.isFinite(quoteLeft)) steps = Math.min(steps, Math.floor((quoteLeft / level.price) * qtyScale + 1e-7));
      if (steps <= 0) break;
      planned.push({ priceTicks: level.priceTicks, price: level.price, steps });
      stepsLeft -= steps;
      quoteLeft -= (steps / qtyScale) * level.price;
      if (stepsLeft <= 0) break;
    }
    return planned;
  }

  private fillCapSteps(spec: SymbolSpec, order: SimOrder, origSteps: number): number {
    const ratio = this.options.faults.fillRatio();
    const executedSteps = Math.round(order.executedQty * 10 ** spec.qtyDecimals);
    if (ratio === null) return origSteps - executedSteps;
    return Math.max(0, Math.floor(origSteps * ratio + 1e-9) - executedSteps);
  }

  private executeMarket(account: Account, market: SymbolMarket, order: SimOrder, steps: number): void {
    const spec = market.spec;
    const qtyScale = 10 ** spec.qtyDecimals;
    const now = order.time;
    const levels = order.side === "BUY" ? market.book.sides.asks : market.book.sides.bids;
    const byQuote = order.origQuoteOrderQty > 0;
    const ratio = this.options.faults.fillRatio();
    let planned = this.planTaker(spec, levels, order.side, byQuote ? { maxQuote: order.origQuoteOrderQty } : { maxSteps: steps });
    if (ratio !== null) {
      const plannedSteps = planned.reduce((s, f) => s + f.steps, 0);
      const requested = byQuote ? plannedSteps : steps;
      planned = this.capPlan(planned, Math.floor(requested * ratio + 1e-9));
    }
    // Funds check on the exact amounts that will be booked.
    if (order.side === "BUY") {
      let cost = dec(0);
      for (const f of planned) {
        const quote = to8(dec(f.price).times(f.steps).div(qtyScale));
        cost = cost.plus(quote);
        if (this.options.feeMode === "quote") cost = cost.plus(to8(dec(quote).times(this.options.takerFee)));
      }
      if (cost.greaterThan(account.balance(spec.quote).free)) throw binanceErrors.insufficientBalance();
    } else {
      const totalSteps = byQuote ? planned.reduce((s, f) => s + f.steps, 0) : steps;
      if (totalSteps / qtyScale > account.balance(spec.base).free) throw binanceErrors.insufficientBalance();
    }
    const plannedSteps = planned.reduce((s, f) => s + f.steps, 0);
    let completes: boolean;
    if (byQuote) {
      // A quote-sized order is complete when less than one more step was affordable; Binance then
      // reports the executed quantity as the order's quantity.
      const plannedQuote = planned.reduce((s, f) => s + (f.steps / qtyScale) * f.price, 0);
      const lastPrice = planned.length ? planned[planned.length - 1].price : 0;
      const bookLeft = levels.reduce((s, l) => s + l.qty, 0) * qtyScale > plannedSteps;
      completes = plannedSteps > 0 && ratio === null && bookLeft && order.origQuoteOrderQty - plannedQuote < lastPrice / qtyScale + 1e-9;
      order.origQty = plannedSteps / qtyScale;
    } else {
      completes = plannedSteps >= steps;
    }
    account.orders.set(order.orderId, order);
    this.report(account, order, "NEW", null, now);
    const touched = new Set<string>([spec.base, spec.quote]);
    planned.forEach((f, i) =>
      this.applyFill(account, market, order, f.priceTicks, f.steps, false, now, touched, true, undefined, completes && i === planned.length - 1 ? true : false),
    );
    if (!completes) this.finish(account, order, "EXPIRED", now);
    this.balanceChanged(account, touched, now);
  }

  private capPlan(planned: PlannedFill[], capSteps: number): PlannedFill[] {
    const out: PlannedFill[] = [];
    let left = capSteps;
    for (const f of planned) {
      if (left <= 0) break;
      const steps = Math.min(f.steps, left);
      out.push({ ...f, steps });
      left -= steps;
    }
    return out;
  }

  /** Take what crosses for a working limit order, then rest / expire per time in force. */
  private takeAsLimit(
    account: Account,
    market: SymbolMarket,
    order: SimOrder,
    book: { bids: BookLevel[]; asks: BookLevel[] },
    touched: Set<string>,
    substep?: number,
  ): void {
    const spec = market.spec;
    const qtyScale = 10 ** spec.qtyDecimals;
    const now = this.options.now();
    const origSteps = Math.round(order.origQty * qtyScale);
    const remainingSteps = origSteps - Math.round(order.executedQty * qtyScale);
    const levels = order.side === "BUY" ? book.asks : book.bids;
    const limitTicks = market.toTicks(order.price);
    const cap = Math.min(remainingSteps, this.fillCapSteps(spec, order, origSteps));
    const planned = this.planTaker(spec, levels, order.side, { limitTicks, maxSteps: cap });
    const plannedSteps = planned.reduce((s, f) => s + f.steps, 0);
    if (order.timeInForce === "FOK" && plannedSteps < remainingSteps) {
      this.finish(account, order, "EXPIRED", now);
      touched.add(order.side === "BUY" ? spec.quote : spec.base);
      return;
    }
    touched.add(spec.base).add(spec.quote);
    for (const f of planned) this.applyFill(account, market, order, f.priceTicks, f.steps, false, now, touched, true, substep);
    if (!isOpen(order)) return;
    if (order.timeInForce === "IOC" || order.timeInForce === "FOK") this.finish(account, order, "EXPIRED", now);
  }

  private applyFill(
    account: Account,
    market: SymbolMarket,
    order: SimOrder,
    priceTicks: number,
    steps: number,
    isMaker: boolean,
    time: number,
    touched: Set<string>,
    takesBookLiquidity: boolean,
    substep = Math.floor(time / SUBSTEP_MS),
    completesOrder?: boolean,
  ): void {
    // The first fill of an OCO order activates it: the other order of the pair expires.
    if (order.orderListId >= 0) this.activateOcoLeg(account, order, time);
    const spec = market.spec;
    const qtyScale = 10 ** spec.qtyDecimals;
    const price = priceTicks / 10 ** spec.priceDecimals;
    const qty = steps / qtyScale;
    const quoteQty = to8(dec(price).times(steps).div(qtyScale));
    const rate = isMaker ? this.options.makerFee : this.options.takerFee;
    const base = account.balance(spec.base);
    const quote = account.balance(spec.quote);
    const lock = account.locks.get(order.orderId);
    const origSteps = Math.round(order.origQty * qtyScale);
    const lastFill = completesOrder ?? Math.round(order.executedQty * qtyScale) + steps >= origSteps;
    let commission: number;
    let commissionAsset: string;
    // BNB mode (Binance with "use BNB for fees"): the commission, 25 % off, is paid in BNB at the
    // BNB/quote price, when the account holds enough BNB; otherwise in the asset received.
    const bnb = this.bnbCommission(account, spec.quote, quoteQty, rate);
    if (bnb) {
      const bnbBalance = account.balance("BNB");
      bnbBalance.free = to8(dec(bnbBalance.free).minus(bnb));
    }
    if (bnb && order.side === "SELL") {
      if (lock) {
        base.locked = to8(dec(base.locked).minus(qty));
        lock.amount = to8(dec(lock.amount).minus(qty));
      } else {
        base.free = to8(dec(base.free).minus(qty));
      }
      commission = bnb;
      commissionAsset = "BNB";
      quote.free = to8(dec(quote.free).plus(quoteQty));
    } else if (bnb) {
      commission = bnb;
      commissionAsset = "BNB";
      base.free = to8(dec(base.free).plus(qty));
      const cost = dec(quoteQty);
      if (lock) {
        const share = lastFill ? lock.amount : Math.min(lock.amount, Math.max(cost.toNumber(), to8(dec(order.price).times(qty))));
        quote.locked = to8(dec(quote.locked).minus(share));
        lock.amount = to8(dec(lock.amount).minus(share));
        quote.free = to8(dec(quote.free).plus(share).minus(cost));
      } else {
        quote.free = to8(dec(quote.free).minus(cost));
      }
    } else if (order.side === "SELL") {
      if (lock) {
        base.locked = to8(dec(base.locked).minus(qty));
        lock.amount = to8(dec(lock.amount).minus(qty));
      } else {
        base.free = to8(dec(base.free).minus(qty));
      }
      commission = to8(dec(quoteQty).times(rate));
      commissionAsset = spec.quote;
      quote.free = to8(dec(quote.free).plus(quoteQty).minus(commission));
    } else {
      let cost = dec(quoteQty);
      if (this.options.feeMode === "quote") {
        commission = to8(dec(quoteQty).times(rate));
        commissionAsset = spec.quote;
        cost = cost.plus(commission);
        base.free = to8(dec(base.free).plus(qty));
      } else {
        commission = to8(dec(qty).times(rate));
        commissionAsset = spec.base;
        base.free = to8(dec(base.free).plus(qty).minus(commission));
      }
      if (lock) {
        // Release this fill's share of the lock (all of it on the last fill) and pay from it.
        const share = lastFill ? lock.amount : Math.min(lock.amount, Math.max(cost.toNumber(), to8(dec(order.price).times(qty).times(1 + this.lockRate()))));
        quote.locked = to8(dec(quote.locked).minus(share));
        lock.amount = to8(dec(lock.amount).minus(share));
        quote.free = to8(dec(quote.free).plus(share).minus(cost));
      } else {
        quote.free = to8(dec(quote.free).minus(cost));
      }
    }
    // Every fill prints on the public tape; the user's taker side decides the aggressor.
    const isBuyerMaker = isMaker ? order.side === "BUY" : order.side === "SELL";
    const trade = market.recordTrade(price, qty, isBuyerMaker, time);
    if (takesBookLiquidity) market.book.consume(order.side === "BUY" ? "ask" : "bid", priceTicks, qty, substep);
    const fill: SimFill = {
      tradeId: trade.id,
      orderId: order.orderId,
      symbol: spec.id,
      side: order.side,
      price,
      qty,
      quoteQty,
      commission,
      commissionAsset,
      time,
      isMaker,
    };
    order.executedQty = (Math.round(order.executedQty * qtyScale) + steps) / qtyScale;
    order.cumQuote = to8(dec(order.cumQuote).plus(quoteQty));
    order.updateTime = time;
    order.fills.push(fill);
    account.fills.push(fill);
    touched.add(spec.base).add(spec.quote);
    order.status = lastFill ? "FILLED" : "PARTIALLY_FILLED";
    if (lastFill) {
      this.releaseLock(account, order);
      this.unindexIfClosed(order);
    }
    this.report(account, order, "TRADE", fill, time);
    if (lastFill && order.orderListId >= 0) this.placePending(account, market, order, time, substep);
  }

  private finish(account: Account, order: SimOrder, status: "FILLED" | "EXPIRED" | "EXPIRED_IN_MATCH" | "CANCELED", time: number, cancelClientOrderId: string | null = null): void {
    if (order.status === "FILLED" && status === "FILLED") return;
    order.status = status;
    order.updateTime = time;
    this.releaseLock(account, order);
    this.unindexIfClosed(order);
    const executionType = status === "CANCELED" ? "CANCELED" : status === "EXPIRED_IN_MATCH" ? "TRADE_PREVENTION" : "EXPIRED";
    if (status !== "FILLED") this.report(account, order, executionType, null, time, cancelClientOrderId);
    else this.report(account, order, "TRADE", null, time);
    if (status !== "FILLED" && order.orderListId >= 0) this.endListWith(account, order, status, time, cancelClientOrderId);
  }

  // ---------------------------------------------------------------- cancel & query

  cancelOrder(account: Account, symbol: string, ref: OrderRef, cancelClientOrderId: string): SimOrder {
    this.market(symbol);
    const order = account.findOrder(symbol, ref);
    // Cancelling one order of a list cancels the whole list (a pending OTO order included).
    if (!order || !(isOpen(order) || order.status === "PENDING_NEW")) throw binanceErrors.unknownOrder();
    const now = this.options.now();
    const spec = this.market(symbol).spec;
    this.finish(account, order, "CANCELED", now, cancelClientOrderId);
    this.balanceChanged(account, new Set([spec.base, spec.quote]), now);
    return order;
  }

  cancelAll(account: Account, symbol: string, cancelClientOrderId: (order: SimOrder) => string): SimOrder[] {
    this.market(symbol);
    const open = account.openOrders(symbol);
    if (open.length === 0) throw binanceErrors.unknownOrder();
    const cancelled: SimOrder[] = [];
    for (const o of open) {
      // An order of a list was cancelled with the list's first order (same cancel id).
      if (isOpen(o)) this.cancelOrder(account, symbol, { orderId: o.orderId }, cancelClientOrderId(o));
      if (!cancelled.includes(o)) cancelled.push(o);
      const list = this.listOf(account, o);
      for (const other of list?.orders ?? []) if (other.status === "CANCELED" && !cancelled.includes(other)) cancelled.push(other);
    }
    return cancelled;
  }

  queryOrder(account: Account, symbol: string, ref: OrderRef): SimOrder {
    this.market(symbol);
    const order = account.findOrder(symbol, ref);
    if (!order) throw binanceErrors.orderDoesNotExist();
    return order;
  }

  // ---------------------------------------------------------------- market events

  /**
   * A sub-step printed at `priceTicks` with `volume` base traded: trigger stops, then fill resting
   * limits the price traded through.
   */
  onSubstep(market: SymbolMarket, time: number, priceTicks: number, volume: number, prints: readonly number[] = [volume]): void {
    const entries = this.openBySymbol.get(market.spec.id);
    if (!entries || entries.length === 0) return;
    const spec = market.spec;
    const qtyScale = 10 ** spec.qtyDecimals;
    const substep = Math.floor(time / SUBSTEP_MS);
    // What traded at this sub-step is what resting orders can fill (the shared fill model), print by print.
    const touchedByAccount = new Map<Account, Set<string>>();
    const touched = (account: Account) => {
      let set = touchedByAccount.get(account);
      if (!set) touchedByAccount.set(account, (set = new Set()));
      return set;
    };
    const triggered = new Set<SimOrder>();
    for (const { account, order } of [...entries]) {
      if (!isOpen(order)) continue;
      if (!order.isWorking) {
        const stopTicks = market.toTicks(order.stopPrice);
        if (!this.waitingStopTriggers(order, priceTicks, stopTicks, time)) continue;
        triggered.add(order);
        order.isWorking = true;
        order.workingTime = time;
        order.updateTime = time;
        // A triggered OCO order activates its pair: the other order expires.
        if (order.orderListId >= 0) this.activateOcoLeg(account, order, time);
        if (MARKET_STOP_TYPES.has(order.type)) {
          this.executeTriggeredStop(account, market, order, market.book.levelsAt(priceTicks, substep), touched(account), substep, time);
          continue;
        }
        // The triggered limit meets the book as it stands at this price.
        this.takeAsLimit(account, market, order, market.book.levelsAt(priceTicks, substep), touched(account), substep);
        this.joinQueue(market, order);
        continue;
      }
    }
    // Orders a stop triggered at this sub-step met the book already: the prints go to those working before.
    const working = entries.filter(({ order }) => isOpen(order) && order.isWorking && !triggered.has(order));
    for (const print of prints) {
      let capacitySteps = Math.floor(print * this.participation * qtyScale + 1e-7);
      for (const { account, order } of working) {
        if (capacitySteps <= 0) break;
        if (!isOpen(order)) continue;
        // The shared fill model: through the limit fills, a touch fills after the queue ahead.
        const limitTicks = market.toTicks(order.price);
        const origSteps = Math.round(order.origQty * qtyScale);
        const remaining = Math.min(origSteps - Math.round(order.executedQty * qtyScale), this.fillCapSteps(spec, order, origSteps));
        const r = restingFill(
          { side: order.side === "BUY" ? "buy" : "sell", limit: limitTicks, remaining: Math.max(0, remaining), queueAhead: order.queueAheadSteps },
          { price: priceTicks, units: capacitySteps },
        );
        order.queueAheadSteps = r.queueAhead;
        capacitySteps -= r.used;
        if (r.fill <= 0) continue;
        this.applyFill(account, market, order, limitTicks, r.fill, true, time, touched(account), false, substep);
      }
    }
    for (const [account, assets] of touchedByAccount) if (assets.size) this.balanceChanged(account, assets, time);
  }

  // ---------------------------------------------------------------- bookkeeping

  private indexOpen(account: Account, order: SimOrder): void {
    let list = this.openBySymbol.get(order.symbol);
    if (!list) this.openBySymbol.set(order.symbol, (list = []));
    list.push({ account, order });
  }

  private unindexIfClosed(order: SimOrder): void {
    const list = this.openBySymbol.get(order.symbol);
    if (!list) return;
    const index = list.findIndex((e) => e.order === order);
    if (index >= 0 && !isOpen(order)) list.splice(index, 1);
  }

  private report(account: Account, order: SimOrder, executionType: ExecutionType, fill: SimFill | null, time: number, cancelClientOrderId: string | null = null): void {
    if (executionType === "TRADE" && fill === null) return;
    this.listener?.onExecutionReport(account, { order: { ...order, fills: [...order.fills] }, executionType, fill, cancelClientOrderId, time });
  }

  private balanceChanged(account: Account, assets: Set<string>, time: number): void {
    account.updateTime = time;
    this.listener?.onBalanceUpdate(account, [...assets], time);
  }
}
