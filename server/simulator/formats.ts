import type { KlineBar } from "./candles";
import { fmt8, type SymbolSpec } from "./instruments";
import type { PublicTrade, Ticker24h } from "./market";
import { DEFAULT_STP_MODE, STP_MODES, type Account, type ExecutionReport, type SimFill, type SimOrder, type SimOrderList } from "./matching-engine";
import { BINANCE_RATE_LIMITS, type RateLimitConfig } from "./rate-limits";

/** Binance's JSON shapes for the simulator's objects (numbers as 8-decimal strings, like Binance). */

export const ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"];

export function symbolInfo(spec: SymbolSpec, status = "TRADING") {
  return {
    symbol: spec.id,
    status,
    baseAsset: spec.base,
    baseAssetPrecision: 8,
    quoteAsset: spec.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ORDER_TYPES,
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: "PRICE_FILTER", minPrice: fmt8(spec.minPrice), maxPrice: fmt8(spec.maxPrice), tickSize: fmt8(spec.tickSize) },
      { filterType: "LOT_SIZE", minQty: fmt8(spec.minQty), maxQty: fmt8(spec.maxQty), stepSize: fmt8(spec.stepSize) },
      { filterType: "ICEBERG_PARTS", limit: spec.icebergParts },
      { filterType: "MARKET_LOT_SIZE", minQty: fmt8(0), maxQty: fmt8(spec.marketMaxQty), stepSize: fmt8(0) },
      {
        filterType: "TRAILING_DELTA",
        minTrailingAboveDelta: spec.minTrailingDelta,
        maxTrailingAboveDelta: spec.maxTrailingDelta,
        minTrailingBelowDelta: spec.minTrailingDelta,
        maxTrailingBelowDelta: spec.maxTrailingDelta,
      },
      {
        filterType: "PERCENT_PRICE_BY_SIDE",
        bidMultiplierUp: String(spec.bidMultiplierUp),
        bidMultiplierDown: String(spec.bidMultiplierDown),
        askMultiplierUp: String(spec.askMultiplierUp),
        askMultiplierDown: String(spec.askMultiplierDown),
        avgPriceMins: 5,
      },
      {
        filterType: "NOTIONAL",
        minNotional: fmt8(spec.minNotional),
        applyMinToMarket: true,
        maxNotional: fmt8(spec.maxNotional),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: "MAX_NUM_ORDERS", maxNumOrders: spec.maxNumOrders },
      { filterType: "MAX_NUM_ALGO_ORDERS", maxNumAlgoOrders: spec.maxNumAlgoOrders },
      { filterType: "MAX_NUM_ICEBERG_ORDERS", maxNumIcebergOrders: spec.maxNumIcebergOrders },
    ],
    permissions: [],
    permissionSets: [["SPOT"]],
    defaultSelfTradePreventionMode: DEFAULT_STP_MODE,
    allowedSelfTradePreventionModes: [...STP_MODES],
  };
}

export function exchangeInfo(specs: Array<SymbolSpec | { spec: SymbolSpec; status: string }>, serverTime: number, limits: RateLimitConfig | null = BINANCE_RATE_LIMITS) {
  const l = limits ?? BINANCE_RATE_LIMITS;
  return {
    timezone: "UTC",
    serverTime,
    simulated: true,
    rateLimits: [
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: l.requestWeightPerMinute },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: l.ordersPer10s },
      { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: l.ordersPerDay },
      { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: specs.map((x) => ("spec" in x ? symbolInfo(x.spec, x.status) : symbolInfo(x))),
  };
}

export function klineArray(bar: KlineBar) {
  return [
    bar.openTime,
    fmt8(bar.open),
    fmt8(bar.high),
    fmt8(bar.low),
    fmt8(bar.close),
    fmt8(bar.volume),
    bar.closeTime,
    fmt8(bar.quoteVolume),
    bar.trades,
    fmt8(bar.takerBuyBase),
    fmt8(bar.takerBuyQuote),
    "0",
  ];
}

