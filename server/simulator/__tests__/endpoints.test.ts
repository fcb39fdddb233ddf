import type { Exchange } from "ccxt";
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../server";

/**
 * Issue 14: the endpoints a bot meets on Binance that the simulator lacked: cancelReplace (ccxt
 * editOrder), system status, symbol status (BREAK/HALT), trading fees (/sapi/v1/asset/tradeFee),
 * 3d/1w/1M klines; and the retired ones (listenKey REST, !ticker@arr) are gone.
 */

let sim: SimulatorHandle;
let ex: Exchange;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, historyDays: 30, symbols: ["BTC/USDT"], seed: 3, manualClock: true, startTime: Date.UTC(2026, 1, 11, 12, 0, 0) });
  ex = await createExchange({ id: "simulator" }, { simulator: sim });
  await ex.loadMarkets();
}, 120_000);

afterAll(async () => {
  await (ex as unknown as { close?: () => Promise<void> })?.close?.();
  await sim?.close();
});

describe("endpoints a bot uses on Binance", () => {
  it("editOrder replaces a resting order in one cancelReplace request", async () => {
    const price = Math.round(sim.lastPrice("BTC/USDT") * 0.8);
    const first = await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, price);
    const replaced = await ex.editOrder(String(first.id), "BTC/USDT", "limit", "buy", 0.002, price - 100);
    expect(replaced.id).not.toBe(first.id);
    expect(replaced).toMatchObject({ amount: 0.002, price: price - 100, status: "open" });
    const open = await ex.fetchOpenOrders("BTC/USDT");
    expect(open.map((o) => o.id)).toEqual([replaced.id]);
    expect((await ex.fetchOrder(String(first.id), "BTC/USDT")).status).toBe("canceled");
    await ex.cancelAllOrders("BTC/USDT");
  });

  it("a cancelReplace whose cancel fails (STOP_ON_FAILURE) places nothing and says why", async () => {
    const price = Math.round(sim.lastPrice("BTC/USDT") * 0.8);
    await expect(ex.editOrder("999999", "BTC/USDT", "limit", "buy", 0.002, price)).rejects.toBeInstanceOf(ccxt.BaseError);
    expect(await ex.fetchOpenOrders("BTC/USDT")).toEqual([]);
  });

  it("system status is normal, and maintenance when the admin API says so", async () => {
    expect(await ex.fetchStatus()).toMatchObject({ status: "ok" });
    await fetch(`${sim.restUrl}/admin/system-status`, { method: "POST", body: JSON.stringify({ maintenance: true }) });
    expect(await ex.fetchStatus()).toMatchObject({ status: "maintenance" });
    await fetch(`${sim.restUrl}/admin/system-status`, { method: "POST", body: JSON.stringify({ maintenance: false }) });
  });

  it("a symbol on HALT is published so and refuses new orders with 'Market is closed.'", async () => {
    await fetch(`${sim.restUrl}/admin/symbol-status`, { method: "POST", body: JSON.stringify({ symbol: "BTCUSDT", status: "HALT" }) });
    try {
      const info = (await (await fetch(`${sim.restUrl}/api/v3/exchangeInfo?symbol=BTCUSDT`)).json()) as { symbols: Array<{ status: string }> };
      expect(info.symbols[0].status).toBe("HALT");
      await expect(ex.createOrder("BTC/USDT", "market", "buy", 0.001)).rejects.toBeInstanceOf(ccxt.MarketClosed);
    } finally {
      await fetch(`${sim.restUrl}/admin/symbol-status`, { method: "POST", body: JSON.stringify({ symbol: "BTCUSDT", status: "TRADING" }) });
    }
    expect((await ex.createOrder("BTC/USDT", "market", "buy", 0.001)).status).toBe("closed");
  });

  it("fetchTradingFees reads /sapi/v1/asset/tradeFee", async () => {
    const fees = await ex.fetchTradingFees();
    expect(fees["BTC/USDT"]).toMatchObject({ maker: 0.001, taker: 0.001 });
  });

  it("3d, 1w and 1M klines: weeks open on Mondays, months on the 1st", async () => {
    const weeks = await ex.fetchOHLCV("BTC/USDT", "1w", undefined, 3);
    expect(weeks.length).toBeGreaterThan(0);
    for (const [t] of weeks) expect(new Date(t!).getUTCDay()).toBe(1);
    const months = await ex.fetchOHLCV("BTC/USDT", "1M", undefined, 2);
    for (const [t] of months) expect(new Date(t!).getUTCDate()).toBe(1);
    expect(months.at(-1)![0]).toBe(Date.UTC(2026, 1, 1));
    const threeDays = await ex.fetchOHLCV("BTC/USDT", "3d", undefined, 2);
    for (const [t] of threeDays) expect(t! % (3 * 86_400_000)).toBe(0);
  });

  it("!ticker@arr, retired by Binance, is not served; !miniTicker@arr still is", async () => {
    const { WebSocket } = await import("ws");
    // Both arrays would be published in the same round: once a mini-ticker array came, a ticker array would have too.
    const base = sim.wsUrl.replace(/\/ws$/, "");
    const ws = new WebSocket(`${base}?streams=!ticker@arr/!miniTicker@arr`);
    const streams: string[] = [];
    ws.on("message", (raw) => streams.push((JSON.parse(String(raw)) as { stream: string }).stream));
    try {
      await new Promise((resolve) => ws.on("open", resolve));
      await expect.poll(() => streams.includes("!miniTicker@arr"), { timeout: 10_000 }).toBe(true);
      expect(streams).not.toContain("!ticker@arr");
    } finally {
      ws.close();
    }
  });
});
