import { createHmac } from "node:crypto";
import ccxt, { type Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../server";

/**
 * Order lists (OCO / OTO / OTOCO) with real ccxt (its implicit Binance endpoints, signed as for
 * Binance) against the running simulator, and the user-data stream over the WebSocket API.
 */

const START = Date.UTC(2025, 4, 6, 14, 0, 0);
const S = "BTCUSDT";
let sim: SimulatorHandle;
let ex: Exchange;
let ws: WebSocket;
const events: any[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(10);
  }
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 21, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT"], publishIntervalMs: 20 });
  ex = await createExchange({ id: "simulator" }, { simulator: sim });
  await ex.loadMarkets();
  ws = new WebSocket(sim.wsApiUrl);
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.event) events.push(m.event);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const params = { apiKey: sim.defaultAccount.apiKey, timestamp: Date.now() };
  const signature = createHmac("sha256", sim.defaultAccount.secret).update(`apiKey=${params.apiKey}&timestamp=${params.timestamp}`).digest("hex");
  ws.send(JSON.stringify({ id: "s", method: "userDataStream.subscribe.signature", params: { ...params, signature } }));
  await waitFor(() => sim.state().userStreams >= 1);
});

afterAll(async () => {
  ws?.close();
  await ex?.close();
  await sim?.close();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

const px = (factor: number) => ex.priceToPrecision("BTC/USDT", sim.lastPrice("BTC/USDT") * factor);
const btc = () => sim.core.engine.allAccounts()[0].balance("BTC");
/** The day's order count the simulator reported on the last answer (ORDERS per day: no window rolls over mid-test). */
const orderCount1d = () => {
  const h: Record<string, string> = (ex as any).last_response_headers ?? {};
  return Number(Object.entries(h).find(([k]) => k.toLowerCase() === "x-mbx-order-count-1d")?.[1]);
};

/** Advance the manual clock 5 s at a time until `done` (the market decides when; bounded). */
async function advanceUntil(done: () => boolean, maxMinutes = 24 * 60): Promise<void> {
  for (let i = 0; i < maxMinutes * 12 && !done(); i++) sim.advance(5_000);
  expect(done()).toBe(true);
}

const sellOco = (extra: Record<string, unknown> = {}) => ({
  symbol: S,
  side: "SELL",
  quantity: "0.00100",
  aboveType: "LIMIT_MAKER",
  abovePrice: px(1.0015),
  belowType: "STOP_LOSS_LIMIT",
  belowStopPrice: px(0.9985),
  belowPrice: px(0.998),
  belowTimeInForce: "GTC",
  ...extra,
});

describe("OCO: POST /api/v3/orderList/oco", () => {
  it("places both orders on one lock, and when one is activated the other expires and the list is ALL_DONE", async () => {
    const lockedBefore = btc().locked;
    const res: any = await ex.privatePostOrderListOco(sellOco({ listClientOrderId: "my-oco-1", newOrderRespType: "RESULT" }));
    // Binance counts each order of the list against the ORDERS limits (the first orders of this account).
    expect(orderCount1d()).toBe(2);
    expect(res).toMatchObject({ contingencyType: "OCO", listStatusType: "EXEC_STARTED", listOrderStatus: "EXECUTING", listClientOrderId: "my-oco-1", symbol: S });
    expect(res.orders).toHaveLength(2);
    expect(res.orderReports.map((r: any) => [r.type, r.status, r.orderListId])).toEqual([
      ["STOP_LOSS_LIMIT", "NEW", res.orderListId],
      ["LIMIT_MAKER", "NEW", res.orderListId],
    ]);
    expect(res.orderReports[0].workingTime).toBe(-1);
    // A SELL pair locks its quantity once, not once per order.
    expect(btc().locked).toBeCloseTo(lockedBefore + 0.001, 8);
    const open: any[] = await ex.privateGetOpenOrderList();
    expect(open.map((l) => l.orderListId)).toEqual([res.orderListId]);
    const ccxtOpen = await ex.fetchOpenOrders("BTC/USDT");
    expect(ccxtOpen.map((o) => o.info.orderListId)).toEqual([res.orderListId, res.orderListId]);
    await waitFor(() => events.some((e) => e.e === "listStatus" && e.g === res.orderListId));
    expect(events.find((e) => e.e === "listStatus" && e.g === res.orderListId)).toMatchObject({ c: "OCO", l: "EXEC_STARTED", L: "EXECUTING", C: "my-oco-1", s: S });

    const [stopId, limitId] = res.orders.map((o: any) => o.orderId);
    const list = () => sim.core.engine.queryOrderList(sim.core.engine.allAccounts()[0], { orderListId: res.orderListId });
    await advanceUntil(() => list().listOrderStatus === "ALL_DONE");
    const stop: any = await ex.privateGetOrder({ symbol: S, orderId: stopId });
    const limit: any = await ex.privateGetOrder({ symbol: S, orderId: limitId });
    const statuses = [stop.status, limit.status];
    // Exactly one order was activated; the other expired.
    expect(statuses.filter((s) => s === "EXPIRED")).toHaveLength(1);
    const activated = stop.status === "EXPIRED" ? limit : stop;
    expect(["NEW", "PARTIALLY_FILLED", "FILLED"]).toContain(activated.status);
    const fetched: any = await ex.privateGetOrderList({ orderListId: res.orderListId });
    expect(fetched).toMatchObject({ orderListId: res.orderListId, listStatusType: "ALL_DONE", listOrderStatus: "ALL_DONE", contingencyType: "OCO" });
    const expiredId = stop.status === "EXPIRED" ? stopId : limitId;
    await waitFor(() => events.some((e) => e.e === "listStatus" && e.g === res.orderListId && e.L === "ALL_DONE"));
    await waitFor(() => events.some((e) => e.e === "executionReport" && e.i === expiredId && e.x === "EXPIRED"));
    const expiredAt = events.findIndex((e) => e.e === "executionReport" && e.i === expiredId && e.x === "EXPIRED");
    expect(events[expiredAt]).toMatchObject({ g: res.orderListId, X: "EXPIRED" });
    // The activated order keeps the pair's lock until it is done: nothing is locked twice or lost.
    await advanceUntil(() => (list().orders.every((o) => o.status !== "NEW" && o.status !== "PARTIALLY_FILLED")));
    expect(btc().locked).toBeCloseTo(lockedBefore, 8);
    expect((await ex.privateGetOpenOrderList()) as unknown[]).toHaveLength(0);
  });

  it("refuses what Binance refuses, with Binance's codes and messages", async () => {
    const bad = await rejection(ex.privatePostOrderListOco(sellOco({ abovePrice: px(0.999) })));
    expect(bad).toBeInstanceOf(ccxt.InvalidOrder);
    expect(bad.message).toContain('"code":-2010');
    expect(bad.message).toContain("The relationship of the prices for the orders is not correct.");
    const stopAbove = await rejection(ex.privatePostOrderListOco(sellOco({ belowStopPrice: px(1.001), belowPrice: px(1.0008) })));
    expect(stopAbove.message).toContain("The relationship of the prices for the orders is not correct.");
    const limitBelow = await rejection(
      ex.privatePostOrderListOco(sellOco({ aboveType: "STOP_LOSS", aboveStopPrice: px(1.002), abovePrice: undefined, belowType: "LIMIT_MAKER", belowPrice: px(0.99), belowStopPrice: undefined, belowTimeInForce: undefined })),
    );
    expect(limitBelow.message).toContain('"code":-1166');
    expect(limitBelow.message).toContain("A limit order in a sell OCO must be above.");
    const bothLimit = await rejection(ex.privatePostOrderListOco(sellOco({ belowType: "LIMIT_MAKER", belowPrice: px(0.99), belowStopPrice: undefined, belowTimeInForce: undefined })));
    expect(bothLimit.message).toContain('"code":-1168');
    const buyLimitAbove = await rejection(ex.privatePostOrderListOco(sellOco({ side: "BUY" })));
    expect(buyLimitAbove.message).toContain('"code":-1165');
    const buyStopBelow = await rejection(ex.privatePostOrderListOco(sellOco({ side: "BUY", aboveType: "STOP_LOSS", aboveStopPrice: px(1.01), abovePrice: undefined })));
    expect(buyStopBelow.message).toContain('"code":-1196');
    expect(buyStopBelow.message).toContain("A stop loss order in a buy OCO must be above.");
    const noTif = await rejection(ex.privatePostOrderListOco(sellOco({ belowTimeInForce: undefined })));
    expect(noTif.message).toContain("Mandatory parameter 'belowTimeInForce' was not sent");
    const wrongType = await rejection(ex.privatePostOrderListOco(sellOco({ aboveType: "LIMIT" })));
    expect(wrongType.message).toContain('"code":-1158');
    const tooSmall = await rejection(ex.privatePostOrderListOco(sellOco({ quantity: "0.00001" })));
    expect(tooSmall.message).toContain("Filter failure: NOTIONAL");
    const tooMuch = await rejection(ex.privatePostOrderListOco(sellOco({ quantity: "5.00000" })));
    expect(tooMuch).toBeInstanceOf(ccxt.InsufficientFunds);
    expect((await ex.privateGetOpenOrderList()) as unknown[]).toHaveLength(0);
  });

  it("DELETE /api/v3/orderList cancels both orders; cancelling one order cancels the whole list", async () => {
    const lockedBefore = btc().locked;
    const a: any = await ex.privatePostOrderListOco(sellOco({ listClientOrderId: "cancel-me" }));
    const cancelled: any = await ex.privateDeleteOrderList({ symbol: S, listClientOrderId: "cancel-me" });
    expect(cancelled).toMatchObject({ orderListId: a.orderListId, listStatusType: "ALL_DONE", listOrderStatus: "ALL_DONE" });
    expect(cancelled.orderReports.map((r: any) => r.status)).toEqual(["CANCELED", "CANCELED"]);
    expect(btc().locked).toBeCloseTo(lockedBefore, 8);
    const again = await rejection(ex.privateDeleteOrderList({ symbol: S, orderListId: a.orderListId }));
    expect(again).toBeInstanceOf(ccxt.OrderNotFound);

    // The same listClientOrderId is accepted again once the first list is done.
    const b: any = await ex.privatePostOrderListOco(sellOco({ listClientOrderId: "cancel-me" }));
    const dup = await rejection(ex.privatePostOrderListOco(sellOco({ listClientOrderId: "cancel-me" })));
    expect(dup.message).toContain("Duplicate order sent.");
    await ex.cancelOrder(String(b.orders[1].orderId), "BTC/USDT");
    const list: any = await ex.privateGetOrderList({ origClientOrderId: "cancel-me" });
    expect(list).toMatchObject({ orderListId: b.orderListId, listOrderStatus: "ALL_DONE" });
    const other: any = await ex.privateGetOrder({ symbol: S, orderId: b.orders[0].orderId });
    expect(other.status).toBe("CANCELED");
    const all: any[] = await ex.privateGetAllOrderList({});
    expect(all.map((l) => l.orderListId)).toEqual(expect.arrayContaining([a.orderListId, b.orderListId]));
    const missing = await rejection(ex.privateGetOrderList({ orderListId: 987654 }));
    expect(missing.message).toContain('"code":-2013');
  });

  it("DELETE /api/v3/openOrders answers an order list as one entry with its reports", async () => {
    const a: any = await ex.privatePostOrderListOco(sellOco());
    const res: any[] = await ex.privateDeleteOpenOrders({ symbol: S });
    expect(res).toHaveLength(1);
    expect(res[0]).toMatchObject({ orderListId: a.orderListId, contingencyType: "OCO", listOrderStatus: "ALL_DONE" });
    expect(res[0].orderReports.map((r: any) => r.status)).toEqual(["CANCELED", "CANCELED"]);
  });

  it("the deprecated POST /api/v3/order/oco places the same pair (LIMIT_MAKER + STOP_LOSS_LIMIT)", async () => {
    const res: any = await ex.privatePostOrderOco({ symbol: S, side: "SELL", quantity: "0.00100", price: px(1.002), stopPrice: px(0.998), stopLimitPrice: px(0.9975), stopLimitTimeInForce: "GTC" });
    expect(res.contingencyType).toBe("OCO");
    expect(res.orderReports.map((r: any) => r.type)).toEqual(["STOP_LOSS_LIMIT", "LIMIT_MAKER"]);
    await ex.privateDeleteOrderList({ symbol: S, orderListId: res.orderListId });
  });
});

describe("OTO and OTOCO", () => {
  it("OTO: the pending order waits (PENDING_NEW, not in the book) and is placed when the working order fills", async () => {
    const res: any = await ex.privatePostOrderListOto({
      symbol: S,
      workingType: "LIMIT",
      workingSide: "BUY",
      workingPrice: px(1.003),
      workingQuantity: "0.00100",
      workingTimeInForce: "GTC",
      pendingType: "LIMIT_MAKER",
      pendingSide: "SELL",
      pendingPrice: px(1.01),
      pendingQuantity: "0.00090",
    });
    const countAfterFirst = orderCount1d();
    expect(res.contingencyType).toBe("OTO");
    // A working order that fills at once: the response still shows the pending order as PENDING_NEW.
    expect(res.orderReports.map((r: any) => r.status)).toEqual(["FILLED", "PENDING_NEW"]);
    const pending: any = await ex.privateGetOrder({ symbol: S, orderId: res.orders[1].orderId });
    expect(pending.status).toBe("NEW");
    expect((await ex.privateGetOrderList({ orderListId: res.orderListId })) as any).toMatchObject({ listOrderStatus: "ALL_DONE" });
    await ex.cancelOrder(String(res.orders[1].orderId), "BTC/USDT");

    const resting: any = await ex.privatePostOrderListOto({
      symbol: S,
      workingType: "LIMIT",
      workingSide: "BUY",
      workingPrice: px(0.95),
      workingQuantity: "0.00100",
      workingTimeInForce: "GTC",
      pendingType: "STOP_LOSS",
      pendingSide: "SELL",
      pendingStopPrice: px(0.9),
      pendingQuantity: "0.00100",
    });
    expect(orderCount1d() - countAfterFirst).toBe(2);
    expect(resting.orderReports.map((r: any) => r.status)).toEqual(["NEW", "PENDING_NEW"]);
    const open = await ex.fetchOpenOrders("BTC/USDT");
    expect(open.map((o) => o.id)).toEqual([String(resting.orders[0].orderId)]);
    await ex.cancelOrder(String(resting.orders[0].orderId), "BTC/USDT");
    const cancelledPending: any = await ex.privateGetOrder({ symbol: S, orderId: resting.orders[1].orderId });
    expect(cancelledPending.status).toBe("CANCELED");
  });

  it("OTOCO: the pending pair works as an OCO once the working order fills", async () => {
    const res: any = await ex.privatePostOrderListOtoco({
      symbol: S,
      workingType: "LIMIT",
      workingSide: "BUY",
      workingPrice: px(1.003),
      workingQuantity: "0.00100",
      workingTimeInForce: "GTC",
      pendingSide: "SELL",
      pendingQuantity: "0.00090",
      pendingAboveType: "LIMIT_MAKER",
      pendingAbovePrice: px(1.0015),
      pendingBelowType: "STOP_LOSS",
      pendingBelowStopPrice: px(0.9985),
    });
    expect(res.contingencyType).toBe("OTO");
    expect(res.orderReports.map((r: any) => [r.type, r.status])).toEqual([
      ["LIMIT", "FILLED"],
      ["STOP_LOSS", "PENDING_NEW"],
      ["LIMIT_MAKER", "PENDING_NEW"],
    ]);
    const account = sim.core.engine.allAccounts()[0];
    const list = () => sim.core.engine.queryOrderList(account, { orderListId: res.orderListId });
    expect(list().listOrderStatus).toBe("EXECUTING");
    expect(list().orders.slice(1).map((o) => o.status)).toEqual(["NEW", "NEW"]);
    await advanceUntil(() => list().listOrderStatus === "ALL_DONE");
    const [, stop, limit] = list().orders;
    expect([stop.status, limit.status].filter((s) => s === "EXPIRED")).toHaveLength(1);
    await waitFor(() => events.some((e) => e.e === "listStatus" && e.g === res.orderListId && e.L === "ALL_DONE"));
  });

  it("refuses a working order that is not LIMIT / LIMIT_MAKER and a bad pending pair", async () => {
    const market = await rejection(
      ex.privatePostOrderListOto({ symbol: S, workingType: "MARKET", workingSide: "BUY", workingQuantity: "0.001", pendingType: "LIMIT", pendingSide: "SELL", pendingQuantity: "0.001" }),
    );
    expect(market.message).toContain("workingType");
    const pair = await rejection(
      ex.privatePostOrderListOtoco({
        symbol: S,
        workingType: "LIMIT_MAKER",
        workingSide: "BUY",
        workingPrice: px(0.99),
        workingQuantity: "0.00100",
        pendingSide: "SELL",
        pendingQuantity: "0.00100",
        pendingAboveType: "STOP_LOSS",
        pendingAboveStopPrice: px(1.01),
        pendingBelowType: "STOP_LOSS",
        pendingBelowStopPrice: px(0.98),
      }),
    );
    expect(pair.message).toContain('"code":-1197');
  });
});
