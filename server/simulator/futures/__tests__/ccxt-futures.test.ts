import ccxt, { type Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Decimal } from "../../../core/decimal";
import { startSimulator, type SimulatorHandle } from "../../server";
import { futuresUrls } from "../urls";

/** Real ccxt binanceusdm against the simulator's /fapi over loopback HTTP: no mocks. */

const START = Date.UTC(2025, 4, 6, 1, 0, 0);
let sim: SimulatorHandle;
let ex: Exchange;

function binanceusdm(s: SimulatorHandle): Exchange {
  const e = new ccxt.binanceusdm({
    ...s.defaultAccount,
    enableRateLimit: false,
    options: { fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false },
  });
  e.urls = futuresUrls(e.urls as Record<string, unknown>, s.restUrl) as typeof e.urls;
  return e;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], rateLimits: false });
  ex = binanceusdm(sim);
  await ex.loadMarkets();
});

afterAll(async () => {
  await ex?.close();
  await sim?.close();
});

describe("USDⓈ-M futures through ccxt binanceusdm", () => {
  it("loads BTCUSDT and ETHUSDT perpetuals with Binance's futures filters", async () => {
    const btc = ex.market("BTC/USDT:USDT");
    expect(btc).toMatchObject({ id: "BTCUSDT", swap: true, linear: true, settle: "USDT", active: true });
    expect(btc.precision).toMatchObject({ amount: 0.001, price: 0.1 });
    expect(btc.limits.cost?.min).toBe(100);
    const info = (await (await fetch(`${sim.restUrl}/fapi/v1/exchangeInfo`)).json()) as { symbols: Array<{ symbol: string; filters: Array<{ filterType: string }> }> };
    const types = info.symbols.find((s) => s.symbol === "ETHUSDT")!.filters.map((f) => f.filterType);
    expect(types).toEqual(expect.arrayContaining(["PRICE_FILTER", "LOT_SIZE", "MARKET_LOT_SIZE", "MIN_NOTIONAL", "PERCENT_PRICE"]));
  });

  it("mark price comes from the spot index plus a premium; funding rate within Binance's clamp", async () => {
    const fr = await ex.fetchFundingRate("BTC/USDT:USDT");
    const index = sim.lastPrice("BTC/USDT");
    expect(fr.indexPrice).toBe(index);
    expect(Math.abs(fr.markPrice! / index - 1)).toBeLessThan(0.002);
    expect(Math.abs(fr.fundingRate!)).toBeLessThanOrEqual(0.003);
    const history = await ex.fetchFundingRateHistory("BTC/USDT:USDT");
    expect(history.length).toBeGreaterThan(0);
    for (const h of history) expect(h.timestamp! % (8 * 3_600_000)).toBe(0);
  });

  it("sets leverage 3, opens an isolated short, reports entry, mark P&L and the liquidation price", async () => {
    await ex.setMarginMode("isolated", "ETH/USDT:USDT");
    const again = await rejection(ex.setMarginMode("isolated", "ETH/USDT:USDT"));
    expect(again.message).toContain("-4046");
    await ex.setLeverage(3, "ETH/USDT:USDT");
    // ccxt checks 1..125 itself: send the raw request to see the venue's own answer.
    const tooHigh = await rejection(ex.fapiPrivatePostLeverage({ symbol: "ETHUSDT", leverage: 126 }));
    expect(tooHigh.message).toContain("-4028");
    const order = await ex.createOrder("ETH/USDT:USDT", "market", "sell", 0.5);
    expect(order.id).toBeDefined();
    const [pos] = await ex.fetchPositions(["ETH/USDT:USDT"]);
    expect(pos.side).toBe("short");
    expect(pos.contracts).toBe(0.5);
    const raw = pos.info as Record<string, string>;
    const entry = Number(raw.entryPrice);
    const mark = Number(raw.markPrice);
    expect(Number(raw.unRealizedProfit)).toBeCloseTo(-0.5 * (mark - entry), 6);
    // Binance's formula, isolated one-way short: LP = (WB + cum + Q·EP) / (Q·MMR + Q)
    const wb = new Decimal(raw.isolatedWallet);
    expect(wb.toNumber()).toBeCloseTo((0.5 * entry) / 3, 6);
    const lp = wb.plus(0).plus(new Decimal(0.5).mul(entry)).div(new Decimal(0.5).mul(0.004).plus(0.5));
    expect(Number(raw.liquidationPrice)).toBeCloseTo(lp.toNumber(), 6);
    expect(pos.liquidationPrice).toBeGreaterThan(entry * 1.3);
  });

  it("rejects a reduce-only order that would flip the position with -2022", async () => {
    const err = await rejection(ex.createOrder("ETH/USDT:USDT", "market", "buy", 0.6, undefined, { reduceOnly: true }));
    expect(err.message).toContain("-2022");
    const wrongSide = await rejection(ex.createOrder("ETH/USDT:USDT", "market", "sell", 0.1, undefined, { reduceOnly: true }));
    expect(wrongSide.message).toContain("-2022");
  });

  it("rejects an order over the available margin with -2019 and a too small one with -4164", async () => {
    await ex.setLeverage(3, "BTC/USDT:USDT");
    const over = await rejection(ex.createOrder("BTC/USDT:USDT", "market", "buy", 1));
    expect(over.message).toContain("-2019");
    const small = await rejection(ex.createOrder("BTC/USDT:USDT", "market", "buy", 0.001));
    expect(small.message).toContain("-4164");
    // ccxt rounds the price to the tick itself: send the raw request to see the venue's answer.
    const order = { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.010" };
    const precision = await rejection(ex.fapiPrivatePostOrder({ ...order, price: "50000.05" }));
    expect(precision.message).toContain("-1111");
    const qtyPrecision = await rejection(ex.fapiPrivatePostOrder({ ...order, price: "50000.0", quantity: "0.0105" }));
    expect(qtyPrecision.message).toContain("-1111");
    const stop = await rejection(ex.fapiPrivatePostOrder({ symbol: "BTCUSDT", side: "BUY", type: "STOP_MARKET", stopPrice: "90000", quantity: "0.010" }));
    expect(stop.message).toContain("-4120");
  });

  it("books funding after 8 h of simulated time", async () => {
    const before = await ex.fetchBalance();
    sim.advance(8 * 3_600_000);
    const income = (await ex.fapiPrivateGetIncome({ incomeType: "FUNDING_FEE" })) as Array<{ income: string; time: number; symbol: string }>;
    expect(income.length).toBe(1);
    expect(income[0].symbol).toBe("ETHUSDT");
    expect(income[0].time % (8 * 3_600_000)).toBe(0);
    const history = (await ex.fapiPublicGetFundingRate({ symbol: "ETHUSDT", startTime: income[0].time, limit: 1 })) as Array<{ fundingRate: string; markPrice: string }>;
    // A short receives funding when the rate is positive: +0.5 × mark × rate.
    const expected = new Decimal(0.5).mul(history[0].markPrice).mul(history[0].fundingRate).toDecimalPlaces(8).toNumber();
    expect(Number(income[0].income)).toBeCloseTo(expected, 8);
    const after = await ex.fetchBalance();
    const walletBefore = Number((before.info as { totalWalletBalance: string }).totalWalletBalance);
    const walletAfter = Number((after.info as { totalWalletBalance: string }).totalWalletBalance);
    expect(walletAfter).toBeCloseTo(walletBefore + Number(income[0].income), 8);
  });
});

describe("liquidation by the simulator's engine", () => {
  let liqSim: SimulatorHandle;
  let lex: Exchange;
  const LSTART = Date.UTC(2025, 4, 6, 1, 0, 0);

  beforeAll(async () => {
    // BTC flat for 10 minutes, then up 1 % a minute: a 3× short is liquidated within the hour.
    const rows = Array.from({ length: 120 }, (_, i) => {
      const open = i < 10 ? 65_000 : 65_000 * 1.01 ** (i - 10);
      const close = i < 10 ? 65_000 : open * 1.01;
      return { openTime: LSTART + i * 60_000, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 10 };
    });
    liqSim = await startSimulator({ seed: 3, historyDays: 0, startTime: LSTART, manualClock: true, symbols: ["BTC/USDT"], csv: { symbol: "BTC/USDT", rows }, rateLimits: false });
    lex = binanceusdm(liqSim);
    await lex.loadMarkets();
  });

  afterAll(async () => {
    await lex?.close();
    await liqSim?.close();
  });

  it("closes a 3× isolated short at the bankruptcy price once the mark reaches the liquidation price", async () => {
    await lex.setMarginMode("isolated", "BTC/USDT:USDT");
    await lex.setLeverage(3, "BTC/USDT:USDT");
    const walletStart = Number(((await lex.fetchBalance()).info as { totalWalletBalance: string }).totalWalletBalance);
    await lex.createOrder("BTC/USDT:USDT", "market", "sell", 0.1);
    const [pos] = await lex.fetchPositions(["BTC/USDT:USDT"]);
    const raw = pos.info as Record<string, string>;
    const entry = new Decimal(raw.entryPrice);
    const wallet = new Decimal(raw.isolatedWallet);
    const lp = Number(raw.liquidationPrice);
    const [trade] = (await lex.fapiPrivateGetUserTrades({ symbol: "BTCUSDT" })) as Array<{ commission: string }>;

    let forced: Array<{ avgPrice: string; executedQty: string; clientOrderId: string; side: string; updateTime: number }> = [];
    const marksBefore: number[] = [];
    for (let i = 0; i < 120 && forced.length === 0; i++) {
      marksBefore.push(Number(((await lex.fapiPublicGetPremiumIndex({ symbol: "BTCUSDT" })) as { markPrice: string }).markPrice));
      liqSim.advance(60_000);
      forced = (await lex.fapiPrivateGetForceOrders({ symbol: "BTCUSDT" })) as typeof forced;
    }
    expect(forced).toHaveLength(1);
    const liq = forced[0];
    expect(liq.clientOrderId).toMatch(/^autoclose-/);
    expect(liq).toMatchObject({ side: "BUY", executedQty: "0.100" });
    // Bankruptcy price of an isolated short: EP + WB / Q, floored to the 0.1 tick.
    const bp = entry.plus(wallet.div(0.1));
    expect(Number(liq.avgPrice)).toBe(bp.div(0.1).floor().mul(0.1).toNumber());
    // It happened in the first minute whose mark reached the liquidation price.
    const premium = (await lex.fapiPublicGetPremiumIndex({ symbol: "BTCUSDT" })) as { markPrice: string };
    expect(Number(premium.markPrice)).toBeGreaterThanOrEqual(lp * 0.99);
    for (const m of marksBefore) expect(m).toBeLessThan(lp);
    const [after] = await lex.fetchPositions(["BTC/USDT:USDT"]).then((p) => (p.length ? p : [null]));
    expect(after).toBeNull();
    // The whole isolated margin is lost, plus the opening commission.
    const walletEnd = Number(((await lex.fetchBalance()).info as { totalWalletBalance: string }).totalWalletBalance);
    expect(walletEnd).toBeCloseTo(walletStart - wallet.toNumber() - Number(trade.commission), 6);
  });
});