export function klineEvent(symbol: string, bar: KlineBar, eventTime: number) {
  return {
    e: "kline",
    E: eventTime,
    s: symbol,
    k: {
      t: bar.openTime,
      T: bar.closeTime,
      s: symbol,
      i: bar.interval,
      f: bar.firstTradeId,
      L: bar.lastTradeId,
      o: fmt8(bar.open),
      c: fmt8(bar.close),
      h: fmt8(bar.high),
      l: fmt8(bar.low),
      v: fmt8(bar.volume),
      n: bar.trades,
      x: bar.closed,
      q: fmt8(bar.quoteVolume),
      V: fmt8(bar.takerBuyBase),
      Q: fmt8(bar.takerBuyQuote),
      B: "0",
    },
  };
}

export function publicTradeJson(trade: PublicTrade) {
  return { id: trade.id, price: fmt8(trade.price), qty: fmt8(trade.qty), quoteQty: fmt8(trade.quoteQty), time: trade.time, isBuyerMaker: trade.isBuyerMaker, isBestMatch: true };
}

export function aggTradeJson(trade: PublicTrade) {
  return { a: trade.id, p: fmt8(trade.price), q: fmt8(trade.qty), f: trade.id, l: trade.id, T: trade.time, m: trade.isBuyerMaker, M: true };
}

export function tradeEvent(symbol: string, trade: PublicTrade, eventTime: number) {
  return { e: "trade", E: eventTime, s: symbol, t: trade.id, p: fmt8(trade.price), q: fmt8(trade.qty), T: trade.time, m: trade.isBuyerMaker, M: true };
}

export function aggTradeEvent(symbol: string, trade: PublicTrade, eventTime: number) {
  return { e: "aggTrade", E: eventTime, s: symbol, a: trade.id, p: fmt8(trade.price), q: fmt8(trade.qty), f: trade.id, l: trade.id, T: trade.time, m: trade.isBuyerMaker, M: true };
}

export function ticker24hJson(t: Ticker24h, bid: { price: number; qty: number } | undefined, ask: { price: number; qty: number } | undefined) {
  const change = t.last - t.open;
  return {
    symbol: t.symbol,
    priceChange: fmt8(change),
    priceChangePercent: t.open > 0 ? ((change / t.open) * 100).toFixed(3) : "0.000",
    weightedAvgPrice: fmt8(t.volume > 0 ? t.quoteVolume / t.volume : t.last),
    prevClosePrice: fmt8(t.prevClose),
    lastPrice: fmt8(t.last),
    lastQty: fmt8(t.lastQty),
    bidPrice: fmt8(bid?.price ?? 0),
    bidQty: fmt8(bid?.qty ?? 0),
    askPrice: fmt8(ask?.price ?? 0),
    askQty: fmt8(ask?.qty ?? 0),
    openPrice: fmt8(t.open),
    highPrice: fmt8(t.high),
    lowPrice: fmt8(t.low),
    volume: fmt8(t.volume),
    quoteVolume: fmt8(t.quoteVolume),
    openTime: t.openTime,
    closeTime: t.closeTime,
    firstId: t.firstTradeId,
    lastId: t.lastTradeId,
    count: t.count,
  };
}

export function ticker24hEvent(t: Ticker24h, bid: { price: number; qty: number } | undefined, ask: { price: number; qty: number } | undefined, eventTime: number) {
  const j = ticker24hJson(t, bid, ask);
  return {
    e: "24hrTicker",
    E: eventTime,
    s: j.symbol,
    p: j.priceChange,
    P: j.priceChangePercent,
    w: j.weightedAvgPrice,
    x: j.prevClosePrice,
    c: j.lastPrice,
    Q: j.lastQty,
    b: j.bidPrice,
    B: j.bidQty,
    a: j.askPrice,
    A: j.askQty,
    o: j.openPrice,
    h: j.highPrice,
    l: j.lowPrice,
    v: j.volume,
    q: j.quoteVolume,
    O: j.openTime,
    C: j.closeTime,
    F: j.firstId,
    L: j.lastId,
    n: j.count,
  };
}

export function miniTickerEvent(t: Ticker24h, eventTime: number) {
  return { e: "24hrMiniTicker", E: eventTime, s: t.symbol, c: fmt8(t.last), o: fmt8(t.open), h: fmt8(t.high), l: fmt8(t.low), v: fmt8(t.volume), q: fmt8(t.quoteVolume) };
}

