import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { clearServices, registerServices } from "../../http/registry";
import type { RouteContext } from "../../http/route";
import type { Services } from "../../http/services";
import { TIMEFRAME_MS } from "../../model/types";
import { InsightsService } from "../insights-service";
import { MarketSummarizer } from "../llm";
import { ModelRegistry } from "../model-registry";
import { momentumSeries, silentLogger } from "./helpers";
import * as insightsRoute from "@/app/api/insights/route";
import * as trainRoute from "@/app/api/insights/train/route";
import * as modelsRoute from "@/app/api/insights/models/route";

const ctx: RouteContext = { params: Promise.resolve({}) };
const allowAll: Services["auth"] = {
  authorizeRequest: async () => ({ kind: "static-token" }),
  authorizeSocket: async () => ({ kind: "static-token" }),
};

function register(insights?: InsightsService) {
  registerServices({ logger: silentLogger(), auth: allowAll, ...(insights ? { insights } : {}) } as unknown as Services);
}

function service(): InsightsService {
  const candles = momentumSeries(1500, 5, 0.8);
  const clock = new ManualClock(candles[candles.length - 1].openTime + TIMEFRAME_MS["5m"]);
  return new InsightsService({
    candles: (symbol, timeframe, limit) => (symbol === "BTC/USDT" && timeframe === "5m" ? candles.slice(-limit) : []),
    clock,
    logger: silentLogger(),
    registry: new ModelRegistry(),
    symbols: () => ["BTC/USDT"],
    summarizer: new MarketSummarizer({ config: null, disabledReason: "no LLM is configured", clock }),
    horizon: 1,
  });
}

const get = (path: string) => new Request(`http://127.0.0.1:3000${path}`);
const post = (path: string, body: unknown) =>
  new Request(`http://127.0.0.1:3000${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

afterEach(() => clearServices());

describe("/api/insights routes", () => {
  it("answer 503 with a clear message until the service is wired", async () => {
    register();
    const res = await insightsRoute.GET(get("/api/insights?symbol=BTC/USDT"), ctx);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: "INSIGHTS_NOT_AVAILABLE", message: expect.stringMatching(/not wired in server\/app\.ts/) } });
    expect((await modelsRoute.GET(get("/api/insights/models"), ctx)).status).toBe(503);
  });

  it("train, list models, and read insights with the model's probability and out-of-sample record", async () => {
    register(service());
    const trained = await trainRoute.POST(post("/api/insights/train", { symbol: "BTC/USDT", timeframe: "5m" }), ctx);
    expect(trained.status).toBe(200);
    const result = await trained.json();
    expect(result.model).toMatchObject({ id: "BTC/USDT:5m:v1", version: 1 });
    expect(result.model.outOfSample.accuracy).toBeGreaterThan(result.model.outOfSample.majorityAccuracy);

    const models = await (await modelsRoute.GET(get("/api/insights/models?symbol=BTC/USDT"), ctx)).json();
    expect(models.map((m: { id: string }) => m.id)).toEqual(["BTC/USDT:5m:v1"]);

    const res = await insightsRoute.GET(get("/api/insights?symbol=BTC%2FUSDT&timeframe=5m"), ctx);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ symbol: "BTC/USDT", timeframe: "5m", regime: { label: expect.any(String) }, consensus: { net: { lean: expect.any(String) } } });
    expect(body.model.probability).toBeGreaterThan(0);
    expect(body.model.outOfSample).toMatchObject({ accuracy: expect.any(Number), baseRate: expect.any(Number), samples: expect.any(Number) });
    expect(body.reasons.length).toBeGreaterThanOrEqual(4);
  });

  it("validate their input", async () => {
    register(service());
    const missing = await insightsRoute.GET(get("/api/insights"), ctx);
    expect(missing.status).toBe(400);
    const badTf = await insightsRoute.GET(get("/api/insights?symbol=BTC/USDT&timeframe=3m"), ctx);
    expect(badTf.status).toBe(400);
    const extra = await trainRoute.POST(post("/api/insights/train", { symbol: "BTC/USDT", horizon: 3 }), ctx);
    expect(extra.status).toBe(400);
    const unknown = await insightsRoute.GET(get("/api/insights?symbol=XRP/USDT"), ctx);
    expect(unknown.status).toBe(404);
  });
});
