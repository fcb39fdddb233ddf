import { binanceErrors } from "./binance-errors";
import type { ListLegRequest, NewOrderRequest, OrderSide } from "./matching-engine";

/**
 * Parameters of Binance's order-list endpoints (POST /api/v3/orderList/oco, /oto, /otoco and the
 * deprecated POST /api/v3/order/oco) turned into the orders of the list, with Binance's shape rules
 * and error codes: which types an OCO may combine and on which side of the market each must be
 * (-1158, -1165, -1166, -1168, -1196 … -1199), which parameters each order type needs or refuses
 * (-1102, -1106, named with the endpoint's own prefixes, e.g. 'aboveStopPrice'), iceberg orders
 * only with GTC (-1160). Filters, balances and the prices against the market are the engine's.
 */

export interface ParamReader {
  /** The raw parameter; an empty value counts as not sent. */
  get(name: string): string | undefined;
  decimal(name: string): number | undefined;
  int(name: string): number | undefined;
  /** A client order id parameter, checked against Binance's legal range. */
  clientId(name: string): string | undefined;
}

const OCO_TYPES = ["STOP_LOSS_LIMIT", "STOP_LOSS", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"];
const TIFS = ["GTC", "IOC", "FOK"];

interface LegShape {
  needsPrice: boolean;
  /** stopPrice and/or trailingDelta. */
  needsStop: boolean;
  needsTif: boolean;
}

const SHAPES: Record<string, LegShape> = {
  LIMIT: { needsPrice: true, needsStop: false, needsTif: true },
  MARKET: { needsPrice: false, needsStop: false, needsTif: false },
  LIMIT_MAKER: { needsPrice: true, needsStop: false, needsTif: false },
  STOP_LOSS: { needsPrice: false, needsStop: true, needsTif: false },
  TAKE_PROFIT: { needsPrice: false, needsStop: true, needsTif: false },
  STOP_LOSS_LIMIT: { needsPrice: true, needsStop: true, needsTif: true },
  TAKE_PROFIT_LIMIT: { needsPrice: true, needsStop: true, needsTif: true },
};

/** One order of a list from its prefixed parameters (`abovePrice`, `pendingStopPrice`, …). */
function leg(
  p: ParamReader,
  prefix: string,
  base: { symbol: string; side: OrderSide; quantity: number; selfTradePreventionMode?: string },
  type: string,
  newClientId: () => string,
): ListLegRequest {
  const name = (suffix: string) => `${prefix}${suffix}`;
  const shape = SHAPES[type];
  if (!shape) throw binanceErrors.invalidOrderType();
  for (const unsupported of ["StrategyId", "StrategyType", "PegPriceType", "PegOffsetType", "PegOffsetValue"]) {
    if (p.get(name(unsupported)) !== undefined) throw binanceErrors.notRequired(name(unsupported));
  }
  const price = p.decimal(name("Price"));
  const stopPrice = p.decimal(name("StopPrice"));
  const trailingDelta = p.int(name("TrailingDelta"));
  const timeInForce = p.get(name("TimeInForce"));
  const icebergQty = p.decimal(name("IcebergQty"));
  if (shape.needsPrice && price === undefined) throw binanceErrors.mandatory(name("Price"));
  if (!shape.needsPrice && price !== undefined) throw binanceErrors.notRequired(name("Price"));
  if (shape.needsStop && stopPrice === undefined && trailingDelta === undefined) throw binanceErrors.eitherMandatory(name("StopPrice"), name("TrailingDelta"));
  if (!shape.needsStop && stopPrice !== undefined) throw binanceErrors.notRequired(name("StopPrice"));
  if (!shape.needsStop && trailingDelta !== undefined) throw binanceErrors.notRequired(name("TrailingDelta"));
  if (shape.needsTif && timeInForce === undefined) throw binanceErrors.mandatory(name("TimeInForce"));
  if (!shape.needsTif && timeInForce !== undefined) throw binanceErrors.notRequired(name("TimeInForce"));
  if (timeInForce !== undefined && !TIFS.includes(timeInForce)) throw binanceErrors.invalidTimeInForce();
  if (icebergQty !== undefined) {
    if (type === "MARKET" || type === "STOP_LOSS" || type === "TAKE_PROFIT") throw binanceErrors.notRequired(name("IcebergQty"));
    if (timeInForce !== undefined && timeInForce !== "GTC") throw binanceErrors.ocoIcebergNeedsGtc(name("IcebergQty"), name("TimeInForce"));
  }
  const request: NewOrderRequest = {
    symbol: base.symbol,
    side: base.side,
    type,
    timeInForce,
    quantity: base.quantity,
    price,
    stopPrice,
    trailingDelta,
    icebergQty,
    selfTradePreventionMode: base.selfTradePreventionMode,
  };
  const clientOrderId = p.clientId(name("ClientOrderId")) ?? newClientId();
  request.newClientOrderId = clientOrderId;
  return { request, clientOrderId };
}

function side(p: ParamReader, name: string): OrderSide {
  const value = p.get(name);
  if (value === undefined) throw binanceErrors.mandatory(name);
  if (value !== "BUY" && value !== "SELL") throw binanceErrors.invalidSide();
  return value;
}

function quantity(p: ParamReader, name: string): number {
  const q = p.decimal(name);
  if (q === undefined) throw binanceErrors.mandatory(name);
  return q;
}

function ocoType(p: ParamReader, name: string): string {
  const value = p.get(name);
  if (value === undefined) throw binanceErrors.mandatory(name);
  if (!OCO_TYPES.includes(value)) throw binanceErrors.ocoOrderTypeRejected();
  return value;
}

const family = (type: string): "limit" | "stopLoss" | "takeProfit" =>
  type === "LIMIT_MAKER" ? "limit" : type === "STOP_LOSS" || type === "STOP_LOSS_LIMIT" ? "stopLoss" : "takeProfit";

/**
 * Binance's OCO combinations: one order LIMIT_MAKER / TAKE_PROFIT(_LIMIT), the other STOP_LOSS(_LIMIT);
 * a SELL pair has the limit / take-profit above and the stop-loss below, a BUY pair the reverse.
 */
export function checkOcoCombination(sideValue: OrderSide, aboveType: string, belowType: string): void {
  const above = family(aboveType);
  const below = family(belowType);
  if (above === "limit" && below === "limit") throw binanceErrors.ocoBothLimit();
  if (sideValue === "SELL") {
    if (below === "limit") throw binanceErrors.sellOcoLimitMustBeAbove();
    if (above === "stopLoss") throw binanceErrors.sellOcoStopLossMustBeBelow();
    if (below === "takeProfit") throw binanceErrors.sellOcoTakeProfitMustBeAbove();
  } else {
    if (above === "limit") throw binanceErrors.buyOcoLimitMustBeBelow();
    if (below === "stopLoss") throw binanceErrors.buyOcoStopLossMustBeAbove();
    if (above === "takeProfit") throw binanceErrors.buyOcoTakeProfitMustBeBelow();
  }
  if (above === below) throw binanceErrors.unsupportedOrderCombination();
}

/** POST /api/v3/orderList/oco → [below, above]. */
export function ocoLegs(p: ParamReader, symbol: string, newClientId: () => string): ListLegRequest[] {
  const s = side(p, "side");
  const q = quantity(p, "quantity");
  const aboveType = ocoType(p, "aboveType");
  const belowType = ocoType(p, "belowType");
  checkOcoCombination(s, aboveType, belowType);
  const base = { symbol, side: s, quantity: q, selfTradePreventionMode: p.get("selfTradePreventionMode") };
  return [leg(p, "below", base, belowType, newClientId), leg(p, "above", base, aboveType, newClientId)];
}

/**
 * The deprecated POST /api/v3/order/oco: a LIMIT_MAKER at `price` and a stop at `stopPrice`
 * (STOP_LOSS_LIMIT at `stopLimitPrice` when sent, else STOP_LOSS) → [below, above] as orderList/oco.
 */
export function legacyOcoLegs(p: ParamReader, symbol: string, newClientId: () => string): ListLegRequest[] {
  const s = side(p, "side");
  const q = quantity(p, "quantity");
  const price = p.decimal("price");
  if (price === undefined) throw binanceErrors.mandatory("price");
  const stopPrice = p.decimal("stopPrice");
  const trailingDelta = p.int("trailingDelta");
  if (stopPrice === undefined && trailingDelta === undefined) throw binanceErrors.eitherMandatory("stopPrice", "trailingDelta");
  const stopLimitPrice = p.decimal("stopLimitPrice");
  const stopLimitTif = p.get("stopLimitTimeInForce");
  if (stopLimitPrice !== undefined && stopLimitTif === undefined) throw binanceErrors.mandatory("stopLimitTimeInForce");
  if (stopLimitPrice === undefined && stopLimitTif !== undefined) throw binanceErrors.notRequired("stopLimitTimeInForce");
  if (stopLimitTif !== undefined && !TIFS.includes(stopLimitTif)) throw binanceErrors.invalidTimeInForce();
  for (const unsupported of ["limitStrategyId", "limitStrategyType", "stopStrategyId", "stopStrategyType"]) {
    if (p.get(unsupported) !== undefined) throw binanceErrors.notRequired(unsupported);
  }
  const stp = p.get("selfTradePreventionMode");
  const limitId = p.clientId("limitClientOrderId") ?? newClientId();
  const stopId = p.clientId("stopClientOrderId") ?? newClientId();
  const limitIceberg = p.decimal("limitIcebergQty");
  const stopIceberg = p.decimal("stopIcebergQty");
  if (stopIceberg !== undefined && stopLimitPrice === undefined) throw binanceErrors.notRequired("stopIcebergQty");
  if (stopIceberg !== undefined && stopLimitTif !== "GTC") throw binanceErrors.ocoIcebergNeedsGtc("stopIcebergQty", "stopLimitTimeInForce");
  const limit: ListLegRequest = {
    request: { symbol, side: s, type: "LIMIT_MAKER", quantity: q, price, icebergQty: limitIceberg, selfTradePreventionMode: stp, newClientOrderId: limitId },
    clientOrderId: limitId,
  };
  const stop: ListLegRequest = {
    request: {
      symbol,
      side: s,
      type: stopLimitPrice !== undefined ? "STOP_LOSS_LIMIT" : "STOP_LOSS",
      quantity: q,
      price: stopLimitPrice,
      stopPrice,
      trailingDelta,
      timeInForce: stopLimitTif,
      icebergQty: stopIceberg,
      selfTradePreventionMode: stp,
      newClientOrderId: stopId,
    },
    clientOrderId: stopId,
  };
  return s === "SELL" ? [stop, limit] : [limit, stop];
}

function working(p: ParamReader, symbol: string, newClientId: () => string): ListLegRequest {
  const type = p.get("workingType");
  if (type === undefined) throw binanceErrors.mandatory("workingType");
  if (type !== "LIMIT" && type !== "LIMIT_MAKER") throw binanceErrors.invalidParameter("workingType");
  const base = { symbol, side: side(p, "workingSide"), quantity: quantity(p, "workingQuantity"), selfTradePreventionMode: p.get("selfTradePreventionMode") };
  return leg(p, "working", base, type, newClientId);
}

/** POST /api/v3/orderList/oto → [working, pending]. */
export function otoLegs(p: ParamReader, symbol: string, newClientId: () => string): ListLegRequest[] {
  const w = working(p, symbol, newClientId);
  const type = p.get("pendingType");
  if (type === undefined) throw binanceErrors.mandatory("pendingType");
  if (!SHAPES[type]) throw binanceErrors.invalidOrderType();
  const base = { symbol, side: side(p, "pendingSide"), quantity: quantity(p, "pendingQuantity"), selfTradePreventionMode: p.get("selfTradePreventionMode") };
  return [w, leg(p, "pending", base, type, newClientId)];
}

/** POST /api/v3/orderList/otoco → [working, pendingBelow, pendingAbove]. */
export function otocoLegs(p: ParamReader, symbol: string, newClientId: () => string): ListLegRequest[] {
  const w = working(p, symbol, newClientId);
  const s = side(p, "pendingSide");
  const q = quantity(p, "pendingQuantity");
  const aboveType = ocoType(p, "pendingAboveType");
  const belowType = ocoType(p, "pendingBelowType");
  checkOcoCombination(s, aboveType, belowType);
  const base = { symbol, side: s, quantity: q, selfTradePreventionMode: p.get("selfTradePreventionMode") };
  return [w, leg(p, "pendingBelow", base, belowType, newClientId), leg(p, "pendingAbove", base, aboveType, newClientId)];
}