function trailingJson(o: SimOrder) {
  if (o.trailingDelta === 0) return {};
  return { trailingDelta: o.trailingDelta, ...(o.trailingTime >= 0 ? { trailingTime: o.trailingTime } : {}) };
}

/** GET /api/v3/order, openOrders, allOrders. */
export function orderJson(o: SimOrder) {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: o.orderListId,
    clientOrderId: o.clientOrderId,
    price: fmt8(o.price),
    origQty: fmt8(o.origQty),
    executedQty: fmt8(o.executedQty),
    cummulativeQuoteQty: fmt8(o.cumQuote),
    status: o.status,
    timeInForce: o.timeInForce ?? "GTC",
    type: o.type,
    side: o.side,
    stopPrice: fmt8(o.stopPrice),
    icebergQty: fmt8(o.icebergQty),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: o.isWorking,
    workingTime: o.workingTime,
    ...trailingJson(o),
    origQuoteOrderQty: fmt8(o.origQuoteOrderQty),
    selfTradePreventionMode: o.selfTradePreventionMode,
    ...(o.preventedQuantity > 0 ? { preventedQuantity: fmt8(o.preventedQuantity) } : {}),
  };
}

export type NewOrderRespType = "ACK" | "RESULT" | "FULL";

/** POST /api/v3/order in the three response types. */
export function newOrderJson(o: SimOrder, respType: NewOrderRespType) {
  const ack = { symbol: o.symbol, orderId: o.orderId, orderListId: o.orderListId, clientOrderId: o.clientOrderId, transactTime: o.time };
  if (respType === "ACK") return ack;
  const result = {
    ...ack,
    price: fmt8(o.price),
    origQty: fmt8(o.origQty),
    executedQty: fmt8(o.executedQty),
    origQuoteOrderQty: fmt8(o.origQuoteOrderQty),
    cummulativeQuoteQty: fmt8(o.cumQuote),
    status: o.status,
    timeInForce: o.timeInForce ?? "GTC",
    type: o.type,
    side: o.side,
    ...(o.stopPrice > 0 ? { stopPrice: fmt8(o.stopPrice) } : {}),
    ...(o.icebergQty > 0 ? { icebergQty: fmt8(o.icebergQty) } : {}),
    ...trailingJson(o),
    workingTime: o.workingTime,
    selfTradePreventionMode: o.selfTradePreventionMode,
    ...(o.preventedQuantity > 0 ? { preventedQuantity: fmt8(o.preventedQuantity) } : {}),
  };
  if (respType === "RESULT") return result;
  return {
    ...result,
    fills: o.fills.map((f) => ({ price: fmt8(f.price), qty: fmt8(f.qty), commission: fmt8(f.commission), commissionAsset: f.commissionAsset, tradeId: f.tradeId })),
  };
}

export function cancelJson(o: SimOrder, cancelClientOrderId: string) {
  return {
    symbol: o.symbol,
    origClientOrderId: o.clientOrderId,
    orderId: o.orderId,
    orderListId: o.orderListId,
    clientOrderId: cancelClientOrderId,
    transactTime: o.updateTime,
    price: fmt8(o.price),
    origQty: fmt8(o.origQty),
    executedQty: fmt8(o.executedQty),
    cummulativeQuoteQty: fmt8(o.cumQuote),
    status: o.status,
    timeInForce: o.timeInForce ?? "GTC",
    type: o.type,
    side: o.side,
    ...(o.stopPrice > 0 ? { stopPrice: fmt8(o.stopPrice) } : {}),
    selfTradePreventionMode: o.selfTradePreventionMode,
    ...(o.preventedQuantity > 0 ? { preventedQuantity: fmt8(o.preventedQuantity) } : {}),
  };
}

export function myTradeJson(f: SimFill) {
  return {
    symbol: f.symbol,
    id: f.tradeId,
    orderId: f.orderId,
    orderListId: -1,
    price: fmt8(f.price),
    qty: fmt8(f.qty),
    quoteQty: fmt8(f.quoteQty),
    commission: fmt8(f.commission),
    commissionAsset: f.commissionAsset,
    time: f.time,
    isBuyer: f.side === "BUY",
    isMaker: f.isMaker,
    isBestMatch: true,
  };
}

