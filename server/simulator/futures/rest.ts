import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../core/clock";
import { Decimal } from "../../core/decimal";
import { accountForKey, checkTimestamp, verifyRestSignature } from "../auth";
import { BinanceError, binanceErrors, CLIENT_ORDER_ID_RANGE } from "../binance-errors";
import { INTERVAL_MS } from "../candles";
import type { SimulatorCore } from "../core";
import type { Account } from "../matching-engine";
import { exchangeInfoSymbol, type ContractSpec } from "./contracts";
import type { AlgoOrder, FuturesAccount, FuturesEngine, FuturesOrder, PositionView, Side } from "./engine";
import { futuresErrors } from "./errors";
import { futuresTicker24h } from "./market-feed";
import { INTEREST_RATE, nextFundingTime } from "./pricing";
import type { FuturesListenKeys } from "./user-events";

/**
 * Binance USDⓈ-M futures REST (/fapi/v1, /fapi/v2, /fapi/v3) over the FuturesEngine, with the spot
 * simulator's signing rules (HMAC-SHA256 over query + body, timestamp and recvWindow).
 */

interface Ctx {
  method: string;
  params: Map<string, string>;
  rawQuery: string;
  rawBody: string;
  headers: IncomingMessage["headers"];
}

const f8 = (x: number | Decimal) => new Decimal(x).toFixed(8);
const bool = (b: boolean) => b;

