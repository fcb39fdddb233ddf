import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { clearServices, registerServices } from "../../http/registry";
import type { RouteContext } from "../../http/route";
import type { Services } from "../../http/services";
import { InsightsService } from "../insights-service";
import { MarketSummarizer } from "../llm";
import { ModelRegistry } from "../model-registry";
import { silentLogger } from "./helpers";
import * as insightsRoute from "@/app/api/insights/route";
import * as trainRoute from "@/app/api/insights/train/route";
import * as modelsRoute from "@/app/api/insights/models/route";

/**
 * The fuzz campaign's hostile input on the insights routes (lone surrogates and NUL in the query, an
 * empty or broken body): each is a 400 that names the field, never a 5xx, and nothing reaches the
 * service (its candle source records every call).
 */

const ctx: RouteContext = { params: Promise.resolve({}) };
const allowAll: Services["auth"] = {
  authorizeRequest: async () => ({ kind: "static-token" }),
  authorizeSocket: async () => ({ kind: "static-token" }),
};

const candleCalls: string[] = [];
function register(): InsightsService {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const insights = new InsightsService({
    candles: (symbol, timeframe) => {
      candleCalls.push(`${symbol} ${timeframe}`);
      return [];
    },
    clock,
    logger: silentLogger(),
    registry: new ModelRegistry(),
    symbols: () => ["BTC/USDT"],
    summarizer: new MarketSummarizer({ config: null, disabledReason: "no LLM is configured", clock }),
    horizon: 1,
  });
  registerServices({ logger: silentLogger(), auth: allowAll, insights } as unknown as Services);
  return insights;
}

const get = (path: string) => new Request(`http://127.0.0.1:3000${path}`);
const post = (path: string, body: string | undefined) => new Request(`http://127.0.0.1:3000${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });

/** The answer is a 400 JSON error naming `field` (in the message and the details). */
async function expectFieldError(res: Response, field: string) {
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; message: string; details?: Array<{ path: string }> } };
  expect(body.error.message.startsWith(`${field}:`), body.error.message).toBe(true);
  expect(body.error.details?.map((d) => d.path)).toContain(field);
  return body.error;
}

afterEach(() => {
  clearServices();
  candleCalls.length = 0;
});

describe("insights routes under the fuzz campaign's hostile input", () => {
  it("a lone surrogate, a NUL, markup or a huge number as the symbol of GET /api/insights is a 400 naming symbol", async () => {
    register();
    for (const value of ["%ED%A0%80", "a%ED%A0%80b", "%00", "a%00b", "1e999", encodeURIComponent("<script>alert(1)</script>"), "a".repeat(10_000), "btc%2Fusdt%F0%9F%92%A9"]) {
      const error = await expectFieldError(await insightsRoute.GET(get(`/api/insights?symbol=${value}`), ctx), "symbol");
      expect(error.message).not.toContain("<script>");
    }
    expect(candleCalls).toEqual([]);
  });

  it("a lone surrogate or NUL in timeframe or summary of GET /api/insights is a 400 naming that field", async () => {
    register();
    for (const field of ["timeframe", "summary"]) {
      for (const value of ["%ED%A0%80", "%00", "1e999"]) await expectFieldError(await insightsRoute.GET(get(`/api/insights?symbol=BTC%2FUSDT&${field}=${value}`), ctx), field);
    }
    expect(candleCalls).toEqual([]);
  });

  it("every query key at once with a lone surrogate (as the campaign sends it) is a 400, not a 500", async () => {
    register();
    const keys = ["symbol", "kind", "format", "limit", "mode", "timeframe", "summary"];
    for (const value of ["%00", "%ED%A0%80", "1e999"]) {
      const res = await insightsRoute.GET(get(`/api/insights?${keys.map((k) => `${k}=${value}`).join("&")}`), ctx);
      expect(res.status).toBe(400);
      const models = await modelsRoute.GET(get(`/api/insights/models?${keys.map((k) => `${k}=${value}`).join("&")}`), ctx);
      expect(models.status).toBe(400);
    }
  });

  it("GET /api/insights/models with a lone surrogate or NUL in symbol or timeframe is a 400 naming the field", async () => {
    register();
    for (const value of ["%ED%A0%80", "%00"]) {
      await expectFieldError(await modelsRoute.GET(get(`/api/insights/models?symbol=${value}`), ctx), "symbol");
      await expectFieldError(await modelsRoute.GET(get(`/api/insights/models?timeframe=${value}`), ctx), "timeframe");
    }
    // A well-formed filter still answers (no model stored yet).
    const ok = await modelsRoute.GET(get("/api/insights/models?symbol=BTC%2FUSDT&timeframe=5m"), ctx);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([]);
  });

  it("POST /api/insights/train with an empty body, or a bad symbol in it, is a 400 naming symbol", async () => {
    register();
    await expectFieldError(await trainRoute.POST(post("/api/insights/train", undefined), ctx), "symbol");
    await expectFieldError(await trainRoute.POST(post("/api/insights/train", ""), ctx), "symbol");
    await expectFieldError(await trainRoute.POST(post("/api/insights/train", "{}"), ctx), "symbol");
    for (const raw of ['"a\\ud800b"', '"a\\u0000b"', "1e308", "[1,2]", JSON.stringify("x".repeat(100_000)), '"btc/usdt"']) {
      await expectFieldError(await trainRoute.POST(post("/api/insights/train", `{"symbol":${raw},"timeframe":"5m"}`), ctx), "symbol");
    }
    await expectFieldError(await trainRoute.POST(post("/api/insights/train", '{"symbol":"BTC/USDT","timeframe":"a\\ud800b"}'), ctx), "timeframe");
    expect(candleCalls).toEqual([]);
  });

  it("POST /api/insights/train with broken JSON or a non-object body is a 400, not a 500", async () => {
    register();
    for (const body of ['{"symbol": ', "name=x", "NaN", "[]", '"x"', "1e999"]) {
      const res = await trainRoute.POST(post("/api/insights/train", body), ctx);
      expect(res.status, body).toBe(400);
      expect((await res.json()).error.message).toEqual(expect.any(String));
    }
    expect(candleCalls).toEqual([]);
  });

  it("the service itself refuses a malformed symbol with the same 400 naming symbol (callers in code)", async () => {
    const insights = register();
    await expect(insights.getInsights("\ud800")).rejects.toMatchObject({ status: 400, code: "VALIDATION", message: expect.stringMatching(/^symbol: /) });
    await expect(insights.train("", "5m")).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^symbol: /) });
    expect(candleCalls).toEqual([]);
  });
});