export function accountJson(account: Account, makerFee: number, takerFee: number, omitZeroBalances: boolean) {
  const balances = [...account.balances.entries()]
    .filter(([, b]) => !omitZeroBalances || b.free > 0 || b.locked > 0)
    .map(([asset, b]) => ({ asset, free: fmt8(b.free), locked: fmt8(b.locked) }));
  return {
    makerCommission: Math.round(makerFee * 10_000),
    takerCommission: Math.round(takerFee * 10_000),
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: fmt8(makerFee), taker: fmt8(takerFee), buyer: fmt8(0), seller: fmt8(0) },
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: account.updateTime,
    accountType: "SPOT",
    balances,
    permissions: ["SPOT"],
    uid: 0,
  };
}

export function executionReportEvent(report: ExecutionReport) {
  const o = report.order;
  const f = report.fill;
  const isCancel = report.executionType === "CANCELED";
  return {
    e: "executionReport",
    E: report.time,
    s: o.symbol,
    c: isCancel && report.cancelClientOrderId ? report.cancelClientOrderId : o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce ?? "GTC",
    q: fmt8(o.origQty),
    p: fmt8(o.price),
    P: fmt8(o.stopPrice),
    F: fmt8(o.icebergQty),
    g: o.orderListId,
    C: isCancel ? o.clientOrderId : "",
    x: report.executionType,
    X: o.status,
    r: "NONE",
    V: o.selfTradePreventionMode,
    i: o.orderId,
    l: fmt8(f ? f.qty : 0),
    z: fmt8(o.executedQty),
    L: fmt8(f ? f.price : 0),
    n: fmt8(f ? f.commission : 0),
    N: f ? f.commissionAsset : null,
    T: report.time,
    t: f ? f.tradeId : -1,
    I: 0,
    w: o.isWorking && (o.status === "NEW" || o.status === "PARTIALLY_FILLED"),
    m: f ? f.isMaker : false,
    M: false,
    O: o.time,
    Z: fmt8(o.cumQuote),
    Y: fmt8(f ? f.quoteQty : 0),
    Q: fmt8(o.origQuoteOrderQty),
    ...(o.workingTime >= 0 ? { W: o.workingTime } : {}),
  };
}

export function accountPositionEvent(account: Account, assets: string[], time: number) {
  return {
    e: "outboundAccountPosition",
    E: time,
    u: time,
    B: assets.map((asset) => {
      const b = account.balance(asset);
      return { a: asset, f: fmt8(b.free), l: fmt8(b.locked) };
    }),
  };
}

/** An order list without its order reports (GET /api/v3/orderList, allOrderList, openOrderList). */
export function orderListJson(list: SimOrderList) {
  return {
    orderListId: list.orderListId,
    contingencyType: list.contingencyType,
    listStatusType: list.listStatusType,
    listOrderStatus: list.listOrderStatus,
    listClientOrderId: list.listClientOrderId,
    transactionTime: list.transactionTime,
    symbol: list.symbol,
    orders: list.orders.map((o) => ({ symbol: o.symbol, orderId: o.orderId, clientOrderId: o.clientOrderId })),
  };
}

/** POST /api/v3/orderList/oco|oto|otoco (and the deprecated order/oco): the list with one report per order. */
export function newOrderListJson(list: SimOrderList, reports: SimOrder[], respType: NewOrderRespType) {
  return { ...orderListJson(list), transactionTime: list.transactionTime, orderReports: reports.map((o) => newOrderJson(o, respType)) };
}

/** DELETE /api/v3/orderList (and an order list in DELETE /api/v3/openOrders). */
export function cancelOrderListJson(list: SimOrderList, cancelClientOrderId: string) {
  return { ...orderListJson(list), orderReports: list.orders.map((o) => cancelJson(o, cancelClientOrderId)) };
}

/** The user-data stream's `listStatus` event. */
export function listStatusEvent(list: SimOrderList, time: number) {
  return {
    e: "listStatus",
    E: time,
    s: list.symbol,
    g: list.orderListId,
    c: list.contingencyType,
    l: list.listStatusType,
    L: list.listOrderStatus,
    r: "NONE",
    C: list.listClientOrderId,
    T: time,
    O: list.orders.map((o) => ({ s: o.symbol, i: o.orderId, c: o.clientOrderId })),
  };
}
