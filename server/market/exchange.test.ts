import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../simulator";
import { createExchange, describeVenue, VenueConfigError } from "./exchange";

/** Every string URL under an object, with its key path. */
function urlsOf(node: unknown, path: string[] = []): Array<[string, string]> {
  if (typeof node === "string") return /^(https?|wss?):\/\//.test(node) ? [[path.join("."), node]] : [];
  if (node && typeof node === "object") return Object.entries(node).flatMap(([k, v]) => urlsOf(v, [...path, k]));
  return [];
}

let sim: SimulatorHandle;

beforeAll(async () => {
  sim = await startSimulator({ historyDays: 0, manualClock: true, symbols: ["BTC/USDT"] });
});

afterAll(async () => {
  await sim?.close();
});

describe("describeVenue", () => {
  it("labels the simulator, the testnet and everything else as real money", () => {
    expect(describeVenue("simulator")).toEqual({ id: "simulator", simulated: true, testnet: false, label: "SIMULATED" });
    expect(describeVenue("binance-testnet")).toEqual({ id: "binance-testnet", simulated: false, testnet: true, label: "TESTNET" });
    expect(describeVenue("binance")).toEqual({ id: "binance", simulated: false, testnet: false, label: "REAL MONEY" });
    expect(describeVenue("kraken").label).toBe("REAL MONEY");
    expect(() => describeVenue("Binance US")).toThrow(VenueConfigError);
  });
});

describe("createExchange", () => {
  it("points every Binance REST and websocket URL of the simulator venue at loopback", async () => {
    const ex = await createExchange({ id: "simulator" }, { simulator: sim });
    try {
      const urls = [...urlsOf(ex.urls.api, ["api"]), ...urlsOf(ex.urls.test, ["test"]), ...urlsOf((ex.urls as Record<string, unknown>).demo, ["demo"])];
      expect(urls.length).toBeGreaterThan(30);
      const escaping = urls.filter(([, url]) => !url.startsWith(sim.restUrl) && !url.startsWith(sim.restUrl.replace("http", "ws")));
      expect(escaping).toEqual([]);
      const api = ex.urls.api as Record<string, any>;
      expect(api.public).toBe(`${sim.restUrl}/api/v3`);
      expect(api.private).toBe(`${sim.restUrl}/api/v3`);
      expect(api.ws.spot).toBe(sim.wsUrl);
      expect(api.ws["ws-api"].spot).toBe(sim.wsApiUrl);
      expect(ex.apiKey).toBe(sim.defaultAccount.apiKey);
    } finally {
      await ex.close();
    }
  });

  it("loads the simulator's markets with a single exchangeInfo request", async () => {
    const ex = await createExchange({ id: "simulator", ...sim.defaultAccount }, { simulator: sim });
    const requested: string[] = [];
    const originalFetch = ex.fetch.bind(ex);
    ex.fetch = (url: string, method = "GET", headers?: unknown, body?: unknown) => {
      requested.push(`${method} ${new URL(url).pathname}`);
      return originalFetch(url, method, headers, body);
    };
    try {
      await ex.loadMarkets();
      expect(requested).toEqual(["GET /api/v3/exchangeInfo"]);
      expect(Object.keys(ex.markets ?? {})).toEqual(["BTC/USDT"]);
      // Further endpoints go to the simulator on loopback, never to Binance (trading fees: served, as Binance does).
      const fees = await ex.fetchTradingFees();
      expect(fees["BTC/USDT"]).toMatchObject({ maker: 0.001, taker: 0.001 });
      expect(requested[1]).toBe("GET /sapi/v1/asset/tradeFee");
    } finally {
      await ex.close();
    }
  });

  it("needs the simulator's endpoints, a /stream websocket URL, and both keys or none", async () => {
    await expect(createExchange({ id: "simulator" })).rejects.toThrow(VenueConfigError);
    await expect(createExchange({ id: "simulator" }, { simulator: { restUrl: sim.restUrl, wsUrl: sim.wsUrl.replace("/stream", "") } })).rejects.toThrow(/\/stream/);
    await expect(createExchange({ id: "simulator" }, { simulator: { restUrl: "nonsense", wsUrl: sim.wsUrl } })).rejects.toThrow(VenueConfigError);
    await expect(createExchange({ id: "binance", apiKey: "only-a-key" })).rejects.toThrow(/both apiKey and secret/);
  });

  it("builds Binance mainnet and testnet spot instances without touching the simulator", async () => {
    const main = await createExchange({ id: "binance", apiKey: "k", secret: "s" });
    const test = await createExchange({ id: "binance-testnet" });
    try {
      expect((main.urls.api as Record<string, string>).public).toBe("https://api.binance.com/api/v3");
      expect(main.options.fetchMarkets).toMatchObject({ types: ["spot"] });
      expect(main.isSandboxModeEnabled).toBe(false);
      expect((test.urls.api as Record<string, string>).public).toBe("https://testnet.binance.vision/api/v3");
      expect(test.isSandboxModeEnabled).toBe(true);
      const all = [...urlsOf(main.urls.api), ...urlsOf(test.urls.api)].map(([, u]) => u);
      expect(all.some((u) => u.includes("127.0.0.1"))).toBe(false);
    } finally {
      await main.close();
      await test.close();
    }
  });

  it("builds any other ccxt pro exchange, and names what is wrong with an unknown id", async () => {
    const kraken = await createExchange({ id: "kraken" });
    expect(kraken.id).toBe("kraken");
    expect(kraken.has.watchOHLCV).toBe(true);
    await kraken.close();
    await expect(createExchange({ id: "no-such-exchange" })).rejects.toThrow(/unknown venue "no-such-exchange"/);
    const restOnly = ccxt.exchanges.find((id) => !(id in ccxt.pro));
    expect(restOnly).toBeDefined();
    await expect(createExchange({ id: restOnly! })).rejects.toThrow(/no websocket/);
  });
});
