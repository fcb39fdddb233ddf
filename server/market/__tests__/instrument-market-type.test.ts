import ccxt, { type Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marketTypeOf } from "../../futures";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { createExchange } from "../exchange";
import { instrumentFromMarket } from "../instruments";

/** Instruments know their market type: a linear swap from ccxt is a perp, a spot market stays as it was. */

let sim: SimulatorHandle;
let spot: Exchange;
let usdm: Exchange;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, historyDays: 0, startTime: Date.UTC(2025, 4, 6), manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], rateLimits: false });
  const endpoints = { simulator: { restUrl: sim.restUrl, wsUrl: sim.wsUrl, wsApiUrl: sim.wsApiUrl, defaultAccount: sim.defaultAccount } };
  spot = await createExchange({ id: "simulator" }, endpoints);
  usdm = await createExchange({ id: "binanceusdm" }, endpoints);
  await Promise.all([spot.loadMarkets(), usdm.loadMarkets()]);
});

afterAll(async () => {
  await spot?.close();
  await usdm?.close();
  await sim?.close();
});

describe("instrument market type", () => {
  it("the simulator's BTC/USDT:USDT perpetual (ccxt binanceusdm) is a perp instrument with its futures filters", () => {
    const perp = instrumentFromMarket("BTC/USDT:USDT", usdm.market("BTC/USDT:USDT"));
    expect(perp).toMatchObject({ symbol: "BTC/USDT:USDT", marketType: "perp", base: "BTC", quote: "USDT", tickSize: 0.1, stepSize: 0.001 });
    expect(marketTypeOf(perp)).toBe("perp");
  });

  it("a spot instrument carries no market type field at all (spot output unchanged) and reads as spot", () => {
    const btc = instrumentFromMarket("BTC/USDT", spot.market("BTC/USDT"));
    expect("marketType" in btc).toBe(false);
    expect(marketTypeOf(btc)).toBe("spot");
  });

  it("an inverse (coin-margined) swap is not taken for a USDⓈ-M perp", () => {
    const inverse = { ...usdm.market("BTC/USDT:USDT"), linear: false, inverse: true } as unknown as ReturnType<Exchange["market"]>;
    expect(instrumentFromMarket("BTC/USD:BTC", inverse).marketType).toBeUndefined();
    expect(typeof ccxt.binanceusdm).toBe("function");
  });
});
