import { Decimal, roundMoney } from "../../core/decimal";
import { addQty, cmpQty, subQty } from "../../core/quantity";
import { binanceErrors } from "../binance-errors";
import { MINUTE_MS } from "../candles";
import type { SimulatorCore } from "../core";
import type { SymbolMarket } from "../market";
import type { Account } from "../matching-engine";
import { bracketFor, buildContract, maxNotionalForLeverage, type ContractSpec } from "./contracts";
import { futuresErrors } from "./errors";
import { bankruptcyPrice, liquidationPrice, maintenanceMargin } from "./margin";
import { FuturesDepthFeed } from "./market-feed";
import { FUNDING_INTERVAL_MS, PremiumModel, roundTo } from "./pricing";

/**
 * The USDⓈ-M futures venue of the simulator: one-way positions (position side BOTH), isolated and
 * cross margin on a USDT wallet per API key, fills against the perpetual's price (index = the spot
 * simulator's price, see pricing.ts), funding every 8 h and liquidation by the venue.
 *
 * Time is the spot core's simulated time; the engine catches up lazily (each request, and a timer)
 * one completed 1-minute candle at a time, in time order: funding at the minute's open, then
 * resting LIMIT and triggered algo orders against the minute's contract-price range, then the
 * liquidation check against the minute's worst mark price (high for shorts, low for longs).
 */

export type MarginType = "ISOLATED" | "CROSSED";
export type Side = "BUY" | "SELL";

export interface FuturesOrder {
  orderId: number;
  symbol: string;
  clientOrderId: string;
  side: Side;
  type: string;
  origType: string;
  timeInForce: string;
  price: number;
  stopPrice: number;
  origQty: number;
  executedQty: number;
  cumQuote: Decimal;
  status: "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED";
  reduceOnly: boolean;
  closePosition: boolean;
  workingType: string;
  time: number;
  updateTime: number;
  /** Liquidation orders of the venue (clientOrderId autoclose-…). */
  liquidation: boolean;
}

export interface AlgoOrder {
  algoId: number;
  clientAlgoId: string;
  symbol: string;
  side: Side;
  orderType: "STOP_MARKET" | "TAKE_PROFIT_MARKET";
  quantity: number;
  triggerPrice: number;
  workingType: "MARK_PRICE" | "CONTRACT_PRICE";
  reduceOnly: boolean;
  closePosition: boolean;
  algoStatus: "NEW" | "CANCELED" | "TRIGGERED" | "FINISHED" | "EXPIRED";
  createTime: number;
  updateTime: number;
  triggerTime: number;
  actualOrderId: number | null;
}

export interface FuturesTrade {
  id: number;
  orderId: number;
  symbol: string;
  side: Side;
  price: number;
  qty: number;
  quoteQty: string;
  realizedPnl: string;
  commission: string;
  maker: boolean;
  time: number;
}

export interface IncomeRecord {
  symbol: string;
  incomeType: "REALIZED_PNL" | "COMMISSION" | "FUNDING_FEE" | "INSURANCE_CLEAR";
  income: string;
  asset: "USDT";
  time: number;
  tranId: number;
  tradeId: string;
  info: string;
}

export interface Position {
  /** Signed quantity (exact 8-decimal double). */
  amt: number;
  entryPrice: Decimal;
  /** Isolated margin of the position (0 for cross). */
  isolatedWallet: Decimal;
  /** (Pre-fee) accumulated realised P&L of the symbol (ACCOUNT_UPDATE `cr`). */
  realized: Decimal;
  updateTime: number;
}

/** Binance's execution types of ORDER_TRADE_UPDATE (`x`); CALCULATED is a liquidation fill. */
export type ExecutionType = "NEW" | "CANCELED" | "CALCULATED" | "EXPIRED" | "TRADE";
/** Binance's ACCOUNT_UPDATE reasons (`a.m`) that this venue produces. */
export type AccountUpdateReason = "ORDER" | "FUNDING_FEE";

/** What the user-data stream needs to know; every call is synchronous, right after the change. */
export interface FuturesListener {
  onOrderUpdate?(acct: FuturesAccount, order: FuturesOrder, execution: ExecutionType, trade: FuturesTrade | null): void;
  /** Positions of `symbols` changed (empty: the balance only); `balanceChange` = funding paid or received. */
  onAccountUpdate?(acct: FuturesAccount, reason: AccountUpdateReason, symbols: string[], time: number, balanceChange: Decimal): void;
  onLeverageUpdate?(acct: FuturesAccount, symbol: string, leverage: number, time: number): void;
  /** The margin ratio of `symbols` (isolated: one symbol; cross: every cross position) reached marginCallRatio. */
  onMarginCall?(acct: FuturesAccount, symbols: string[], cross: boolean, time: number): void;
}

interface SymbolSettings {
  leverage: number;
  marginType: MarginType;
}

export class FuturesAccount {
  /** Total USDT wallet balance (cross wallet + every isolated wallet). */
  wallet: Decimal;
  readonly positions = new Map<string, Position>();
  readonly settings = new Map<string, SymbolSettings>();
  readonly orders = new Map<number, FuturesOrder>();
  readonly algoOrders = new Map<number, AlgoOrder>();
  readonly trades: FuturesTrade[] = [];
  readonly income: IncomeRecord[] = [];
  updateTime = 0;
  /** Margin-call scopes ("CROSSED" or an isolated symbol) at or above marginCallRatio (one MARGIN_CALL per crossing). */
  readonly marginCalled = new Set<string>();

  constructor(
    readonly spot: Account,
    walletUsdt: number,
  ) {
    this.wallet = new Decimal(walletUsdt);
  }

  setting(symbol: string): SymbolSettings {
    let s = this.settings.get(symbol);
    if (!s) {
      s = { leverage: 20, marginType: "CROSSED" };
      this.settings.set(symbol, s);
    }
    return s;
  }

