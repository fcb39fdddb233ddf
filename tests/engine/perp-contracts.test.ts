import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/core/logger";
import { DEFAULT_PERP_BRACKETS, perpContracts } from "../../server/composition/futures";
import { createExchange, instrumentFromMarket } from "../../server/market";
import { startSimulator, type SimulatorHandle } from "../../server/simulator";

/** The futures account's contracts carry the venue's own maintenance brackets (GET /fapi/v1/leverageBracket). */
let sim: SimulatorHandle;
let usdm: Exchange;
const logger = createLogger("silent");

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, historyDays: 0, startTime: Date.UTC(2025, 4, 6), manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"], rateLimits: false });
  usdm = await createExchange({ id: "binanceusdm" }, { simulator: { restUrl: sim.restUrl, wsUrl: sim.wsUrl, wsApiUrl: sim.wsApiUrl, defaultAccount: sim.defaultAccount } });
  await usdm.loadMarkets();
});

afterAll(async () => {
  await usdm?.close();
  await sim?.close();
});

describe("perp contracts of a futures account", () => {
  it("take each perpetual's brackets from the venue (maintenance amounts equal to Binance's cum), at risk.maxLeverage, cross margin", async () => {
    const instruments = new Map(["BTC/USDT:USDT", "ETH/USDT:USDT"].map((s) => [s, instrumentFromMarket(s, usdm.market(s))]));
    const contracts = await perpContracts({ exchange: usdm, instruments, limits: { maxLeverage: 3 }, logger });
    expect([...contracts.keys()]).toEqual(["BTC/USDT:USDT", "ETH/USDT:USDT"]);
    const btc = contracts.get("BTC/USDT:USDT")!;
    expect(btc).toMatchObject({ leverage: 3, marginMode: "cross" });
    const raw = (await (usdm as unknown as { fapiPrivateGetLeverageBracket(p: object): Promise<Array<{ symbol: string; brackets: Array<{ notionalFloor: number; maintMarginRatio: number; cum: number; initialLeverage: number }> }>> }).fapiPrivateGetLeverageBracket({ symbol: "BTCUSDT" }));
    const venue = raw.find((r) => r.symbol === "BTCUSDT")!.brackets;
    expect(btc.brackets.map((b) => [b.notionalFloor, b.maintMarginRate, b.maintAmount, b.maxLeverage])).toEqual(venue.map((b) => [Number(b.notionalFloor), Number(b.maintMarginRatio), Number(b.cum), Number(b.initialLeverage)]));
    expect(btc.brackets.at(-1)!.notionalCap).toBe(Number.POSITIVE_INFINITY);
    expect(btc.brackets).not.toEqual(DEFAULT_PERP_BRACKETS);
  });

  it("fall back to the documented default table when the venue cannot tell, and list no spot instrument", async () => {
    const instruments = new Map([
      ["BTC/USDT:USDT", instrumentFromMarket("BTC/USDT:USDT", usdm.market("BTC/USDT:USDT"))],
      ["BTC/USDT", { symbol: "BTC/USDT", base: "BTC", quote: "USDT", tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, maxQty: 9000, minNotional: 5 }],
    ]);
    const failing = { has: { fetchLeverageTiers: true }, fetchLeverageTiers: async () => Promise.reject(new Error("no keys")) } as unknown as Exchange;
    const contracts = await perpContracts({ exchange: failing, instruments, limits: { maxLeverage: 1 }, logger });
    expect([...contracts.keys()]).toEqual(["BTC/USDT:USDT"]);
    expect(contracts.get("BTC/USDT:USDT")!.brackets).toBe(DEFAULT_PERP_BRACKETS);
  });
});
