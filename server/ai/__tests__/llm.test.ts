import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { FeatureEngine } from "../features";
import { LLM_LABEL, LlmConfigError, MarketSummarizer, llmConfigFromEnv, summarizerFromEnv, type LlmConfig } from "../llm";
import { buildSnapshot, type InsightSnapshot } from "../snapshot";
import { randomWalk, silentLogger } from "./helpers";

/** A local fake of the Anthropic Messages API and of an OpenAI-compatible chat-completions API. */
interface Recorded {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

let server: Server;
let base: string;
const requests: Recorded[] = [];
let failWith: { status: number; body: unknown } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      requests.push({ path: req.url ?? "", headers: req.headers, body });
      res.setHeader("content-type", "application/json");
      if (failWith) {
        res.statusCode = failWith.status;
        res.end(JSON.stringify(failWith.body));
        return;
      }
      if (req.url === "/v1/messages") {
        if (req.headers["x-api-key"] !== "test-key" || req.headers["anthropic-version"] !== "2023-06-01") {
          res.statusCode = 401;
          res.end(JSON.stringify({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }));
          return;
        }
        res.end(JSON.stringify({ id: "msg_1", type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: `Summary #${requests.length}: ranging market.` }], usage: { input_tokens: 321, output_tokens: 42 } }));
        return;
      }
      if (req.url === "/v1/chat/completions") {
        if (req.headers.authorization !== "Bearer oa-key") {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: { message: "bad key" } }));
          return;
        }
        res.end(JSON.stringify({ model: body.model, choices: [{ index: 0, message: { role: "assistant", content: "Chat summary." } }], usage: { prompt_tokens: 100, completion_tokens: 10 } }));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  failWith = undefined;
});

function snapshot(symbol = "BTC/USDT", timeframe: "5m" | "1h" = "5m"): InsightSnapshot {
  const engine = new FeatureEngine(timeframe);
  for (const c of randomWalk(300, 2, { timeframe, symbol })) engine.update(c);
  return buildSnapshot(symbol, engine, undefined)!;
}

const MIN = 60_000;

describe("LLM configuration from the environment", () => {
  it("is off without a key, and off when switched off even with one", () => {
    expect(llmConfigFromEnv({}).config).toBeNull();
    expect(llmConfigFromEnv({ ANTHROPIC_API_KEY: "k", INSIGHTS_LLM: "off" })).toEqual({ config: null, reason: "the LLM summary is switched off (INSIGHTS_LLM=off)" });
  });

  it("reads Anthropic and OpenAI-compatible settings with bounded defaults", () => {
    const a = llmConfigFromEnv({ ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: "http://127.0.0.1:9/" }).config!;
    expect(a).toMatchObject({ provider: "anthropic", baseUrl: "http://127.0.0.1:9", model: "claude-haiku-4-5", maxTokens: 300, minIntervalMs: 15 * MIN, maxCallsPerHour: 20 });
    const o = llmConfigFromEnv({ LLM_BASE_URL: "http://x/v1", LLM_API_KEY: "k", LLM_MODEL: "m", LLM_MAX_TOKENS: "120", LLM_MIN_INTERVAL_MIN: "30" }).config!;
    expect(o).toMatchObject({ provider: "openai", model: "m", maxTokens: 120, minIntervalMs: 30 * MIN });
  });

  it("names what is wrong in a bad configuration, and the summarizer stays off with that message", () => {
    expect(() => llmConfigFromEnv({ LLM_BASE_URL: "http://x", LLM_API_KEY: "k" })).toThrow(/missing: LLM_MODEL/);
    expect(() => llmConfigFromEnv({ ANTHROPIC_API_KEY: "k", LLM_MAX_TOKENS: "lots" })).toThrow(LlmConfigError);
    expect(() => llmConfigFromEnv({ ANTHROPIC_API_KEY: "k", LLM_MAX_TOKENS: "5000" })).toThrow(/LLM_MAX_TOKENS must be at most 2000/);
    expect(() => llmConfigFromEnv({ ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: "ftp://x" })).toThrow(/ANTHROPIC_BASE_URL must be an http\(s\) URL/);
    const s = summarizerFromEnv({ env: { LLM_API_KEY: "k" }, clock: new ManualClock(0), logger: silentLogger() });
    expect(s.enabled).toBe(false);
    expect(s.describe().reason).toMatch(/invalid configuration: .*missing: LLM_BASE_URL, LLM_MODEL/);
  });
});