  position(symbol: string): Position {
    let p = this.positions.get(symbol);
    if (!p) {
      p = { amt: 0, entryPrice: new Decimal(0), isolatedWallet: new Decimal(0), realized: new Decimal(0), updateTime: 0 };
      this.positions.set(symbol, p);
    }
    return p;
  }
}

export interface FuturesEngineOptions {
  /** Starting USDT wallet of each account's futures wallet. Default 10 000. */
  walletUsdt?: number;
  makerFee?: number;
  takerFee?: number;
  /** Spot symbols that get a perpetual. Default every USDT-quoted spot market. */
  symbols?: string[];
  /**
   * Margin ratio (maintenance margin / margin balance, Binance's definition) at which the user-data
   * stream pushes MARGIN_CALL, once per upward crossing. Default 0.8; liquidation happens at 1.
   */
  marginCallRatio?: number;
}

export interface PositionView {
  symbol: string;
  amt: number;
  entryPrice: number;
  markPrice: number;
  unrealized: number;
  notional: number;
  leverage: number;
  marginType: MarginType;
  isolatedWallet: number;
  isolatedMargin: number;
  initialMargin: number;
  maintMargin: number;
  liquidationPrice: number;
  breakEvenPrice: number;
  maxNotional: number;
  updateTime: number;
}

export interface NewFuturesOrder {
  symbol: string;
  side: Side;
  type: "MARKET" | "LIMIT";
  timeInForce?: "GTC" | "IOC" | "FOK" | "GTX";
  quantity?: number;
  price?: number;
  reduceOnly: boolean;
  clientOrderId: string;
}

const ZERO = new Decimal(0);
const sideSign = (s: Side): 1 | -1 => (s === "BUY" ? 1 : -1);

export class FuturesEngine {
  readonly contracts = new Map<string, ContractSpec>();
  readonly premium: PremiumModel;
  /** The perpetuals' order books with their update ids (REST depth and the diff depth streams). */
  readonly depthFeed: FuturesDepthFeed = new FuturesDepthFeed(this);
  private readonly accounts = new Map<Account, FuturesAccount>();
  private readonly walletUsdt: number;
  private readonly makerFee: number;
  private readonly takerFee: number;
  private readonly marginCallRatio: number;
  private readonly listeners = new Set<FuturesListener>();
  private nextOrderId = 4_000_000_000;
  private nextTradeId = 300_000_000;
  private nextTranId = 9_000_000_000;
  private nextAlgoId = 1000;
  /** Open time of the next minute to process. */
  private processedMinute: number;
  /** The last funding time booked. */
  private lastFunding: number;