export function createFuturesHandler(deps: { core: SimulatorCore; clock: Clock; engine: FuturesEngine; listenKeys: FuturesListenKeys }) {
  const { core, clock, engine, listenKeys } = deps;
  const serverTime = () => core.now() + core.faults.clockSkewMs;

  const req = (ctx: Ctx, name: string): string => {
    const v = ctx.params.get(name);
    if (v === undefined || v === "") throw binanceErrors.mandatory(name);
    return v;
  };
  const optInt = (ctx: Ctx, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const raw = ctx.params.get(name);
    if (raw === undefined || raw === "") return undefined;
    if (!/^\d{1,16}$/.test(raw)) throw binanceErrors.illegalChars(name, "^[0-9]{1,20}$");
    const v = Number(raw);
    if (v < min || v > max) throw binanceErrors.invalidParameter(name);
    return v;
  };
  const optBoolStr = (ctx: Ctx, name: string): boolean | undefined => {
    const raw = ctx.params.get(name);
    if (raw === undefined || raw === "") return undefined;
    if (raw === "true" || raw === "TRUE") return true;
    if (raw === "false" || raw === "FALSE") return false;
    throw binanceErrors.invalidParameter(name);
  };
  const contract = (ctx: Ctx): ContractSpec => engine.contract(req(ctx, "symbol"));
  const signed = (ctx: Ctx): FuturesAccount => {
    const key = ctx.headers["x-mbx-apikey"];
    const account: Account = accountForKey(core.engine, Array.isArray(key) ? key[0] : key);
    verifyRestSignature(account, ctx.rawQuery, ctx.rawBody);
    checkTimestamp(ctx.params.get("timestamp"), ctx.params.get("recvWindow"), clock.now() + core.faults.clockSkewMs);
    return engine.account(account);
  };
  const apiKeyOnly = (ctx: Ctx): FuturesAccount => {
    const key = ctx.headers["x-mbx-apikey"];
    return engine.account(accountForKey(core.engine, Array.isArray(key) ? key[0] : key));
  };
  const positionSideBoth = (ctx: Ctx) => {
    const ps = ctx.params.get("positionSide");
    if (ps !== undefined && ps !== "BOTH") throw futuresErrors.positionSideMismatch();
  };

  const orderJson = (o: FuturesOrder, withTime = false) => {
    const c = engine.contract(o.symbol);
    const avg = o.executedQty > 0 ? o.cumQuote.div(o.executedQty) : new Decimal(0);
    return {
      orderId: o.orderId,
      symbol: o.symbol,
      status: o.status,
      clientOrderId: o.clientOrderId,
      price: o.price.toFixed(c.pricePrecision),
      avgPrice: avg.toFixed(8),
      origQty: o.origQty.toFixed(c.quantityPrecision),
      executedQty: o.executedQty.toFixed(c.quantityPrecision),
      cumQty: o.executedQty.toFixed(c.quantityPrecision),
      cumQuote: o.cumQuote.toFixed(8),
      timeInForce: o.timeInForce,
      type: o.type,
      reduceOnly: o.reduceOnly,
      closePosition: o.closePosition,
      side: o.side,
      positionSide: "BOTH",
      stopPrice: o.stopPrice.toFixed(c.pricePrecision),
      workingType: o.workingType,
      priceProtect: false,
      origType: o.origType,
      priceMatch: "NONE",
      selfTradePreventionMode: "EXPIRE_MAKER",
      goodTillDate: 0,
      ...(withTime ? { time: o.time } : {}),
      updateTime: o.updateTime,
    };
  };

  const algoJson = (a: AlgoOrder) => {
    const c = engine.contract(a.symbol);
    return {
      algoId: a.algoId,
      clientAlgoId: a.clientAlgoId,
      algoType: "CONDITIONAL",
      orderType: a.orderType,
      symbol: a.symbol,
      side: a.side,
      positionSide: "BOTH",
      timeInForce: "GTC",
      quantity: a.quantity.toFixed(c.quantityPrecision),
      algoStatus: a.algoStatus,
      actualOrderId: a.actualOrderId === null ? "" : String(a.actualOrderId),
      triggerPrice: a.triggerPrice.toFixed(c.pricePrecision),
      price: (0).toFixed(c.pricePrecision),
      icebergQuantity: null,
      selfTradePreventionMode: "EXPIRE_MAKER",
      workingType: a.workingType,
      priceMatch: "NONE",
      closePosition: a.closePosition,
      priceProtect: false,
      reduceOnly: a.reduceOnly,
      createTime: a.createTime,
      updateTime: a.updateTime,
      triggerTime: a.triggerTime,
      goodTillDate: 0,
    };
  };

  const positionV2 = (v: PositionView) => {
    const c = engine.contract(v.symbol);
    return {
      symbol: v.symbol,
      positionAmt: v.amt.toFixed(c.quantityPrecision),
      entryPrice: String(v.entryPrice),
      breakEvenPrice: String(v.breakEvenPrice),
      markPrice: f8(v.markPrice),
      unRealizedProfit: f8(v.unrealized),
      liquidationPrice: String(v.liquidationPrice),
      leverage: String(v.leverage),
      maxNotionalValue: String(v.maxNotional),
      marginType: v.marginType === "ISOLATED" ? "isolated" : "cross",
      isolatedMargin: f8(v.isolatedMargin),
      isAutoAddMargin: "false",
      positionSide: "BOTH",
      notional: f8(v.notional),
      isolatedWallet: f8(v.isolatedWallet),
      updateTime: v.updateTime,
    };
  };

  const positionV3 = (v: PositionView) => {
    const c = engine.contract(v.symbol);
    return {
      symbol: v.symbol,
      positionSide: "BOTH",
      positionAmt: v.amt.toFixed(c.quantityPrecision),
      entryPrice: String(v.entryPrice),
      breakEvenPrice: String(v.breakEvenPrice),
      markPrice: f8(v.markPrice),
      unRealizedProfit: f8(v.unrealized),
      liquidationPrice: String(v.liquidationPrice),
      isolatedMargin: f8(v.isolatedMargin),
      notional: f8(v.notional),
      marginAsset: "USDT",
      isolatedWallet: f8(v.isolatedWallet),
      initialMargin: f8(v.initialMargin),
      maintMargin: f8(v.maintMargin),
      positionInitialMargin: f8(v.initialMargin),
      openOrderInitialMargin: "0",
      adl: 0,
      bidNotional: "0",
      askNotional: "0",
      updateTime: v.updateTime,
    };
  };

  const accountJson = (acct: FuturesAccount, v3: boolean) => {
    const a = engine.accountFigures(acct);
    const asset = {
      asset: "USDT",
      walletBalance: f8(a.wallet),
      unrealizedProfit: f8(a.unrealized),
      marginBalance: f8(a.marginBalance),
      maintMargin: f8(a.maint),
      initialMargin: f8(a.initial),
      positionInitialMargin: f8(a.positionInitial),
      openOrderInitialMargin: f8(a.openOrder),
      crossWalletBalance: f8(a.crossWallet),
      crossUnPnl: f8(a.crossUnPnl),
      availableBalance: f8(a.available),
      maxWithdrawAmount: f8(a.maxWithdraw),
      marginAvailable: true,
      updateTime: acct.updateTime,
    };
    const totals = {
      totalInitialMargin: f8(a.initial),
      totalMaintMargin: f8(a.maint),
      totalWalletBalance: f8(a.wallet),
      totalUnrealizedProfit: f8(a.unrealized),
      totalMarginBalance: f8(a.marginBalance),
      totalPositionInitialMargin: f8(a.positionInitial),
      totalOpenOrderInitialMargin: f8(a.openOrder),
      totalCrossWalletBalance: f8(a.crossWallet),
      totalCrossUnPnl: f8(a.crossUnPnl),
      availableBalance: f8(a.available),
      maxWithdrawAmount: f8(a.maxWithdraw),
    };
    const open = a.views.filter((v) => v.amt !== 0);
    if (v3) {
      return {
        ...totals,
        assets: [asset],
        positions: open.map((v) => ({
          symbol: v.symbol,
          positionSide: "BOTH",
          positionAmt: v.amt.toFixed(engine.contract(v.symbol).quantityPrecision),
          unrealizedProfit: f8(v.unrealized),
          isolatedMargin: f8(v.isolatedMargin),
          notional: f8(v.notional),
          isolatedWallet: f8(v.isolatedWallet),
          initialMargin: f8(v.initialMargin),
          maintMargin: f8(v.maintMargin),
          updateTime: v.updateTime,
        })),
      };
    }
    return {
      feeTier: 0,
      feeBurn: false,
      canTrade: true,
      canDeposit: true,
      canWithdraw: true,
      updateTime: 0,
      multiAssetsMargin: false,
      tradeGroupId: -1,
      ...totals,
      assets: [asset],
      positions: a.views.map((v) => ({
        symbol: v.symbol,
        initialMargin: f8(v.initialMargin),
        maintMargin: f8(v.maintMargin),
        unrealizedProfit: f8(v.unrealized),
        positionInitialMargin: f8(v.initialMargin),
        openOrderInitialMargin: f8(engine.openOrderMargin(acct, v.symbol)),
        leverage: String(v.leverage),
        isolated: v.marginType === "ISOLATED",
        entryPrice: String(v.entryPrice),
        breakEvenPrice: String(v.breakEvenPrice),
        maxNotional: String(v.maxNotional),
        positionSide: "BOTH",
        positionAmt: v.amt.toFixed(engine.contract(v.symbol).quantityPrecision),
        notional: f8(v.notional),
        isolatedWallet: f8(v.isolatedWallet),
        updateTime: v.updateTime,
        bidNotional: "0",
        askNotional: "0",
      })),
    };
  };

  const balanceJson = (acct: FuturesAccount) => {
    const a = engine.accountFigures(acct);
    return [
      {
        accountAlias: "SgsR",
        asset: "USDT",
        balance: f8(a.wallet),
        crossWalletBalance: f8(a.crossWallet),
        crossUnPnl: f8(a.crossUnPnl),
        availableBalance: f8(a.available),
        maxWithdrawAmount: f8(a.maxWithdraw),
        marginAvailable: true,
        updateTime: acct.updateTime,
      },
    ];
  };

  const premiumJson = (c: ContractSpec) => {
    const now = core.now();
    const next = nextFundingTime(now);
    return {
      symbol: c.id,
      markPrice: f8(engine.markPrice(c, now)),
      indexPrice: f8(engine.indexPrice(c)),
      estimatedSettlePrice: f8(engine.markPrice(c, now)),
      lastFundingRate: engine.premium.fundingRate(c, next, now).toFixed(8),
      interestRate: INTEREST_RATE.toFixed(8),
      nextFundingTime: next,
      time: now,
    };
  };

  const bracketJson = (c: ContractSpec) => ({
    symbol: c.id,
    brackets: c.brackets.map((b) => ({
      bracket: b.bracket,
      initialLeverage: b.initialLeverage,
      notionalCap: b.notionalCap,
      notionalFloor: b.notionalFloor,
      maintMarginRatio: b.maintMarginRatio,
      cum: b.cum,
    })),
  });

  const newOrder = (ctx: Ctx) => {
    const acct = signed(ctx);
    const c = contract(ctx);
    const side = req(ctx, "side");
    if (side !== "BUY" && side !== "SELL") throw binanceErrors.invalidSide();
    positionSideBoth(ctx);
    const type = req(ctx, "type");
    if (["STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"].includes(type)) throw futuresErrors.stopOrderSwitchAlgo();
    if (type !== "MARKET" && type !== "LIMIT") throw binanceErrors.invalidOrderType();
    const cid = ctx.params.get("newClientOrderId");
    if (cid !== undefined && !new RegExp(CLIENT_ORDER_ID_RANGE).test(cid)) throw binanceErrors.illegalChars("newClientOrderId", CLIENT_ORDER_ID_RANGE);
    if (ctx.params.has("closePosition")) throw binanceErrors.notRequired("closePosition");
    const reduceOnly = optBoolStr(ctx, "reduceOnly") ?? false;
    let timeInForce: string | undefined;
    let price: number | undefined;
    if (type === "LIMIT") {
      timeInForce = req(ctx, "timeInForce");
      if (!["GTC", "IOC", "FOK", "GTX"].includes(timeInForce)) throw binanceErrors.invalidTimeInForce();
      price = engine.checkPrice(c, req(ctx, "price"));
    } else {
      if (ctx.params.has("price")) throw binanceErrors.notRequired("price");
      if (ctx.params.has("timeInForce")) throw binanceErrors.notRequired("timeInForce");
    }
    const quantity = engine.checkQuantity(c, req(ctx, "quantity"), type === "MARKET");
    const respType = ctx.params.get("newOrderRespType") ?? "ACK";
    if (respType !== "ACK" && respType !== "RESULT") throw binanceErrors.invalidParameter("newOrderRespType");
    const order = engine.placeOrder(acct, {
      symbol: c.id,
      side: side as Side,
      type,
      timeInForce: timeInForce as "GTC" | undefined,
      price,
      quantity,
      reduceOnly,
      clientOrderId: cid ?? randomBytes(11).toString("base64url").slice(0, 22),
    });
    return orderJson(order);
  };

  const newAlgoOrder = (ctx: Ctx) => {
    const acct = signed(ctx);
    const c = contract(ctx);
    const algoType = req(ctx, "algoType");
    if (algoType !== "CONDITIONAL") throw binanceErrors.invalidParameter("algoType");
    const side = req(ctx, "side");
    if (side !== "BUY" && side !== "SELL") throw binanceErrors.invalidSide();
    positionSideBoth(ctx);
    const type = req(ctx, "type");
    if (type !== "STOP_MARKET" && type !== "TAKE_PROFIT_MARKET") {
      if (["STOP", "TAKE_PROFIT", "TRAILING_STOP_MARKET"].includes(type)) {
        throw binanceErrors.unsupportedOperation(`The Tradekeel simulator does not implement ${type} algo orders.`);
      }
      throw binanceErrors.invalidOrderType();
    }
    const closePosition = optBoolStr(ctx, "closePosition") ?? false;
    const reduceOnlyRaw = optBoolStr(ctx, "reduceOnly");
    if (closePosition && reduceOnlyRaw !== undefined) throw binanceErrors.notRequired("reduceOnly");
    if (closePosition && ctx.params.has("quantity")) throw binanceErrors.notRequired("quantity");
    const triggerPrice = engine.checkPrice(c, req(ctx, "triggerPrice"));
    const quantity = closePosition ? 0 : engine.checkQuantity(c, req(ctx, "quantity"), true);
    const workingType = ctx.params.get("workingType") ?? "CONTRACT_PRICE";
    if (workingType !== "MARK_PRICE" && workingType !== "CONTRACT_PRICE") throw binanceErrors.invalidParameter("workingType");
    const cid = ctx.params.get("clientAlgoId");
    if (cid !== undefined && !new RegExp(CLIENT_ORDER_ID_RANGE).test(cid)) throw binanceErrors.illegalChars("clientAlgoId", CLIENT_ORDER_ID_RANGE);
    const algo = engine.placeAlgoOrder(acct, {
      clientAlgoId: cid ?? randomBytes(11).toString("base64url").slice(0, 22),
      symbol: c.id,
      side: side as Side,
      orderType: type,
      quantity,
      triggerPrice,
      workingType,
      reduceOnly: reduceOnlyRaw ?? false,
      closePosition,
    });
    return algoJson(algo);
  };

  const orderRef = (ctx: Ctx) => {
    const orderId = optInt(ctx, "orderId");
    const origClientOrderId = ctx.params.get("origClientOrderId") || undefined;
    if (orderId === undefined && origClientOrderId === undefined) throw binanceErrors.eitherMandatory("orderId", "origClientOrderId");
    return orderId !== undefined ? { orderId } : { origClientOrderId };
  };

  const isOpen = (o: FuturesOrder) => o.status === "NEW" || o.status === "PARTIALLY_FILLED";

  const routes: Record<string, (ctx: Ctx) => unknown> = {
    "GET /fapi/v1/ping": () => ({}),
    "GET /fapi/v1/time": () => ({ serverTime: serverTime() }),
    "GET /fapi/v1/exchangeInfo": () => ({
      timezone: "UTC",
      serverTime: serverTime(),
      futuresType: "U_MARGINED",
      simulated: true,
      rateLimits: [
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 2400 },
        { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
        { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 300 },
      ],
      exchangeFilters: [],
      assets: [{ asset: "USDT", marginAvailable: true, autoAssetExchange: "-10000" }],
      symbols: [...engine.contracts.values()].map((c) => exchangeInfoSymbol(c, core.market(c.spot.id)?.status === "TRADING" ? "TRADING" : "SETTLING")),
    }),
    "GET /fapi/v1/depth": (ctx) => {
      const c = contract(ctx);
      const limit = optInt(ctx, "limit", 5, 1000) ?? 500;
      if (![5, 10, 20, 50, 100, 500, 1000].includes(limit)) throw binanceErrors.invalidParameter("limit");
      // The feed's update ids: the diff stream's U / u / pu continue from this lastUpdateId.
      const book = engine.depthFeed.snapshot(c, limit);
      const now = core.now();
      return { lastUpdateId: book.lastUpdateId, E: now, T: now, bids: book.bids, asks: book.asks };
    },
    "GET /fapi/v1/klines": (ctx) => {
      const c = contract(ctx);
      const interval = req(ctx, "interval");
      if (!(interval in INTERVAL_MS)) throw binanceErrors.invalidInterval();
      const limit = optInt(ctx, "limit", 1, 1500) ?? 500;
      const bars = core.market(c.spot.id)!.klines({ interval, startTime: optInt(ctx, "startTime"), endTime: optInt(ctx, "endTime"), limit });
      const px = (p: number, t: number) => engine.premium.contractPrice(c, p, t).toFixed(c.pricePrecision);
      return bars.map((b) => [
        b.openTime,
        px(b.open, b.openTime),
        px(b.high, b.openTime),
        px(b.low, b.openTime),
        px(b.close, b.openTime),
        b.volume.toFixed(c.quantityPrecision),
        b.closeTime,
        b.quoteVolume.toFixed(5),
        b.trades,
        b.takerBuyBase.toFixed(c.quantityPrecision),
        b.takerBuyQuote.toFixed(5),
        "0",
      ]);
    },
    "GET /fapi/v1/premiumIndex": (ctx) => (ctx.params.has("symbol") ? premiumJson(contract(ctx)) : [...engine.contracts.values()].map(premiumJson)),
    "GET /fapi/v1/fundingRate": (ctx) => {
      const limit = optInt(ctx, "limit", 1, 1000) ?? 100;
      const end = optInt(ctx, "endTime") ?? core.now();
      const start = optInt(ctx, "startTime");
      const list = ctx.params.has("symbol") ? [contract(ctx)] : [...engine.contracts.values()];
      const rows = list.flatMap((c) =>
        engine.fundingHistory(c, start ?? 0, end, 100_000).map((r) => ({ symbol: c.id, fundingRate: r.fundingRate.toFixed(8), fundingTime: r.fundingTime, markPrice: f8(r.markPrice) })),
      );
      rows.sort((a, b) => a.fundingTime - b.fundingTime);
      // With startTime: the first `limit` from it; otherwise the latest `limit`.
      return start !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
    },
    "GET /fapi/v1/ticker/24hr": (ctx) => {
      const now = core.now();
      return ctx.params.has("symbol") ? futuresTicker24h(engine, contract(ctx), now) : [...engine.contracts.values()].map((c) => futuresTicker24h(engine, c, now));
    },
    "GET /fapi/v1/ticker/price": (ctx) => {
      const one = (c: ContractSpec) => ({ symbol: c.id, price: engine.premium.contractPrice(c, engine.indexPrice(c), core.now()).toFixed(c.pricePrecision), time: core.now() });
      return ctx.params.has("symbol") ? one(contract(ctx)) : [...engine.contracts.values()].map(one);
    },
    "GET /fapi/v1/ticker/bookTicker": (ctx) => {
      const one = (c: ContractSpec) => {
        const { bid, ask } = engine.top(c);
        return { symbol: c.id, bidPrice: bid.toFixed(c.pricePrecision), bidQty: "1.000", askPrice: ask.toFixed(c.pricePrecision), askQty: "1.000", time: core.now() };
      };
      return ctx.params.has("symbol") ? one(contract(ctx)) : [...engine.contracts.values()].map(one);
    },
    "GET /fapi/v1/leverageBracket": (ctx) => {
      signed(ctx);
      return ctx.params.has("symbol") ? [bracketJson(contract(ctx))] : [...engine.contracts.values()].map(bracketJson);
    },
    "POST /fapi/v1/leverage": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      const r = engine.setLeverage(acct, c, req(ctx, "leverage"));
      return { leverage: r.leverage, maxNotionalValue: String(r.maxNotionalValue), symbol: c.id };
    },
    "POST /fapi/v1/marginType": (ctx) => {
      const acct = signed(ctx);
      engine.setMarginType(acct, contract(ctx), req(ctx, "marginType"));
      return { code: 200, msg: "success" };
    },
    "GET /fapi/v1/positionSide/dual": (ctx) => {
      signed(ctx);
      return { dualSidePosition: false };
    },
    "POST /fapi/v1/positionSide/dual": (ctx) => {
      signed(ctx);
      const v = req(ctx, "dualSidePosition");
      if (v === "false") throw futuresErrors.noNeedToChangePositionSide();
      if (v === "true") throw binanceErrors.unsupportedOperation("The Tradekeel simulator supports one-way position mode only.");
      throw binanceErrors.invalidParameter("dualSidePosition");
    },
    "POST /fapi/v1/order": newOrder,
    "GET /fapi/v1/order": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      const o = engine.findOrder(acct, c.id, orderRef(ctx));
      if (!o) throw binanceErrors.orderDoesNotExist();
      return orderJson(o, true);
    },
    "DELETE /fapi/v1/order": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      return orderJson(engine.cancelOrder(acct, c.id, orderRef(ctx)));
    },
    "GET /fapi/v1/openOrders": (ctx) => {
      const acct = signed(ctx);
      const symbol = ctx.params.has("symbol") ? contract(ctx).id : undefined;
      return [...acct.orders.values()].filter((o) => isOpen(o) && (!symbol || o.symbol === symbol)).map((o) => orderJson(o, true));
    },
    "GET /fapi/v1/openOrder": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      const o = engine.findOrder(acct, c.id, orderRef(ctx));
      if (!o || !isOpen(o)) throw new BinanceError(-2013, "Order does not exist.");
      return orderJson(o, true);
    },
    "GET /fapi/v1/allOrders": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      const limit = optInt(ctx, "limit", 1, 1000) ?? 500;
      return [...acct.orders.values()].filter((o) => o.symbol === c.id).slice(-limit).map((o) => orderJson(o, true));
    },
    "DELETE /fapi/v1/allOpenOrders": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      for (const o of acct.orders.values()) if (o.symbol === c.id && isOpen(o)) engine.cancelOrder(acct, c.id, { orderId: o.orderId });
      return { code: 200, msg: "The operation of cancel all open order is done." };
    },
    "POST /fapi/v1/algoOrder": newAlgoOrder,
    "DELETE /fapi/v1/algoOrder": (ctx) => {
      const acct = signed(ctx);
      const algoId = optInt(ctx, "algoId");
      const clientAlgoId = ctx.params.get("clientAlgoId") || undefined;
      if (algoId === undefined && clientAlgoId === undefined) throw binanceErrors.eitherMandatory("algoId", "clientAlgoId");
      const a = engine.cancelAlgoOrder(acct, algoId !== undefined ? { algoId } : { clientAlgoId });
      return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, code: "200", msg: "success" };
    },
    "GET /fapi/v1/algoOrder": (ctx) => {
      const acct = signed(ctx);
      const algoId = optInt(ctx, "algoId");
      const clientAlgoId = ctx.params.get("clientAlgoId") || undefined;
      if (algoId === undefined && clientAlgoId === undefined) throw binanceErrors.eitherMandatory("algoId", "clientAlgoId");
      const a = algoId !== undefined ? acct.algoOrders.get(algoId) : [...acct.algoOrders.values()].find((x) => x.clientAlgoId === clientAlgoId);
      if (!a) throw binanceErrors.orderDoesNotExist();
      return algoJson(a);
    },
    "GET /fapi/v1/openAlgoOrders": (ctx) => {
      const acct = signed(ctx);
      const symbol = ctx.params.has("symbol") ? contract(ctx).id : undefined;
      return [...acct.algoOrders.values()].filter((a) => a.algoStatus === "NEW" && (!symbol || a.symbol === symbol)).map(algoJson);
    },
    "DELETE /fapi/v1/algoOpenOrders": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      for (const a of acct.algoOrders.values()) if (a.symbol === c.id && a.algoStatus === "NEW") engine.cancelAlgoOrder(acct, { algoId: a.algoId });
      return { code: 200, msg: "The operation of cancel all open order is done." };
    },
    "GET /fapi/v1/userTrades": (ctx) => {
      const acct = signed(ctx);
      const c = contract(ctx);
      const limit = optInt(ctx, "limit", 1, 1000) ?? 500;
      const start = optInt(ctx, "startTime");
      const end = optInt(ctx, "endTime");
      const fromId = optInt(ctx, "fromId");
      const orderId = optInt(ctx, "orderId");
      let rows = acct.trades.filter((t) => t.symbol === c.id && (start === undefined || t.time >= start) && (end === undefined || t.time <= end));
      if (fromId !== undefined) rows = rows.filter((t) => t.id >= fromId);
      if (orderId !== undefined) rows = rows.filter((t) => t.orderId === orderId);
      rows = start !== undefined || fromId !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
      return rows.map((t) => ({
        buyer: t.side === "BUY",
        commission: t.commission,
        commissionAsset: "USDT",
        id: t.id,
        maker: bool(t.maker),
        orderId: t.orderId,
        price: t.price.toFixed(c.pricePrecision),
        qty: t.qty.toFixed(c.quantityPrecision),
        quoteQty: t.quoteQty,
        realizedPnl: t.realizedPnl,
        side: t.side,
        positionSide: "BOTH",
        symbol: t.symbol,
        time: t.time,
      }));
    },
    "GET /fapi/v1/forceOrders": (ctx) => {
      const acct = signed(ctx);
      const symbol = ctx.params.has("symbol") ? contract(ctx).id : undefined;
      return [...acct.orders.values()].filter((o) => o.liquidation && (!symbol || o.symbol === symbol)).map((o) => orderJson(o, true));
    },
    "GET /fapi/v1/income": (ctx) => {
      const acct = signed(ctx);
      const symbol = ctx.params.get("symbol");
      const type = ctx.params.get("incomeType");
      const limit = optInt(ctx, "limit", 1, 1000) ?? 100;
      const start = optInt(ctx, "startTime");
      const end = optInt(ctx, "endTime");
      const rows = acct.income.filter(
        (r) => (!symbol || r.symbol === symbol) && (!type || r.incomeType === type) && (start === undefined || r.time >= start) && (end === undefined || r.time <= end),
      );
      return rows.slice(0, limit);
    },
    "GET /fapi/v1/commissionRate": (ctx) => {
      signed(ctx);
      return { symbol: contract(ctx).id, makerCommissionRate: "0.000200", takerCommissionRate: "0.000500" };
    },
    "GET /fapi/v2/account": (ctx) => accountJson(signed(ctx), false),
    "GET /fapi/v3/account": (ctx) => accountJson(signed(ctx), true),
    "GET /fapi/v2/balance": (ctx) => balanceJson(signed(ctx)),
    "GET /fapi/v3/balance": (ctx) => balanceJson(signed(ctx)),
    "GET /fapi/v2/positionRisk": (ctx) => {
      const acct = signed(ctx);
      const list = ctx.params.has("symbol") ? [contract(ctx)] : [...engine.contracts.values()];
      return list.map((c) => positionV2(engine.positionView(acct, c)));
    },
    "GET /fapi/v3/positionRisk": (ctx) => {
      const acct = signed(ctx);
      const list = ctx.params.has("symbol") ? [contract(ctx)] : [...engine.contracts.values()];
      // v3 lists only symbols with a position or open orders.
      return list
        .filter((c) => acct.position(c.id).amt !== 0 || [...acct.orders.values()].some((o) => o.symbol === c.id && isOpen(o)))
        .map((c) => positionV3(engine.positionView(acct, c)));
    },
    // User-data stream (USER_STREAM: API key, no signature); connect to /fstream/private/ws?listenKey=<key>.
    "POST /fapi/v1/listenKey": (ctx) => ({ listenKey: listenKeys.create(apiKeyOnly(ctx)) }),
    "PUT /fapi/v1/listenKey": (ctx) => ({ listenKey: listenKeys.keepAlive(apiKeyOnly(ctx)) }),
    "DELETE /fapi/v1/listenKey": (ctx) => {
      listenKeys.remove(apiKeyOnly(ctx));
      return {};
    },
  };

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { "Content-Type": "application/json", "X-Simulated": "true" });
    res.end(JSON.stringify(payload));
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1 << 20) {
        send(res, 400, { code: -1101, msg: "Request body too large." });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => {
      const method = req.method ?? "GET";
      const url = new URL(req.url ?? "/", "http://simulator.local");
      const path = url.pathname.replace(/\/+$/, "");
      const rawQuery = url.search.startsWith("?") ? url.search.slice(1) : url.search;
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const params = new Map<string, string>();
      for (const [k, v] of new URLSearchParams(rawBody)) params.set(k, v);
      for (const [k, v] of new URLSearchParams(rawQuery)) params.set(k, v);
      const handler = routes[`${method} ${path}`];
      try {
        if (!handler) throw binanceErrors.unsupportedOperation(`The Tradekeel simulator does not implement ${method} ${path}.`);
        engine.sync();
        send(res, 200, handler({ method, params, rawQuery, rawBody, headers: req.headers }));
      } catch (err) {
        if (err instanceof BinanceError) return send(res, err.httpStatus, err.toJSON());
        send(res, 500, binanceErrors.unknown((err as Error).message).toJSON());
      }
    });
  };
}
