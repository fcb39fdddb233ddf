import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ZodError } from "zod";
import type { Clock } from "../core/clock";
import { accountForKey, checkTimestamp, verifyRestSignature } from "./auth";
import { BinanceError, binanceErrors, CLIENT_ORDER_ID_RANGE, NUMBER_RANGE } from "./binance-errors";
import { isSpotInterval } from "./candles";
import type { SimulatorCore } from "./core";
import {
  accountJson,
  aggTradeJson,
  cancelJson,
  cancelOrderListJson,
  exchangeInfo,
  klineArray,
  myTradeJson,
  newOrderJson,
  newOrderListJson,
  orderJson,
  orderListJson,
  publicTradeJson,
  ticker24hJson,
  type NewOrderRespType,
} from "./formats";
import { fmt8 } from "./instruments";
import { SYMBOL_STATUSES, type SymbolMarket, type SymbolStatus } from "./market";
import type { Account, ListLegRequest, NewOrderRequest, OrderRef, OrderSide, SimOrder, SimOrderList } from "./matching-engine";
import { legacyOcoLegs, ocoLegs, otocoLegs, otoLegs, type ParamReader } from "./order-lists";
import { ordersPlaced, requestWeight, type RateLimiter } from "./rate-limits";
import { toMicroseconds } from "./time-unit";

/**
 * The REST half of the simulator: Binance spot's /api/v3 endpoints that ccxt's binance class uses,
 * with Binance's parameter rules, signing and `{code,msg}` errors, plus the loopback-only /admin
 * endpoints. Every response carries `X-Simulated: true`.
 */

const MAX_BODY_BYTES = 1 << 20;

export interface ListenKeys {
  create(account: Account): string;
  keepAlive(listenKey: string, account: Account): void;
  remove(listenKey: string, account: Account): void;
}

export interface RestDeps {
  core: SimulatorCore;
  /** Real clock: request timestamps are checked against it (plus the clock-skew fault). */
  clock: Clock;
  listenKeys: ListenKeys;
  /** Binance's REQUEST_WEIGHT and ORDERS limits (null = not enforced). */
  rateLimiter: RateLimiter | null;
  /** Open websocket connections and user-data subscriptions (for /admin/state). */
  streamStats: () => { connections: number; userStreams: number };
}

interface RequestContext {
  method: string;
  path: string;
  params: Map<string, string>;
  rawQuery: string;
  rawBody: string;
  headers: IncomingMessage["headers"];
}

type Handler = (ctx: RequestContext) => unknown;

class AdminError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BinanceError(-1101, "Request body too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseParams(rawQuery: string, rawBody: string): Map<string, string> {
  const params = new Map<string, string>();
  // Binance: a parameter sent in both places takes the query string's value.
  for (const [k, v] of new URLSearchParams(rawBody)) params.set(k, v);
  for (const [k, v] of new URLSearchParams(rawQuery)) params.set(k, v);
  return params;
}

// ------------------------------------------------------------------ parameter helpers

function required(ctx: RequestContext, name: string): string {
  const value = ctx.params.get(name);
  if (value === undefined || value === "") throw binanceErrors.mandatory(name);
  return value;
}

function optionalDecimal(ctx: RequestContext, name: string): number | undefined {
  const raw = ctx.params.get(name);
  if (raw === undefined || raw === "") return undefined;
  if (!new RegExp(NUMBER_RANGE).test(raw)) throw binanceErrors.illegalChars(name);
  const value = Number(raw);
  if (!Number.isFinite(value)) throw binanceErrors.illegalChars(name);
  return value;
}

function optionalInt(ctx: RequestContext, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = ctx.params.get(name);
  if (raw === undefined || raw === "") return undefined;
  if (!/^-?\d{1,16}$/.test(raw)) throw binanceErrors.illegalChars(name, "^[0-9]{1,20}$");
  const value = Number(raw);
  if (value < min || value > max) throw binanceErrors.invalidParameter(name);
  return value;
}

function limitParam(ctx: RequestContext, fallback: number, max: number): number {
  return optionalInt(ctx, "limit", 1, max) ?? fallback;
}