  constructor(
    readonly core: SimulatorCore,
    options: FuturesEngineOptions = {},
  ) {
    this.walletUsdt = options.walletUsdt ?? 10_000;
    this.makerFee = options.makerFee ?? 0.0002;
    this.takerFee = options.takerFee ?? 0.0005;
    this.marginCallRatio = options.marginCallRatio ?? 0.8;
    this.premium = new PremiumModel(core.seed);
    for (const spec of core.specs()) {
      if (spec.quote !== "USDT") continue;
      if (options.symbols && !options.symbols.includes(spec.symbol) && !options.symbols.includes(spec.id)) continue;
      this.contracts.set(spec.id, buildContract(spec));
    }
    this.processedMinute = Math.floor(core.startTime / MINUTE_MS) * MINUTE_MS;
    this.lastFunding = Math.floor(core.startTime / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
  }

  addListener(listener: FuturesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emitOrder(acct: FuturesAccount, order: FuturesOrder, execution: ExecutionType, trade: FuturesTrade | null = null): void {
    for (const l of this.listeners) l.onOrderUpdate?.(acct, order, execution, trade);
  }

  private emitAccount(acct: FuturesAccount, reason: AccountUpdateReason, symbols: string[], time: number, balanceChange: Decimal = ZERO): void {
    for (const l of this.listeners) l.onAccountUpdate?.(acct, reason, symbols, time, balanceChange);
  }

  /** Every futures account opened so far (an API key gets one on its first futures request). */
  allAccounts(): FuturesAccount[] {
    return [...this.accounts.values()];
  }

  account(spot: Account): FuturesAccount {
    let a = this.accounts.get(spot);
    if (!a) {
      a = new FuturesAccount(spot, this.walletUsdt);
      // The starting wallet is a deposit made now: Binance stamps the asset with it (an asset with
      // updateTime 0 is one never funded, and ccxt's fetchBalance skips it as stale).
      a.updateTime = this.core.now();
      this.accounts.set(spot, a);
    }
    return a;
  }

  contract(id: string): ContractSpec {
    const c = this.contracts.get(id);
    if (!c) throw binanceErrors.invalidSymbol();
    return c;
  }

  private spotMarket(c: ContractSpec): SymbolMarket {
    return this.core.market(c.spot.id)!;
  }

  // ---------------------------------------------------------------- prices

  indexPrice(c: ContractSpec): number {
    return this.spotMarket(c).lastPrice;
  }

  markPrice(c: ContractSpec, t = this.core.now()): number {
    return this.premium.markPrice(c, this.indexPrice(c), t);
  }

  /** Best bid and ask of the perpetual: the contract price on the tick grid, one tick wide. */
  top(c: ContractSpec, t = this.core.now()): { bid: number; ask: number } {
    const price = this.premium.contractPrice(c, this.indexPrice(c), t);
    const bid = new Decimal(price).div(c.tickSize).floor().mul(c.tickSize).toNumber();
    return { bid, ask: new Decimal(bid).plus(c.tickSize).toNumber() };
  }

  /**
   * The perpetual's book: the spot book's level sizes (to the contract's step) on a one-tick
   * ladder from the contract's best bid and ask (REST /fapi/v1/depth and the depth streams).
   */
  depth(c: ContractSpec, limit: number): { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] } {
    const { bid, ask } = this.top(c);
    const snap = this.spotMarket(c).book.snapshot(limit);
    const level = (base: number, i: number, dir: number, qty: number | undefined): [string, string] => [
      new Decimal(base).plus(new Decimal(c.tickSize).mul(i * dir)).toFixed(c.pricePrecision),
      new Decimal(qty ?? 1).toDecimalPlaces(c.quantityPrecision, Decimal.ROUND_DOWN).toFixed(c.quantityPrecision),
    ];
    return {
      lastUpdateId: snap.lastUpdateId,
      bids: snap.bids.map((l, i) => level(bid, i, -1, l.qty)).filter((l) => Number(l[0]) > 0),
      asks: snap.asks.map((l, i) => level(ask, i, 1, l.qty)),
    };
  }

  // ---------------------------------------------------------------- account figures

  positionView(acct: FuturesAccount, c: ContractSpec, mark = this.markPrice(c)): PositionView {
    const p = acct.position(c.id);
    const s = acct.setting(c.id);
    const qty = Math.abs(p.amt);
    const notional = new Decimal(p.amt).mul(mark);
    const unrealized = new Decimal(p.amt).mul(new Decimal(mark).minus(p.entryPrice));
    const maint = qty > 0 ? maintenanceMargin(notional.toNumber(), c.brackets) : 0;
    const isolated = s.marginType === "ISOLATED";
    let liq = 0;
    if (qty > 0) {
      const side = p.amt > 0 ? 1 : -1;
      if (isolated) {
        liq = liquidationPrice({ side, qty, entryPrice: p.entryPrice.toNumber(), walletBalance: p.isolatedWallet.toNumber(), otherMaintMargin: 0, otherUnrealized: 0, brackets: c.brackets });
      } else {
        const others = this.crossFigures(acct, c.id);
        liq = liquidationPrice({
          side,
          qty,
          entryPrice: p.entryPrice.toNumber(),
          walletBalance: this.crossWallet(acct).toNumber(),
          otherMaintMargin: others.maint,
          otherUnrealized: others.unrealized,
          brackets: c.brackets,
        });
      }
    }
    const fee = this.takerFee;
    // Break-even: entry moved by the round-trip taker fee.
    const breakEven = qty > 0 ? p.entryPrice.mul(p.amt > 0 ? 1 + 2 * fee : 1 - 2 * fee).toNumber() : 0;
    return {
      symbol: c.id,
      amt: p.amt,
      entryPrice: p.entryPrice.toNumber(),
      markPrice: mark,
      unrealized: unrealized.toDecimalPlaces(8).toNumber(),
      notional: notional.toDecimalPlaces(8).toNumber(),
      leverage: s.leverage,
      marginType: s.marginType,
      isolatedWallet: p.isolatedWallet.toDecimalPlaces(8).toNumber(),
      isolatedMargin: isolated ? p.isolatedWallet.plus(unrealized).toDecimalPlaces(8).toNumber() : 0,
      initialMargin: notional.abs().div(s.leverage).toDecimalPlaces(8).toNumber(),
      maintMargin: maint,
      liquidationPrice: liq,
      breakEvenPrice: breakEven,
      maxNotional: maxNotionalForLeverage(c.brackets, s.leverage),
      updateTime: p.updateTime,
    };
  }

  /** Σ isolated wallets. */
  private isolatedTotal(acct: FuturesAccount): Decimal {
    let total = ZERO;
    for (const p of acct.positions.values()) total = total.plus(p.isolatedWallet);
    return total;
  }

  crossWallet(acct: FuturesAccount): Decimal {
    return acct.wallet.minus(this.isolatedTotal(acct));
  }

  /** Maintenance margin and unrealised P&L of the cross positions other than `except`. */
  private crossFigures(acct: FuturesAccount, except?: string): { maint: number; unrealized: number; initial: number } {
    let maint = ZERO;
    let unrealized = ZERO;
    let initial = ZERO;
    for (const [symbol, p] of acct.positions) {
      if (symbol === except || p.amt === 0 || acct.setting(symbol).marginType !== "CROSSED") continue;
      const c = this.contract(symbol);
      const mark = this.markPrice(c);
      const notional = new Decimal(p.amt).mul(mark);
      maint = maint.plus(maintenanceMargin(notional.toNumber(), c.brackets));
      unrealized = unrealized.plus(new Decimal(p.amt).mul(new Decimal(mark).minus(p.entryPrice)));
      initial = initial.plus(notional.abs().div(acct.setting(symbol).leverage));
    }
    return { maint: maint.toNumber(), unrealized: unrealized.toNumber(), initial: initial.toNumber() };
  }

  /** Margin frozen by resting orders: the opening part of each order / leverage. */
  openOrderMargin(acct: FuturesAccount, symbol?: string): Decimal {
    let total = ZERO;
    for (const o of acct.orders.values()) {
      if ((o.status !== "NEW" && o.status !== "PARTIALLY_FILLED") || o.reduceOnly || (symbol && o.symbol !== symbol)) continue;
      const remaining = subQty(o.origQty, o.executedQty);
      const pos = acct.position(o.symbol).amt;
      const opposite = (pos > 0 && o.side === "SELL") || (pos < 0 && o.side === "BUY");
      const opening = opposite ? Math.max(0, subQty(remaining, Math.abs(pos))) : remaining;
      total = total.plus(new Decimal(opening).mul(o.price).div(acct.setting(o.symbol).leverage));
    }
    return total;
  }

  accountFigures(acct: FuturesAccount) {
    let unrealized = ZERO;
    let crossUnPnl = ZERO;
    let positionInitial = ZERO;
    let maint = ZERO;
    const views: PositionView[] = [];
    for (const c of this.contracts.values()) {
      const v = this.positionView(acct, c);
      views.push(v);
      if (v.amt === 0) continue;
      unrealized = unrealized.plus(v.unrealized);
      if (v.marginType === "CROSSED") crossUnPnl = crossUnPnl.plus(v.unrealized);
      positionInitial = positionInitial.plus(v.initialMargin);
      maint = maint.plus(v.maintMargin);
    }
    const openOrder = this.openOrderMargin(acct);
    const crossWallet = this.crossWallet(acct);
    let crossInitial = ZERO;
    for (const v of views) if (v.amt !== 0 && v.marginType === "CROSSED") crossInitial = crossInitial.plus(v.initialMargin);
    const available = crossWallet.plus(crossUnPnl).minus(crossInitial).minus(openOrder);
    const maxWithdraw = Decimal.max(0, Decimal.min(crossWallet, available));
    return {
      views,
      wallet: acct.wallet,
      unrealized,
      marginBalance: acct.wallet.plus(unrealized),
      crossWallet,
      crossUnPnl,
      positionInitial,
      openOrder,
      initial: positionInitial.plus(openOrder),
      maint,
      available,
      maxWithdraw,
    };
  }

  // ---------------------------------------------------------------- settings

  setLeverage(acct: FuturesAccount, c: ContractSpec, leverageRaw: string): { leverage: number; maxNotionalValue: number } {
    if (!/^\d{1,3}$/.test(leverageRaw)) throw futuresErrors.invalidLeverage(leverageRaw);
    const leverage = Number(leverageRaw);
    if (leverage < 1 || leverage > c.brackets[0].initialLeverage) throw futuresErrors.invalidLeverage(leverageRaw);
    const p = acct.position(c.id);
    const cap = maxNotionalForLeverage(c.brackets, leverage);
    if (p.amt !== 0 && Math.abs(p.amt) * this.markPrice(c) > cap) throw futuresErrors.maxLeverageRatio();
    const s = acct.setting(c.id);
    if (p.amt !== 0 && s.marginType === "ISOLATED" && leverage < s.leverage) {
      // Raising the margin of an isolated position needs the cross wallet to cover the difference.
      const needed = new Decimal(Math.abs(p.amt)).mul(p.entryPrice).div(leverage).minus(p.isolatedWallet);
      if (needed.gt(this.accountFigures(acct).available)) throw futuresErrors.marginInsufficient();
      if (needed.gt(0)) p.isolatedWallet = p.isolatedWallet.plus(needed);
    }
    s.leverage = leverage;
    for (const l of this.listeners) l.onLeverageUpdate?.(acct, c.id, leverage, this.core.now());
    return { leverage, maxNotionalValue: cap };
  }

  setMarginType(acct: FuturesAccount, c: ContractSpec, raw: string): void {
    const wanted = raw.toUpperCase();
    if (wanted !== "ISOLATED" && wanted !== "CROSSED") throw futuresErrors.invalidMarginType();
    const s = acct.setting(c.id);
    if (s.marginType === wanted) throw futuresErrors.noNeedToChangeMarginType();
    for (const o of acct.orders.values()) if (o.symbol === c.id && (o.status === "NEW" || o.status === "PARTIALLY_FILLED")) throw futuresErrors.marginTypeOpenOrders();
    for (const a of acct.algoOrders.values()) if (a.symbol === c.id && a.algoStatus === "NEW") throw futuresErrors.marginTypeOpenOrders();
    if (acct.position(c.id).amt !== 0) throw futuresErrors.marginTypePosition();
    s.marginType = wanted;
  }

  // ---------------------------------------------------------------- orders

  /** Filters of a price: tick grid, PRICE_FILTER bounds. `raw` is the decimal string sent. */
  checkPrice(c: ContractSpec, raw: string): number {
    const price = checkDecimal(raw, c.pricePrecision);
    if (price <= 0) throw futuresErrors.priceLessThanZero();
    if (!new Decimal(raw).mod(c.tickSize).isZero()) throw futuresErrors.priceNotByTick();
    if (price < c.minPrice) throw futuresErrors.priceLessThanMin();
    if (price > c.maxPrice) throw futuresErrors.priceGreaterThanMax();
    return price;
  }

  checkQuantity(c: ContractSpec, raw: string, market: boolean): number {
    const qty = checkDecimal(raw, c.quantityPrecision);
    if (qty <= 0) throw futuresErrors.qtyLessThanZero();
    if (!new Decimal(raw).mod(c.stepSize).isZero()) throw futuresErrors.qtyNotByStep();
    if (qty < c.minQty) throw futuresErrors.qtyLessThanMin();
    if (qty > (market ? c.marketMaxQty : c.maxQty)) throw futuresErrors.qtyGreaterThanMax();
    return qty;
  }

  private orderRecord(acct: FuturesAccount, o: Omit<FuturesOrder, "orderId" | "executedQty" | "cumQuote" | "status" | "time" | "updateTime" | "liquidation">): FuturesOrder {
    const now = this.core.now();
    const order: FuturesOrder = { ...o, orderId: this.nextOrderId++, executedQty: 0, cumQuote: ZERO, status: "NEW", time: now, updateTime: now, liquidation: false };
    acct.orders.set(order.orderId, order);
    return order;
  }

  /**
   * Place a MARKET or LIMIT order with Binance's checks, in Binance's order: reduce-only, minimum
   * notional, leverage cap of the bracket, margin; then fill what is marketable.
   */
  placeOrder(acct: FuturesAccount, req: NewFuturesOrder): FuturesOrder {
    this.sync();
    const c = this.contract(req.symbol);
    if (acct.trades.length === 0 && acct.orders.size === 0) acct.updateTime = this.core.now();
    const qty = req.quantity!;
    const { bid, ask } = this.top(c);
    const mark = this.markPrice(c);
    if (req.type === "LIMIT") {
      const up = roundTo(mark * c.multiplierUp, c.pricePrecision);
      const down = roundTo(mark * c.multiplierDown, c.pricePrecision);
      if (req.side === "BUY" && req.price! > up) throw futuresErrors.priceAboveMultiplierUp(up.toFixed(c.pricePrecision));
      if (req.side === "SELL" && req.price! < down) throw futuresErrors.priceBelowMultiplierDown(down.toFixed(c.pricePrecision));
    }
    const fillPrice = req.side === "BUY" ? ask : bid;
    const marketable = req.type === "MARKET" || (req.side === "BUY" ? req.price! >= ask : req.price! <= bid);
    const refPrice = req.type === "MARKET" ? fillPrice : req.price!;
    this.checkOpening(acct, c, req.side, qty, refPrice, req.reduceOnly, mark);

    if (req.type === "LIMIT" && req.timeInForce === "FOK" && !marketable) throw futuresErrors.fokRejected();
    if (req.type === "LIMIT" && req.timeInForce === "GTX" && marketable) throw futuresErrors.gtxRejected();
    const order = this.orderRecord(acct, {
      symbol: c.id,
      clientOrderId: req.clientOrderId,
      side: req.side,
      type: req.type,
      origType: req.type,
      timeInForce: req.type === "MARKET" ? "GTC" : req.timeInForce!,
      price: req.type === "MARKET" ? 0 : req.price!,
      stopPrice: 0,
      origQty: qty,
      reduceOnly: req.reduceOnly,
      closePosition: false,
      workingType: "CONTRACT_PRICE",
    });
    this.emitOrder(acct, order, "NEW");
    if (marketable) {
      // A marketable LIMIT fills at the touch (never worse than its limit), as a taker.
      this.fill(acct, c, order, qty, fillPrice, false);
    } else if (req.timeInForce === "IOC") {
      order.status = "EXPIRED";
      this.emitOrder(acct, order, "EXPIRED");
    }
    return order;
  }

  /** Reduce-only, notional, bracket and margin checks of an order that may open exposure. */
  private checkOpening(acct: FuturesAccount, c: ContractSpec, side: Side, qty: number, price: number, reduceOnly: boolean, mark: number): void {
    const pos = acct.position(c.id).amt;
    const sign = sideSign(side);
    if (reduceOnly) {
      // Reduce-only: against the position and no larger than it (with other reduce-only orders).
      let pending = 0;
      for (const o of acct.orders.values()) {
        if (o.symbol === c.id && o.reduceOnly && (o.status === "NEW" || o.status === "PARTIALLY_FILLED")) pending = addQty(pending, subQty(o.origQty, o.executedQty));
      }
      if (pos === 0 || Math.sign(pos) === sign || cmpQty(addQty(qty, pending), Math.abs(pos)) > 0) throw futuresErrors.reduceOnlyRejected();
      return;
    }
    if (new Decimal(qty).mul(price).lt(c.minNotional)) throw futuresErrors.minNotional(c.minNotional);
    const s = acct.setting(c.id);
    const newAmt = addQty(pos, sign * qty);
    const opening = Math.sign(pos) === sign || pos === 0 ? qty : Math.max(0, subQty(qty, Math.abs(pos)));
    if (opening === 0) return;
    const notionalAfter = Math.abs(newAmt) * Math.max(price, mark);
    if (notionalAfter > maxNotionalForLeverage(c.brackets, s.leverage)) throw futuresErrors.maxLeverageRatio();
    // Initial margin of the opening part, plus the open loss of a buy above / sell below the mark.
    const initial = new Decimal(opening).mul(price).div(s.leverage);
    const openLoss = new Decimal(opening).mul(Decimal.max(0, new Decimal(price).minus(mark).mul(sign)));
    const fee = new Decimal(opening).mul(price).mul(this.takerFee);
    if (initial.plus(openLoss).plus(fee).gt(this.accountFigures(acct).available)) throw futuresErrors.marginInsufficient();
  }

  /** Book a fill: position, entry, isolated margin, realised P&L, commission. */
  private fill(acct: FuturesAccount, c: ContractSpec, order: FuturesOrder, qty: number, price: number, maker: boolean, commissionOverride?: Decimal): FuturesTrade {
    const now = this.core.now();
    const p = acct.position(c.id);
    const s = acct.setting(c.id);
    const sign = sideSign(order.side);
    let realized = ZERO;
    let remaining = qty;
    if (p.amt !== 0 && Math.sign(p.amt) !== sign) {
      const closeQty = Math.min(remaining, Math.abs(p.amt));
      const posSign = Math.sign(p.amt);
      realized = new Decimal(closeQty).mul(new Decimal(price).minus(p.entryPrice)).mul(posSign);
      const released = p.isolatedWallet.mul(closeQty).div(Math.abs(p.amt));
      p.isolatedWallet = p.isolatedWallet.minus(released);
      p.amt = addQty(p.amt, sign * closeQty);
      if (p.amt === 0) {
        p.entryPrice = ZERO;
        p.isolatedWallet = ZERO;
      }
      remaining = subQty(remaining, closeQty);
    }
    if (remaining > 0) {
      const oldQty = Math.abs(p.amt);
      const newQty = addQty(oldQty, remaining);
      p.entryPrice = p.entryPrice.mul(oldQty).plus(new Decimal(remaining).mul(price)).div(newQty);
      p.amt = addQty(p.amt, sign * remaining);
      if (s.marginType === "ISOLATED") p.isolatedWallet = p.isolatedWallet.plus(new Decimal(remaining).mul(price).div(s.leverage));
    }
    p.updateTime = now;
    const quote = new Decimal(qty).mul(price);
    const commission = commissionOverride ?? new Decimal(roundMoney(quote.mul(maker ? this.makerFee : this.takerFee).toNumber()));
    const realizedBooked = new Decimal(roundMoney(realized.toNumber()));
    acct.wallet = acct.wallet.plus(realizedBooked).minus(commission);
    p.realized = p.realized.plus(realizedBooked);
    order.executedQty = addQty(order.executedQty, qty);
    order.cumQuote = order.cumQuote.plus(quote);
    order.status = cmpQty(order.executedQty, order.origQty) >= 0 ? "FILLED" : "PARTIALLY_FILLED";
    order.updateTime = now;
    acct.updateTime = now;
    const trade: FuturesTrade = {
      id: this.nextTradeId++,
      orderId: order.orderId,
      symbol: c.id,
      side: order.side,
      price,
      qty,
      quoteQty: quote.toFixed(8),
      realizedPnl: realizedBooked.toFixed(8),
      commission: commission.toFixed(8),
      maker,
      time: now,
    };
    acct.trades.push(trade);
    if (!realizedBooked.isZero()) this.addIncome(acct, c.id, "REALIZED_PNL", realizedBooked, now, String(trade.id));
    if (!commission.isZero()) this.addIncome(acct, c.id, order.liquidation ? "INSURANCE_CLEAR" : "COMMISSION", commission.neg(), now, String(trade.id));
    this.emitOrder(acct, order, order.liquidation ? "CALCULATED" : "TRADE", trade);
    this.emitAccount(acct, "ORDER", [c.id], now);
    return trade;
  }

  private addIncome(acct: FuturesAccount, symbol: string, incomeType: IncomeRecord["incomeType"], amount: Decimal, time: number, tradeId = ""): void {
    acct.income.push({ symbol, incomeType, income: amount.toFixed(8), asset: "USDT", time, tranId: this.nextTranId++, tradeId, info: incomeType });
  }

  cancelOrder(acct: FuturesAccount, symbol: string, ref: { orderId?: number; origClientOrderId?: string }): FuturesOrder {
    this.sync();
    const order = this.findOrder(acct, symbol, ref);
    if (!order || (order.status !== "NEW" && order.status !== "PARTIALLY_FILLED")) throw binanceErrors.unknownOrder();
    order.status = "CANCELED";
    order.updateTime = this.core.now();
    this.emitOrder(acct, order, "CANCELED");
    return order;
  }

  findOrder(acct: FuturesAccount, symbol: string, ref: { orderId?: number; origClientOrderId?: string }): FuturesOrder | undefined {
    if (ref.orderId !== undefined) {
      const o = acct.orders.get(ref.orderId);
      return o && o.symbol === symbol ? o : undefined;
    }
    for (const o of acct.orders.values()) if (o.symbol === symbol && o.clientOrderId === ref.origClientOrderId) return o;
    return undefined;
  }

  // ---------------------------------------------------------------- algo (conditional) orders

  placeAlgoOrder(
    acct: FuturesAccount,
    req: Omit<AlgoOrder, "algoId" | "algoStatus" | "createTime" | "updateTime" | "triggerTime" | "actualOrderId">,
  ): AlgoOrder {
    this.sync();
    const c = this.contract(req.symbol);
    const pos = acct.position(c.id).amt;
    const sign = sideSign(req.side);
    const ref = req.workingType === "MARK_PRICE" ? this.markPrice(c) : this.premium.contractPrice(c, this.indexPrice(c), this.core.now());
    // A buy stop triggers when the price rises to it, a buy take-profit when it falls to it.
    const triggersAbove = (req.orderType === "STOP_MARKET") === (req.side === "BUY");
    if (triggersAbove ? ref >= req.triggerPrice : ref <= req.triggerPrice) throw futuresErrors.orderWouldTrigger();
    if (req.reduceOnly && !req.closePosition && (pos === 0 || Math.sign(pos) === sign || req.quantity > Math.abs(pos))) throw futuresErrors.reduceOnlyRejected();
    if (!req.reduceOnly && !req.closePosition && new Decimal(req.quantity).mul(req.triggerPrice).lt(c.minNotional)) throw futuresErrors.minNotional(c.minNotional);
    const now = this.core.now();
    const algo: AlgoOrder = { ...req, algoId: this.nextAlgoId++, algoStatus: "NEW", createTime: now, updateTime: now, triggerTime: 0, actualOrderId: null };
    acct.algoOrders.set(algo.algoId, algo);
    return algo;
  }

  cancelAlgoOrder(acct: FuturesAccount, ref: { algoId?: number; clientAlgoId?: string }): AlgoOrder {
    this.sync();
    let found: AlgoOrder | undefined;
    if (ref.algoId !== undefined) found = acct.algoOrders.get(ref.algoId);
    else for (const a of acct.algoOrders.values()) if (a.clientAlgoId === ref.clientAlgoId) found = a;
    if (!found || found.algoStatus !== "NEW") throw binanceErrors.unknownOrder();
    found.algoStatus = "CANCELED";
    found.updateTime = this.core.now();
    return found;
  }

  private triggerAlgo(acct: FuturesAccount, c: ContractSpec, algo: AlgoOrder, price: number): void {
    const now = this.core.now();
    algo.triggerTime = now;
    algo.updateTime = now;
    const pos = acct.position(c.id).amt;
    const sign = sideSign(algo.side);
    let qty = algo.quantity;
    if (algo.closePosition || algo.reduceOnly) {
      // Close-position and reduce-only orders never open or flip: they close at most the position.
      if (pos === 0 || Math.sign(pos) === sign) {
        algo.algoStatus = "EXPIRED";
        return;
      }
      qty = algo.closePosition ? Math.abs(pos) : Math.min(qty, Math.abs(pos));
    }
    const order = this.orderRecord(acct, {
      symbol: c.id,
      clientOrderId: algo.clientAlgoId,
      side: algo.side,
      type: "MARKET",
      origType: algo.orderType,
      timeInForce: "GTC",
      price: 0,
      stopPrice: algo.triggerPrice,
      origQty: qty,
      reduceOnly: algo.reduceOnly || algo.closePosition,
      closePosition: algo.closePosition,
      workingType: algo.workingType,
    });
    algo.actualOrderId = order.orderId;
    this.emitOrder(acct, order, "NEW");
    try {
      if (!order.reduceOnly) this.checkOpening(acct, c, algo.side, qty, price, false, this.markPrice(c));
      this.fill(acct, c, order, qty, price, false);
      algo.algoStatus = "FINISHED";
    } catch {
      order.status = "EXPIRED";
      algo.algoStatus = "EXPIRED";
      this.emitOrder(acct, order, "EXPIRED");
    }
  }

  // ---------------------------------------------------------------- time: fills, funding, liquidation

  /** Catch up with the spot core's time. */
  sync(): void {
    this.core.sync();
    const markets = [...this.contracts.values()];
    if (markets.length === 0) return;
    const lastSpotTime = this.spotMarket(markets[0]).lastTime;
    const lastCompleted = Math.floor(lastSpotTime / MINUTE_MS) * MINUTE_MS; // the forming minute's open
    while (this.processedMinute < lastCompleted) {
      const m = this.processedMinute;
      this.fundingUpTo(m);
      for (const c of markets) {
        const bar = this.spotMarket(c).series.at(m);
        if (!bar) continue;
        const prem = this.premium.premium(c, m);
        const contractHigh = bar.high * (1 + prem);
        const contractLow = bar.low * (1 + prem);
        const markHigh = this.premium.markPrice(c, bar.high, m);
        const markLow = this.premium.markPrice(c, bar.low, m);
        this.processRange(c, { contractHigh, contractLow, markHigh, markLow, open: this.premium.contractPrice(c, bar.open, m) });
      }
      this.processedMinute = m + MINUTE_MS;
    }
    // The forming minute: funding due at its open, then the current price.
    this.fundingUpTo(this.processedMinute);
    for (const c of markets) {
      const now = this.core.now();
      const contract = this.premium.contractPrice(c, this.indexPrice(c), now);
      const mark = this.markPrice(c, now);
      this.processRange(c, { contractHigh: contract, contractLow: contract, markHigh: mark, markLow: mark, open: contract });
    }
    this.checkMarginCalls();
  }

  /**
   * Margin ratio = maintenance margin / margin balance (isolated: of the position; cross: of every
   * cross position over the cross wallet + cross unrealised P&L). At marginCallRatio or above the
   * user-data stream gets one MARGIN_CALL; it re-arms once the ratio is back below.
   */
  marginRatios(acct: FuturesAccount): Array<{ scope: string; symbols: string[]; ratio: number }> {
    const out: Array<{ scope: string; symbols: string[]; ratio: number }> = [];
    let crossMaint = ZERO;
    let crossUnPnl = ZERO;
    const cross: string[] = [];
    for (const [symbol, p] of acct.positions) {
      if (p.amt === 0) continue;
      const v = this.positionView(acct, this.contract(symbol));
      if (v.marginType === "ISOLATED") {
        const balance = new Decimal(v.isolatedWallet).plus(v.unrealized);
        out.push({ scope: symbol, symbols: [symbol], ratio: balance.lte(0) ? Infinity : new Decimal(v.maintMargin).div(balance).toNumber() });
      } else {
        cross.push(symbol);
        crossMaint = crossMaint.plus(v.maintMargin);
        crossUnPnl = crossUnPnl.plus(v.unrealized);
      }
    }
    if (cross.length > 0) {
      const balance = this.crossWallet(acct).plus(crossUnPnl);
      out.push({ scope: "CROSSED", symbols: cross, ratio: balance.lte(0) ? Infinity : crossMaint.div(balance).toNumber() });
    }
    return out;
  }

  private checkMarginCalls(): void {
    if (this.listeners.size === 0) return;
    const now = this.core.now();
    for (const acct of this.accounts.values()) {
      const live = new Set<string>();
      for (const r of this.marginRatios(acct)) {
        if (r.ratio < this.marginCallRatio) continue;
        live.add(r.scope);
        if (acct.marginCalled.has(r.scope)) continue;
        acct.marginCalled.add(r.scope);
        for (const l of this.listeners) l.onMarginCall?.(acct, r.symbols, r.scope === "CROSSED", now);
      }
      for (const scope of acct.marginCalled) if (!live.has(scope)) acct.marginCalled.delete(scope);
    }
  }

  private processRange(c: ContractSpec, r: { contractHigh: number; contractLow: number; markHigh: number; markLow: number; open: number }): void {
    for (const acct of this.accounts.values()) {
      for (const o of acct.orders.values()) {
        if (o.symbol !== c.id || o.type !== "LIMIT" || (o.status !== "NEW" && o.status !== "PARTIALLY_FILLED")) continue;
        const hit = o.side === "BUY" ? r.contractLow <= o.price : r.contractHigh >= o.price;
        if (!hit) continue;
        const remaining = subQty(o.origQty, o.executedQty);
        if (o.reduceOnly) {
          const pos = acct.position(c.id).amt;
          if (pos === 0 || Math.sign(pos) === sideSign(o.side)) {
            o.status = "EXPIRED";
            this.emitOrder(acct, o, "EXPIRED");
            continue;
          }
          this.fill(acct, c, o, Math.min(remaining, Math.abs(pos)), o.price, true);
          if ((o.status as FuturesOrder["status"]) !== "FILLED") {
            o.status = "EXPIRED";
            this.emitOrder(acct, o, "EXPIRED");
          }
          continue;
        }
        this.fill(acct, c, o, remaining, o.price, true);
      }
      for (const a of acct.algoOrders.values()) {
        if (a.symbol !== c.id || a.algoStatus !== "NEW") continue;
        const high = a.workingType === "MARK_PRICE" ? r.markHigh : r.contractHigh;
        const low = a.workingType === "MARK_PRICE" ? r.markLow : r.contractLow;
        const triggersAbove = (a.orderType === "STOP_MARKET") === (a.side === "BUY");
        if (triggersAbove ? high < a.triggerPrice : low > a.triggerPrice) continue;
        // Fills at the trigger price, or at the open when the market gapped through it.
        const gapped = triggersAbove ? r.open > a.triggerPrice : r.open < a.triggerPrice;
        const price = roundTo(gapped ? r.open : a.triggerPrice, c.pricePrecision);
        this.triggerAlgo(acct, c, a, price);
      }
      this.checkLiquidation(acct, c, r.markHigh, r.markLow);
    }
  }

  /** Liquidate when the margin balance falls to the maintenance margin at the worst mark of the range. */
  private checkLiquidation(acct: FuturesAccount, c: ContractSpec, markHigh: number, markLow: number): void {
    const p = acct.positions.get(c.id);
    if (!p || p.amt === 0) return;
    const s = acct.setting(c.id);
    const worst = p.amt > 0 ? markLow : markHigh;
    if (s.marginType === "ISOLATED") {
      const v = this.positionView(acct, c, worst);
      if (new Decimal(v.isolatedWallet).plus(v.unrealized).gt(v.maintMargin)) return;
      this.liquidate(acct, c, p.isolatedWallet);
      return;
    }
    // Cross: the whole cross margin balance against every cross position's maintenance margin.
    const v = this.positionView(acct, c, worst);
    const others = this.crossFigures(acct, c.id);
    const balance = this.crossWallet(acct).plus(v.unrealized).plus(others.unrealized);
    if (balance.gt(new Decimal(v.maintMargin).plus(others.maint))) return;
    const crossSymbols = [...acct.positions.entries()].filter(([sym, pos]) => pos.amt !== 0 && acct.setting(sym).marginType === "CROSSED").map(([sym]) => sym);
    // This symbol first (at the range's worst mark), the others at their current mark.
    for (const sym of [c.id, ...crossSymbols.filter((x) => x !== c.id)]) {
      const rest = this.crossFigures(acct, sym);
      this.liquidate(acct, this.contract(sym), this.crossWallet(acct).plus(rest.unrealized));
    }
  }

  /**
   * The venue's liquidation order: a MARKET order (clientOrderId autoclose-…) closing the whole
   * position at the bankruptcy price (rounded to the tick in the trader's favour); what is left of
   * the margin at that price (under one tick's worth) goes to the insurance fund as the clearance fee,
   * so the position's margin is lost in full, as on Binance.
   */
  private liquidate(acct: FuturesAccount, c: ContractSpec, marginAvailable: Decimal): void {
    const p = acct.position(c.id);
    const side: 1 | -1 = p.amt > 0 ? 1 : -1;
    const qty = Math.abs(p.amt);
    const bp = bankruptcyPrice(side, qty, p.entryPrice.toNumber(), marginAvailable.toNumber());
    const ticks = new Decimal(bp).div(c.tickSize);
    const price = Decimal.max(c.tickSize, (side > 0 ? ticks.ceil() : ticks.floor()).mul(c.tickSize)).toNumber();
    const realized = new Decimal(roundMoney(new Decimal(qty).mul(new Decimal(price).minus(p.entryPrice)).mul(side).toNumber()));
    const clearance = Decimal.max(0, marginAvailable.plus(realized));
    const now = this.core.now();
    const order = this.orderRecord(acct, {
      symbol: c.id,
      clientOrderId: `autoclose-${now}`,
      side: side > 0 ? "SELL" : "BUY",
      type: "LIQUIDATION",
      origType: "LIQUIDATION",
      timeInForce: "IOC",
      price,
      stopPrice: 0,
      origQty: qty,
      reduceOnly: true,
      closePosition: false,
      workingType: "CONTRACT_PRICE",
    });
    order.liquidation = true;
    // Cancel the symbol's resting orders first, as the liquidation engine does.
    for (const o of acct.orders.values()) {
      if (o === order || o.symbol !== c.id || (o.status !== "NEW" && o.status !== "PARTIALLY_FILLED")) continue;
      o.status = "CANCELED";
      o.updateTime = now;
      this.emitOrder(acct, o, "CANCELED");
    }
    this.fill(acct, c, order, qty, price, false, new Decimal(roundMoney(clearance.toNumber())));
  }

  /** Book funding for every funding time up to `t` (inclusive). */
  private fundingUpTo(t: number): void {
    while (this.lastFunding + FUNDING_INTERVAL_MS <= t) {
      const ft = this.lastFunding + FUNDING_INTERVAL_MS;
      for (const c of this.contracts.values()) {
        const rate = this.premium.fundingRate(c, ft);
        const market = this.spotMarket(c);
        const index = market.series.at(ft)?.open ?? market.forming?.open ?? market.lastPrice;
        const mark = this.premium.markPrice(c, index, ft);
        for (const acct of this.accounts.values()) {
          const p = acct.positions.get(c.id);
          if (!p || p.amt === 0) continue;
          // Positive rate: longs pay shorts. Payment = −position × mark × rate.
          const amount = new Decimal(roundMoney(new Decimal(p.amt).mul(mark).mul(rate).neg().toNumber()));
          acct.wallet = acct.wallet.plus(amount);
          if (acct.setting(c.id).marginType === "ISOLATED") p.isolatedWallet = p.isolatedWallet.plus(amount);
          this.addIncome(acct, c.id, "FUNDING_FEE", amount, ft);
          acct.updateTime = ft;
          // As Binance: cross funding pushes the balance only, isolated funding also that position.
          this.emitAccount(acct, "FUNDING_FEE", acct.setting(c.id).marginType === "ISOLATED" ? [c.id] : [], ft, amount);
        }
      }
      this.lastFunding = ft;
    }
  }

  fundingHistory(c: ContractSpec, from: number, to: number, limit: number): Array<{ fundingTime: number; fundingRate: number; markPrice: number }> {
    const out: Array<{ fundingTime: number; fundingRate: number; markPrice: number }> = [];
    const market = this.spotMarket(c);
    const last = Math.min(to, this.lastFunding);
    let t = Math.ceil(Math.max(from, market.series.startTime) / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
    for (; t <= last && out.length < limit; t += FUNDING_INTERVAL_MS) {
      const bar = market.series.at(t);
      if (!bar) continue;
      out.push({ fundingTime: t, fundingRate: this.premium.fundingRate(c, t), markPrice: this.premium.markPrice(c, bar.open, t) });
    }
    return out;
  }
}

/** A decimal string with at most `dp` decimals (else -1111), as a number. */
export function checkDecimal(raw: string, dp: number): number {
  const m = /^-?(\d{1,20})(?:\.(\d{1,20}))?$/.exec(raw);
  if (!m) throw binanceErrors.illegalChars("quantity");
  const decimals = (m[2] ?? "").replace(/0+$/, "").length;
  if (decimals > dp) throw futuresErrors.badPrecision();
  return Number(raw);
}
