import type { OrderRequest, OrderType, TimeInForce } from "../model/types";
import { VenueError } from "./errors";

const ORDER_TYPES: ReadonlySet<string> = new Set<OrderType>(["market", "limit", "stop_loss_limit", "take_profit_limit"]);
const TIME_IN_FORCE: ReadonlySet<string> = new Set<TimeInForce>(["GTC", "IOC", "FOK"]);
// Binance's limit for client order ids; other venues accept at least this.
const CLIENT_ORDER_ID = /^[.A-Za-z0-9:/_-]{1,36}$/;
const SYMBOL = /^[A-Z0-9]+\/[A-Z0-9]+(:[A-Z0-9]+)?$/;

export function isStopType(type: OrderType | string): type is "stop_loss_limit" | "take_profit_limit" {
  return type === "stop_loss_limit" || type === "take_profit_limit";
}

function positive(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/** Problems with an order request, in words; empty when it can be sent. */
export function orderRequestProblems(order: OrderRequest): string[] {
  const problems: string[] = [];
  if (typeof order.clientOrderId !== "string" || !CLIENT_ORDER_ID.test(order.clientOrderId)) {
    problems.push(`clientOrderId ${JSON.stringify(order.clientOrderId)} must be 1-36 chars of [.A-Za-z0-9:/_-]`);
  }
  if (typeof order.symbol !== "string" || !SYMBOL.test(order.symbol)) {
    problems.push(`symbol ${JSON.stringify(order.symbol)} is not a unified symbol such as "BTC/USDT"`);
  }
  if (order.side !== "buy" && order.side !== "sell") problems.push(`side ${JSON.stringify(order.side)} must be buy or sell`);
  if (!ORDER_TYPES.has(order.type)) problems.push(`type ${JSON.stringify(order.type)} is not a supported order type`);
  if (!positive(order.quantity)) problems.push(`quantity ${order.quantity} must be a positive number`);
  if (order.type !== "market" && !positive(order.price)) {
    problems.push(`a ${order.type} order needs a positive limit price (got ${order.price})`);
  }
  if (isStopType(order.type) && !positive(order.stopPrice)) {
    problems.push(`a ${order.type} order needs a positive stopPrice (got ${order.stopPrice})`);
  }
  if (order.timeInForce !== undefined && !TIME_IN_FORCE.has(order.timeInForce)) {
    problems.push(`timeInForce ${JSON.stringify(order.timeInForce)} must be GTC, IOC or FOK`);
  }
  if (order.type === "market" && order.timeInForce !== undefined && order.timeInForce !== "IOC") {
    problems.push(`a market order cannot rest: timeInForce ${order.timeInForce} does not apply`);
  }
  return problems;
}

export function assertValidOrderRequest(order: OrderRequest): void {
  const problems = orderRequestProblems(order);
  if (problems.length > 0) {
    throw new VenueError("INVALID_ORDER", `order ${order.clientOrderId}: ${problems.join("; ")}`, { problems });
  }
}

/** "BTC/USDT" -> ["BTC", "USDT"]; a settle suffix (":USDT") is ignored. */
export function splitSymbol(symbol: string): [base: string, quote: string] {
  const [pair] = symbol.split(":");
  const slash = pair.indexOf("/");
  if (slash <= 0 || slash === pair.length - 1) {
    throw new VenueError("INVALID_ORDER", `symbol ${JSON.stringify(symbol)} is not a unified symbol such as "BTC/USDT"`);
  }
  return [pair.slice(0, slash), pair.slice(slash + 1)];
}