function optionalBool(ctx: RequestContext, name: string): boolean | undefined {
  const raw = ctx.params.get(name);
  if (raw === undefined || raw === "") return undefined;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw binanceErrors.invalidParameter(name);
}

function symbolList(ctx: RequestContext): string[] | undefined {
  const raw = ctx.params.get("symbols");
  if (raw === undefined || raw === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw binanceErrors.invalidParameter("symbols");
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((s) => typeof s === "string")) throw binanceErrors.invalidParameter("symbols");
  return parsed as string[];
}

function randomClientOrderId(): string {
  return randomBytes(11).toString("base64url").slice(0, 22);
}

// ------------------------------------------------------------------ the handler

export function createRestHandler(deps: RestDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { core, clock, listenKeys } = deps;
  const engine = core.engine;
  const faults = core.faults;

  const market = (ctx: RequestContext, name = "symbol"): SymbolMarket => {
    const id = required(ctx, name);
    const m = core.markets.get(id);
    if (!m) throw binanceErrors.invalidSymbol();
    return m;
  };

  const marketsFor = (ctx: RequestContext): SymbolMarket[] => {
    const single = ctx.params.get("symbol");
    const list = symbolList(ctx);
    if (single !== undefined && list !== undefined) throw binanceErrors.notRequired("symbols");
    if (single !== undefined) return [market(ctx)];
    if (list !== undefined) {
      return list.map((id) => {
        const m = core.markets.get(id);
        if (!m) throw binanceErrors.invalidSymbol();
        return m;
      });
    }
    return [...core.markets.values()];
  };

  /** A signed (USER_DATA / TRADE) request: API key, signature, timestamp within recvWindow. */
  const signed = (ctx: RequestContext): Account => {
    const apiKey = ctx.headers["x-mbx-apikey"];
    const account = accountForKey(engine, Array.isArray(apiKey) ? apiKey[0] : apiKey);
    verifyRestSignature(account, ctx.rawQuery, ctx.rawBody);
    checkTimestamp(ctx.params.get("timestamp"), ctx.params.get("recvWindow"), clock.now() + faults.clockSkewMs);
    return account;
  };

  const apiKeyOnly = (ctx: RequestContext): Account => {
    const apiKey = ctx.headers["x-mbx-apikey"];
    return accountForKey(engine, Array.isArray(apiKey) ? apiKey[0] : apiKey);
  };

  const orderRef = (ctx: RequestContext): OrderRef => {
    const orderId = optionalInt(ctx, "orderId", 0);
    const origClientOrderId = ctx.params.get("origClientOrderId") || undefined;
    if (orderId === undefined && origClientOrderId === undefined) throw binanceErrors.eitherMandatory("orderId", "origClientOrderId");
    return orderId !== undefined ? { orderId } : { origClientOrderId };
  };

  const newOrderRequest = (ctx: RequestContext): { request: NewOrderRequest; clientOrderId: string; respType: NewOrderRespType } => {
    const m = market(ctx);
    const side = required(ctx, "side");
    if (side !== "BUY" && side !== "SELL") throw binanceErrors.invalidSide();
    const type = required(ctx, "type");
    const clientOrderIdRaw = ctx.params.get("newClientOrderId");
    if (clientOrderIdRaw !== undefined && !new RegExp(CLIENT_ORDER_ID_RANGE).test(clientOrderIdRaw)) {
      throw binanceErrors.illegalChars("newClientOrderId", CLIENT_ORDER_ID_RANGE);
    }
    const respRaw = ctx.params.get("newOrderRespType");
    if (respRaw !== undefined && !["ACK", "RESULT", "FULL"].includes(respRaw)) throw binanceErrors.invalidParameter("newOrderRespType");
    const respType = (respRaw as NewOrderRespType | undefined) ?? (type === "MARKET" || type === "LIMIT" ? "FULL" : "ACK");
    const request: NewOrderRequest = {
      symbol: m.spec.id,
      side: side as OrderSide,
      type,
      timeInForce: ctx.params.get("timeInForce") || undefined,
      quantity: optionalDecimal(ctx, "quantity"),
      quoteOrderQty: optionalDecimal(ctx, "quoteOrderQty"),
      price: optionalDecimal(ctx, "price"),
      stopPrice: optionalDecimal(ctx, "stopPrice"),
      trailingDelta: optionalInt(ctx, "trailingDelta", 0),
      icebergQty: optionalDecimal(ctx, "icebergQty"),
      selfTradePreventionMode: ctx.params.get("selfTradePreventionMode") || undefined,
      newClientOrderId: clientOrderIdRaw,
    };
    for (const unsupported of ["strategyId", "strategyType"]) {
      if (ctx.params.has(unsupported)) throw binanceErrors.notRequired(unsupported);
    }
    return { request, clientOrderId: clientOrderIdRaw ?? randomClientOrderId(), respType };
  };

  const reader = (ctx: RequestContext): ParamReader => ({
    get: (name) => {
      const v = ctx.params.get(name);
      return v === undefined || v === "" ? undefined : v;
    },
    decimal: (name) => optionalDecimal(ctx, name),
    int: (name) => optionalInt(ctx, name, 0),
    clientId: (name) => {
      const v = ctx.params.get(name);
      if (v === undefined || v === "") return undefined;
      if (!new RegExp(CLIENT_ORDER_ID_RANGE).test(v)) throw binanceErrors.illegalChars(name, CLIENT_ORDER_ID_RANGE);
      return v;
    },
  });

  /** POST of an order list: parse its orders, place them, answer with the list and a report per order. */
  const placeList = (ctx: RequestContext, kind: "OCO" | "OTO" | "OTOCO", parse: (p: ParamReader, symbol: string, id: () => string) => ListLegRequest[]) => {
    const account = signed(ctx);
    const m = market(ctx);
    const p = reader(ctx);
    const listClientOrderId = p.clientId("listClientOrderId") ?? randomClientOrderId();
    const respRaw = p.get("newOrderRespType");
    if (respRaw !== undefined && !["ACK", "RESULT", "FULL"].includes(respRaw)) throw binanceErrors.invalidParameter("newOrderRespType");
    const legs = parse(p, m.spec.id, randomClientOrderId);
    const { list, reports } = engine.placeOrderList(account, kind, legs, listClientOrderId);
    return newOrderListJson(list, reports, (respRaw as NewOrderRespType | undefined) ?? "RESULT");
  };

  const listRef = (ctx: RequestContext, clientIdParam: string): { orderListId?: number; listClientOrderId?: string } => {
    const orderListId = optionalInt(ctx, "orderListId", 0);
    const listClientOrderId = ctx.params.get(clientIdParam) || undefined;
    if (orderListId === undefined && listClientOrderId === undefined) throw binanceErrors.eitherMandatory("orderListId", clientIdParam);
    return { orderListId, listClientOrderId };
  };

  const serverTime = () => core.now() + faults.clockSkewMs;
  /** GET /sapi/v1/system/status; switched with POST /admin/system-status {"maintenance": true}. */
  const systemStatus = { maintenance: false };

  const routes: Record<string, Handler> = {
    "GET /api/v3/ping": () => ({}),
    "GET /api/v3/time": () => ({ serverTime: serverTime() }),
    "GET /api/v3/exchangeInfo": (ctx) => exchangeInfo(marketsFor(ctx).map((m) => ({ spec: m.spec, status: m.status })), serverTime(), deps.rateLimiter?.config ?? null),
    "GET /api/v3/depth": (ctx) => {
      const m = market(ctx);
      const limit = limitParam(ctx, 100, 5000);
      const snap = m.book.snapshot(limit);
      return {
        lastUpdateId: snap.lastUpdateId,
        bids: snap.bids.map((l) => [fmt8(l.price), fmt8(l.qty)]),
        asks: snap.asks.map((l) => [fmt8(l.price), fmt8(l.qty)]),
      };
    },
    "GET /api/v3/trades": (ctx) => {
      const m = market(ctx);
      const limit = limitParam(ctx, 500, 1000);
      return m.recentTrades().slice(-limit).map(publicTradeJson);
    },
    "GET /api/v3/aggTrades": (ctx) => {
      const m = market(ctx);
      const limit = limitParam(ctx, 500, 1000);
      const fromId = optionalInt(ctx, "fromId", 0);
      const startTime = optionalInt(ctx, "startTime", 0);
      const endTime = optionalInt(ctx, "endTime", 0);
      if (startTime !== undefined && endTime !== undefined && endTime - startTime > 3_600_000) {
        throw new BinanceError(-1127, "More than 1 hours between startTime and endTime.");
      }
      let tape = m.recentTrades();
      if (fromId !== undefined) tape = tape.filter((t) => t.id >= fromId).slice(0, limit);
      else if (startTime !== undefined || endTime !== undefined) {
        tape = tape.filter((t) => (startTime === undefined || t.time >= startTime) && (endTime === undefined || t.time <= endTime)).slice(0, limit);
      } else tape = tape.slice(-limit);
      return tape.map(aggTradeJson);
    },
    "GET /api/v3/klines": (ctx) => klines(ctx),
    "GET /api/v3/uiKlines": (ctx) => klines(ctx),
    "GET /api/v3/avgPrice": (ctx) => {
      const m = market(ctx);
      return { mins: 5, price: fmt8(m.averagePrice(5)), closeTime: core.now() };
    },
    "GET /api/v3/ticker/24hr": (ctx) => {
      const list = marketsFor(ctx).map((m) => {
        const { bid, ask } = m.book.top;
        return ticker24hJson(m.ticker24h(core.now()), bid, ask);
      });
      return ctx.params.has("symbol") ? list[0] : list;
    },
    "GET /api/v3/ticker/price": (ctx) => {
      const list = marketsFor(ctx).map((m) => ({ symbol: m.spec.id, price: fmt8(m.lastPrice) }));
      return ctx.params.has("symbol") ? list[0] : list;
    },
    "GET /api/v3/ticker/bookTicker": (ctx) => {
      const list = marketsFor(ctx).map((m) => {
        const { bid, ask } = m.book.top;
        return { symbol: m.spec.id, bidPrice: fmt8(bid?.price ?? 0), bidQty: fmt8(bid?.qty ?? 0), askPrice: fmt8(ask?.price ?? 0), askQty: fmt8(ask?.qty ?? 0) };
      });
      return ctx.params.has("symbol") ? list[0] : list;
    },
    // Binance retired the listenKey endpoints: the user data stream is on the WebSocket API
    // (userDataStream.subscribe.signature), which the simulator serves.
    "POST /api/v3/userDataStream": () => {
      throw binanceErrors.retired("The listenKey user data stream was retired; subscribe on the WebSocket API (userDataStream.subscribe.signature).");
    },
    "PUT /api/v3/userDataStream": () => {
      throw binanceErrors.retired("The listenKey user data stream was retired; subscribe on the WebSocket API (userDataStream.subscribe.signature).");
    },
    "DELETE /api/v3/userDataStream": () => {
      throw binanceErrors.retired("The listenKey user data stream was retired; subscribe on the WebSocket API (userDataStream.subscribe.signature).");
    },
    "GET /sapi/v1/system/status": () => (systemStatus.maintenance ? { status: 1, msg: "system_maintenance" } : { status: 0, msg: "normal" }),
    "GET /sapi/v1/asset/tradeFee": (ctx) => {
      signed(ctx);
      const list = marketsFor(ctx).map((m) => ({ symbol: m.spec.id, makerCommission: String(engine.makerFee), takerCommission: String(engine.takerFee) }));
      return list;
    },
    "POST /api/v3/order/cancelReplace": (ctx) => {
      const account = signed(ctx);
      const m = market(ctx);
      const mode = required(ctx, "cancelReplaceMode");
      if (mode !== "STOP_ON_FAILURE" && mode !== "ALLOW_FAILURE") throw binanceErrors.invalidParameter("cancelReplaceMode");
      const cancelOrderId = optionalInt(ctx, "cancelOrderId", 0);
      const cancelOrig = ctx.params.get("cancelOrigClientOrderId") || undefined;
      if (cancelOrderId === undefined && cancelOrig === undefined) throw binanceErrors.eitherMandatory("cancelOrderId", "cancelOrigClientOrderId");
      const ref: OrderRef = cancelOrderId !== undefined ? { orderId: cancelOrderId } : { origClientOrderId: cancelOrig };
      const { request, clientOrderId, respType } = newOrderRequest(ctx);
      const cancelId = ctx.params.get("cancelNewClientOrderId") || randomClientOrderId();
      let cancelResponse: unknown;
      let cancelOk = false;
      try {
        cancelResponse = cancelJson(engine.cancelOrder(account, m.spec.id, ref, cancelId), cancelId);
        cancelOk = true;
      } catch (err) {
        if (!(err instanceof BinanceError)) throw err;
        cancelResponse = err.toJSON();
      }
      if (!cancelOk && mode === "STOP_ON_FAILURE") {
        throw new BinanceError(-2022, "Order cancel-replace failed.", 400, {}, { cancelResult: "FAILURE", newOrderResult: "NOT_ATTEMPTED", cancelResponse, newOrderResponse: null });
      }
      try {
        const newOrderResponse = newOrderJson(engine.placeOrder(account, request, clientOrderId), respType);
        return { cancelResult: cancelOk ? "SUCCESS" : "FAILURE", newOrderResult: "SUCCESS", cancelResponse, newOrderResponse };
      } catch (err) {
        if (!(err instanceof BinanceError)) throw err;
        throw new BinanceError(cancelOk ? -2021 : -2022, cancelOk ? "Order cancel-replace partially failed." : "Order cancel-replace failed.", 400, {}, {
          cancelResult: cancelOk ? "SUCCESS" : "FAILURE",
          newOrderResult: "FAILURE",
          cancelResponse,
          newOrderResponse: err.toJSON(),
        });
      }
    },
    "GET /api/v3/account": (ctx) => {
      const account = signed(ctx);
      return accountJson(account, engine.makerFee, engine.takerFee, optionalBool(ctx, "omitZeroBalances") ?? false);
    },
    "POST /api/v3/order/test": (ctx) => {
      const account = signed(ctx);
      engine.testOrder(account, newOrderRequest(ctx).request);
      return {};
    },
    "POST /api/v3/order": (ctx) => {
      const account = signed(ctx);
      const { request, clientOrderId, respType } = newOrderRequest(ctx);
      return newOrderJson(engine.placeOrder(account, request, clientOrderId), respType);
    },
    "GET /api/v3/order": (ctx) => {
      const account = signed(ctx);
      return orderJson(engine.queryOrder(account, market(ctx).spec.id, orderRef(ctx)));
    },
    "DELETE /api/v3/order": (ctx) => {
      const account = signed(ctx);
      const m = market(ctx);
      const cancelId = ctx.params.get("newClientOrderId") || randomClientOrderId();
      return cancelJson(engine.cancelOrder(account, m.spec.id, orderRef(ctx), cancelId), cancelId);
    },
    "POST /api/v3/orderList/oco": (ctx) => placeList(ctx, "OCO", ocoLegs),
    // Deprecated by Binance (use orderList/oco) but still served there; ccxt exposes it as privatePostOrderOco.
    "POST /api/v3/order/oco": (ctx) => placeList(ctx, "OCO", legacyOcoLegs),
    "POST /api/v3/orderList/oto": (ctx) => placeList(ctx, "OTO", otoLegs),
    "POST /api/v3/orderList/otoco": (ctx) => placeList(ctx, "OTOCO", otocoLegs),
    "GET /api/v3/orderList": (ctx) => {
      const account = signed(ctx);
      return orderListJson(engine.queryOrderList(account, listRef(ctx, "origClientOrderId")));
    },
    "DELETE /api/v3/orderList": (ctx) => {
      const account = signed(ctx);
      const m = market(ctx);
      const cancelId = reader(ctx).clientId("newClientOrderId") ?? randomClientOrderId();
      return cancelOrderListJson(engine.cancelOrderList(account, m.spec.id, listRef(ctx, "listClientOrderId"), cancelId), cancelId);
    },
    "GET /api/v3/allOrderList": (ctx) => {
      const account = signed(ctx);
      const fromId = optionalInt(ctx, "fromId", 0);
      const startTime = optionalInt(ctx, "startTime", 0);
      const endTime = optionalInt(ctx, "endTime", 0);
      const limit = limitParam(ctx, 500, 1000);
      if (fromId !== undefined && (startTime !== undefined || endTime !== undefined)) throw binanceErrors.notRequired("fromId");
      if (startTime !== undefined && endTime !== undefined && endTime - startTime > 24 * 3_600_000) {
        throw new BinanceError(-1127, "More than 24 hours between startTime and endTime.");
      }
      let lists: SimOrderList[] = [...account.orderLists.values()];
      if (fromId !== undefined) lists = lists.filter((l) => l.orderListId >= fromId).slice(0, limit);
      else if (startTime !== undefined || endTime !== undefined) {
        lists = lists.filter((l) => (startTime === undefined || l.transactionTime >= startTime) && (endTime === undefined || l.transactionTime <= endTime)).slice(0, limit);
      } else lists = lists.slice(-limit);
      return lists.map(orderListJson);
    },
    "GET /api/v3/openOrderList": (ctx) => {
      const account = signed(ctx);
      return [...account.orderLists.values()].filter((l) => l.listOrderStatus === "EXECUTING").map(orderListJson);
    },
    "GET /api/v3/openOrders": (ctx) => {
      const account = signed(ctx);
      const symbol = ctx.params.has("symbol") ? market(ctx).spec.id : undefined;
      return account.openOrders(symbol).map(orderJson);
    },
    "DELETE /api/v3/openOrders": (ctx) => {
      const account = signed(ctx);
      const m = market(ctx);
      const cancelIds = new Map<SimOrder, string>();
      const orders = engine.cancelAll(account, m.spec.id, (order) => {
        const cancelId = randomClientOrderId();
        cancelIds.set(order, cancelId);
        return cancelId;
      });
      // Binance answers an order list as one entry with a report per order.
      const out: unknown[] = [];
      const listsDone = new Set<number>();
      for (const order of orders) {
        if (order.orderListId < 0) {
          out.push(cancelJson(order, cancelIds.get(order) ?? randomClientOrderId()));
          continue;
        }
        if (listsDone.has(order.orderListId)) continue;
        listsDone.add(order.orderListId);
        const list = account.orderLists.get(order.orderListId)!;
        const cancelId = list.orders.map((o) => cancelIds.get(o)).find((id) => id !== undefined) ?? randomClientOrderId();
        out.push(cancelOrderListJson(list, cancelId));
      }
      return out;
    },
    "GET /api/v3/allOrders": (ctx) => {
      const account = signed(ctx);
      const m = market(ctx);
      const orderId = optionalInt(ctx, "orderId", 0);
      const startTime = optionalInt(ctx, "startTime", 0);
      const endTime = optionalInt(ctx, "endTime", 0);
      const limit = limitParam(ctx, 500, 1000);
      let orders = [...account.orders.values()].filter((o) => o.symbol === m.spec.id);
      if (orderId !== undefined) orders = orders.filter((o) => o.orderId >= orderId).slice(0, limit);
      else if (startTime !== undefined || endTime !== undefined) {
        orders = orders.filter((o) => (startTime === undefined || o.time >= startTime) && (endTime === undefined || o.time <= endTime)).slice(0, limit);
      } else orders = orders.slice(-limit);
      return orders.map(orderJson);
    },
    "GET /api/v3/myTrades": (ctx) => {
      const account = signed(ctx);
      const m = market(ctx);
      const orderId = optionalInt(ctx, "orderId", 0);
      const fromId = optionalInt(ctx, "fromId", 0);
      const startTime = optionalInt(ctx, "startTime", 0);
      const endTime = optionalInt(ctx, "endTime", 0);
      const limit = limitParam(ctx, 500, 1000);
      if (fromId !== undefined && (startTime !== undefined || endTime !== undefined)) throw binanceErrors.notRequired("fromId");
      let fills = account.fills.filter((f) => f.symbol === m.spec.id);
      if (orderId !== undefined) fills = fills.filter((f) => f.orderId === orderId);
      if (fromId !== undefined) return fills.filter((f) => f.tradeId >= fromId).slice(0, limit).map(myTradeJson);
      if (startTime !== undefined || endTime !== undefined) {
        return fills
          .filter((f) => (startTime === undefined || f.time >= startTime) && (endTime === undefined || f.time <= endTime))
          .slice(0, limit)
          .map(myTradeJson);
      }
      return fills.slice(-limit).map(myTradeJson);
    },
  };

  function klines(ctx: RequestContext) {
    const m = market(ctx);
    const interval = required(ctx, "interval");
    if (!isSpotInterval(interval)) throw binanceErrors.invalidInterval();
    const timeZone = ctx.params.get("timeZone");
    if (timeZone !== undefined && timeZone !== "0" && timeZone !== "+00:00" && timeZone !== "0:00") throw binanceErrors.invalidParameter("timeZone");
    const startTime = optionalInt(ctx, "startTime", 0);
    const endTime = optionalInt(ctx, "endTime", 0);
    if (startTime !== undefined && endTime !== undefined && startTime > endTime) throw binanceErrors.invalidParameter("startTime");
    return m.klines({ interval, startTime, endTime, limit: limitParam(ctx, 500, 1000), now: core.now() }).map(klineArray);
  }

  const admin: Record<string, (body: unknown) => unknown> = {
    "GET /admin/faults": () => faults.get(),
    "POST /admin/faults": (body) => faults.set(body as never),
    "POST /admin/faults/reset": () => faults.reset(),
    // Cheap time source for a bot following this simulator (server/market/venue-clock.ts).
    "GET /admin/clock": () => ({ now: core.now(), speed: core.speed }),
    "GET /admin/state": () => ({
      ...core.state(),
      ...deps.streamStats(),
      faults: faults.get(),
      accounts: engine.allAccounts().map((a) => ({
        apiKey: a.apiKey,
        balances: Object.fromEntries([...a.balances.entries()].map(([asset, b]) => [asset, { free: b.free, locked: b.locked }])),
        openOrders: a.openOrders().length,
      })),
    }),
    "POST /admin/advance": (body) => {
      const ms = (body as { ms?: unknown } | null)?.ms;
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new AdminError('body must be {"ms": <number >= 0>}', 400);
      if (!core.manualClock) throw new AdminError("advance needs the simulator's manualClock option", 409);
      core.advance(ms);
      return { now: core.now() };
    },
    "POST /admin/system-status": (body) => {
      const maintenance = (body as { maintenance?: unknown } | null)?.maintenance;
      if (typeof maintenance !== "boolean") throw new AdminError('body must be {"maintenance": true|false}', 400);
      systemStatus.maintenance = maintenance;
      return { status: maintenance ? 1 : 0 };
    },
    "POST /admin/symbol-status": (body) => {
      const { symbol, status } = (body ?? {}) as { symbol?: unknown; status?: unknown };
      const m = typeof symbol === "string" ? core.market(symbol) : undefined;
      if (!m) throw new AdminError('body must be {"symbol": "BTCUSDT" or "BTC/USDT", "status": "TRADING" | "BREAK" | "HALT" | ...}: unknown symbol', 400);
      if (typeof status !== "string" || !SYMBOL_STATUSES.includes(status as SymbolStatus)) throw new AdminError(`status must be one of ${SYMBOL_STATUSES.join(", ")}`, 400);
      m.status = status as SymbolStatus;
      return { symbol: m.spec.id, status: m.status };
    },
    "POST /admin/speed": (body) => {
      const speed = (body as { speed?: unknown } | null)?.speed;
      if (typeof speed !== "number" || !(speed > 0 && speed <= 100_000)) throw new AdminError('body must be {"speed": <number in (0, 100000]>}', 400);
      core.setSpeed(speed);
      return { speed: core.speed, now: core.now() };
    },
  };

  const send = (res: ServerResponse, status: number, payload: unknown, extraHeaders: Record<string, string> = {}) => {
    if (res.headersSent || res.destroyed) return;
    const body = typeof payload === "string" ? payload : JSON.stringify(payload);
    res.writeHead(status, {
      "Content-Type": typeof payload === "string" ? "text/plain; charset=utf-8" : "application/json;charset=UTF-8",
      "X-Simulated": "true",
      ...extraHeaders,
    });
    res.end(body);
  };

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, key: string, rawBody: string): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, { error: "the admin API only answers on loopback" });
    const handler = admin[key];
    if (!handler) return send(res, 404, { error: `no admin endpoint ${key}` });
    let body: unknown = null;
    if (rawBody.trim() !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return send(res, 400, { error: "the body must be JSON" });
      }
    }
    try {
      send(res, 200, handler(body ?? {}));
    } catch (err) {
      if (err instanceof AdminError) return send(res, err.status, { error: err.message });
      if (err instanceof ZodError) {
        return send(res, 400, { error: err.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") });
      }
      send(res, 400, { error: (err as Error).message });
    }
  }

  return (req, res) => {
    void (async () => {
      const method = req.method ?? "GET";
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://simulator.local");
      } catch {
        return send(res, 400, { code: -1100, msg: "Malformed request URL." });
      }
      const path = url.pathname.replace(/\/+$/, "") || "/";
      const key = `${method} ${path}`;
      let rawBody: string;
      try {
        rawBody = await readBody(req);
      } catch (err) {
        const e = err instanceof BinanceError ? err : binanceErrors.unknown("The request body could not be read.");
        return send(res, e.httpStatus, e.toJSON());
      }
      if (path.startsWith("/admin/")) return handleAdmin(req, res, key, rawBody);

      if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
      const limited = faults.takeRateLimit();
      if (limited) return send(res, limited.httpStatus, limited.toJSON(), limited.headers);
      const serverError = faults.takeServerError();

      const rawQuery = url.search.startsWith("?") ? url.search.slice(1) : url.search;
      const ctx: RequestContext = { method, path, params: parseParams(rawQuery, rawBody), rawQuery, rawBody, headers: req.headers };
      // X-MBX-TIME-UNIT: MICROSECOND → every time field of the answer in microseconds.
      const unitHeader = req.headers["x-mbx-time-unit"];
      const unit = String(Array.isArray(unitHeader) ? unitHeader[0] : (unitHeader ?? "MILLISECOND")).toUpperCase();
      if (unit !== "MILLISECOND" && unit !== "MICROSECOND") {
        return send(res, 400, new BinanceError(-1100, "Invalid time unit provided.").toJSON());
      }
      const timeUnitHeaders: Record<string, string> = unit === "MICROSECOND" ? { "X-MBX-TIME-UNIT": "MICROSECOND" } : {};
      let rateHeaders: Record<string, string> = {};
      if (deps.rateLimiter && path.startsWith("/api/v3/")) {
        const apiKey = req.headers["x-mbx-apikey"];
        const decision = deps.rateLimiter.admit(
          req.socket.remoteAddress ?? "unknown",
          requestWeight(method, path, ctx.params),
          ordersPlaced(method, path, ctx.params),
          Array.isArray(apiKey) ? apiKey[0] : apiKey,
        );
        rateHeaders = decision.headers;
        if (!decision.ok) return send(res, decision.error.httpStatus, decision.error.toJSON(), { ...rateHeaders, ...decision.error.headers });
      }
      const reply = (status: number, payload: unknown, extra: Record<string, string> = {}) =>
        send(res, status, unit === "MICROSECOND" && status === 200 ? toMicroseconds(payload) : payload, { ...rateHeaders, ...timeUnitHeaders, ...extra });
      const handler = routes[key];
      try {
        core.sync();
        if (serverError) {
          // "Execution status unknown": optionally let an order go through and still fail the response.
          if (serverError.executeOrders && handler && key === "POST /api/v3/order") {
            try {
              handler(ctx);
            } catch {
              // the client will not see the outcome either way
            }
          }
          return send(res, serverError.status, `${serverError.status} Service Unavailable (simulated fault)`);
        }
        if (!handler) throw binanceErrors.unsupportedOperation(`The Tradekeel simulator does not implement ${method} ${path}.`);
        reply(200, handler(ctx));
      } catch (err) {
        if (err instanceof BinanceError) return reply(err.httpStatus, err.toJSON(), err.headers);
        reply(500, binanceErrors.unknown((err as Error).message).toJSON());
      }
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { code: -1000, msg: "An unknown error occurred while processing the request." });
    });
  };
}