describe("market summaries through the LLM", () => {
  const anthropic = (): LlmConfig => ({ provider: "anthropic", baseUrl: base, apiKey: "test-key", model: "claude-test", maxTokens: 200, minIntervalMs: 15 * MIN, maxCallsPerHour: 20, timeoutMs: 5_000 });

  it("without a key nothing is sent and the answer says the summary is disabled", async () => {
    const s = summarizerFromEnv({ env: {}, clock: new ManualClock(0) });
    const out = await s.summarize(snapshot());
    expect(out).toMatchObject({ status: "disabled", label: LLM_LABEL });
    expect(requests).toHaveLength(0);
  });

  it("calls the Messages API with its headers and a max_tokens cap, and labels the answer", async () => {
    const clock = new ManualClock(1_000_000);
    const s = new MarketSummarizer({ config: anthropic(), clock });
    const out = await s.summarize(snapshot());
    expect(out).toMatchObject({ status: "ok", label: LLM_LABEL, text: "Summary #1: ranging market.", provider: "anthropic", model: "claude-test", fromCache: false, inputTokens: 321, outputTokens: 42 });
    expect(LLM_LABEL).toMatch(/AI-generated .* never used for trading/);
    expect(requests).toHaveLength(1);
    const r = requests[0];
    expect(r.path).toBe("/v1/messages");
    expect(r.headers["x-api-key"]).toBe("test-key");
    expect(r.headers["anthropic-version"]).toBe("2023-06-01");
    expect(r.body).toMatchObject({ model: "claude-test", max_tokens: 200 });
    const prompt = (r.body.messages as { content: string }[])[0].content;
    expect(prompt).toContain("Market: BTC/USDT, 5m candles");
    expect(prompt).toContain("Model: none");
  });

  it("one call per symbol per interval: the cache answers in between, the next call waits for the interval", async () => {
    const clock = new ManualClock(1_000_000);
    const s = new MarketSummarizer({ config: anthropic(), clock });
    await s.summarize(snapshot());
    clock.advance(5 * MIN);
    const again = await s.summarize(snapshot());
    expect(again).toMatchObject({ status: "ok", fromCache: true, text: "Summary #1: ranging market.", nextAllowedAt: 1_000_000 + 15 * MIN });
    // another timeframe of the same symbol shares the symbol's budget
    const otherTf = await s.summarize(snapshot("BTC/USDT", "1h"));
    expect(otherTf).toMatchObject({ status: "rate_limited", nextAllowedAt: 1_000_000 + 15 * MIN });
    // another symbol has its own
    expect((await s.summarize(snapshot("ETH/USDT"))).status).toBe("ok");
    expect(requests).toHaveLength(2);
    clock.advance(10 * MIN);
    const fresh = await s.summarize(snapshot());
    expect(fresh).toMatchObject({ status: "ok", fromCache: false, text: "Summary #3: ranging market." });
    expect(requests).toHaveLength(3);
    expect(s.cached("BTC/USDT", "5m")).toMatchObject({ text: "Summary #3: ranging market.", fromCache: true });
  });

  it("simultaneous requests for one symbol make a single call", async () => {
    const s = new MarketSummarizer({ config: anthropic(), clock: new ManualClock(0) });
    const [a, b, c] = await Promise.all([s.summarize(snapshot()), s.summarize(snapshot()), s.summarize(snapshot())]);
    expect(requests).toHaveLength(1);
    expect([a, b, c].map((x) => x.status)).toEqual(["ok", "ok", "ok"]);
  });

  it("an error is reported with the endpoint's message and still counts against the rate limit", async () => {
    const clock = new ManualClock(0);
    const s = new MarketSummarizer({ config: anthropic(), clock, logger: silentLogger() });
    failWith = { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } };
    const out = await s.summarize(snapshot());
    expect(out).toMatchObject({ status: "error", label: LLM_LABEL });
    expect(out.status === "error" && out.message).toMatch(/answered 529: Overloaded/);
    failWith = undefined;
    expect((await s.summarize(snapshot())).status).toBe("rate_limited");
    expect(requests).toHaveLength(1);
    // a wrong key is a 401 with the reason, never the key itself
    const bad = new MarketSummarizer({ config: { ...anthropic(), apiKey: "wrong-key" }, clock, logger: silentLogger() });
    const denied = await bad.summarize(snapshot("SOL/USDT"));
    expect(denied.status === "error" && denied.message).toMatch(/401: invalid x-api-key/);
    expect(JSON.stringify(denied)).not.toContain("wrong-key");
  });

  it("the hourly cap holds across symbols", async () => {
    const clock = new ManualClock(0);
    const s = new MarketSummarizer({ config: { ...anthropic(), maxCallsPerHour: 2 }, clock });
    expect((await s.summarize(snapshot("A/USDT"))).status).toBe("ok");
    expect((await s.summarize(snapshot("B/USDT"))).status).toBe("ok");
    const third = await s.summarize(snapshot("C/USDT"));
    expect(third).toMatchObject({ status: "rate_limited", nextAllowedAt: 3_600_000 });
    clock.advance(60 * MIN);
    expect((await s.summarize(snapshot("C/USDT"))).status).toBe("ok");
    expect(requests).toHaveLength(3);
  });

  it("speaks the OpenAI-compatible protocol without doubling /v1", async () => {
    const s = new MarketSummarizer({
      config: { provider: "openai", baseUrl: `${base}/v1`, apiKey: "oa-key", model: "local-model", maxTokens: 100, minIntervalMs: 15 * MIN, maxCallsPerHour: 5, timeoutMs: 5_000 },
      clock: new ManualClock(0),
    });
    const out = await s.summarize(snapshot());
    expect(out).toMatchObject({ status: "ok", text: "Chat summary.", provider: "openai", model: "local-model", inputTokens: 100, outputTokens: 10 });
    expect(requests[0].path).toBe("/v1/chat/completions");
    expect(requests[0].body).toMatchObject({ model: "local-model", max_tokens: 100 });
    expect((requests[0].body.messages as { role: string }[]).map((m) => m.role)).toEqual(["system", "user"]);
  });
});
