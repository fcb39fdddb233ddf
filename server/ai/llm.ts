import { z } from "zod";
import type { Clock } from "../core/clock";
import { errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import { formatProbability, formatShare } from "./format";
import { REGIME_TITLES } from "./regime";
import type { InsightSnapshot } from "./snapshot";

/**
 * Optional LLM summary of market conditions. Off unless an API key is configured, never called from
 * the trading path (only when someone asks for insights with a summary), labelled as LLM output, and
 * cost-bounded: at most one call per symbol per interval (default 15 min), a global hourly cap, a
 * max_tokens cap, and a cache that answers in between.
 *
 * Environment (read here, not in server/config):
 *   ANTHROPIC_API_KEY        enables the Anthropic Messages API (POST {base}/v1/messages)
 *   ANTHROPIC_BASE_URL       default https://api.anthropic.com
 *   LLM_BASE_URL, LLM_API_KEY, LLM_MODEL
 *                            an OpenAI-compatible endpoint (POST {base}/v1/chat/completions), used when
 *                            ANTHROPIC_API_KEY is not set; all three are required
 *   LLM_MODEL                also overrides the Anthropic model (default claude-haiku-4-5)
 *   LLM_MAX_TOKENS           answer cap, default 300 (16..2000)
 *   LLM_MIN_INTERVAL_MIN     minutes between two calls for one symbol, default 15 (1..1440)
 *   LLM_MAX_CALLS_PER_HOUR   all symbols together, default 20 (1..1000)
 *   INSIGHTS_LLM=off         disables the summary even when a key is set
 */

export const LLM_LABEL = "AI-generated summary (large language model). Informational only: it is never used for trading decisions.";
export const DEFAULT_ANTHROPIC_MODEL = "claude-haiku-4-5";
const ANTHROPIC_VERSION = "2023-06-01";
const MAX_SUMMARY_CHARS = 2_000;

export type LlmProvider = "anthropic" | "openai";

export interface LlmConfig {
  provider: LlmProvider;
  baseUrl: string;
  apiKey: string;
  model: string;
  maxTokens: number;
  minIntervalMs: number;
  maxCallsPerHour: number;
  timeoutMs: number;
}

export class LlmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LlmConfigError";
  }
}

type Env = Record<string, string | undefined>;

const intSetting = (name: string, min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : Number(v)),
    z.number({ error: `${name} must be a whole number from ${min} to ${max}` }).int(`${name} must be a whole number`).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`),
  );

const limitsSchema = z.object({
  LLM_MAX_TOKENS: intSetting("LLM_MAX_TOKENS", 16, 2000, 300),
  LLM_MIN_INTERVAL_MIN: intSetting("LLM_MIN_INTERVAL_MIN", 1, 1440, 15),
  LLM_MAX_CALLS_PER_HOUR: intSetting("LLM_MAX_CALLS_PER_HOUR", 1, 1000, 20),
});

function checkUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LlmConfigError(`${name} is not a URL (got "${value}")`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new LlmConfigError(`${name} must be an http(s) URL (got "${value}")`);
  return value.replace(/\/+$/, "");
}

/**
 * The LLM configuration from the environment: null (with the reason) when the summary is off; throws
 * LlmConfigError naming the variable when one is set but unusable.
 */
export function llmConfigFromEnv(env: Env = process.env): { config: LlmConfig | null; reason: string } {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const toggle = value("INSIGHTS_LLM")?.toLowerCase();
  if (toggle !== undefined && !["on", "off", "true", "false", "1", "0"].includes(toggle)) {
    throw new LlmConfigError(`INSIGHTS_LLM must be on or off (got "${env.INSIGHTS_LLM}")`);
  }
  if (toggle === "off" || toggle === "false" || toggle === "0") return { config: null, reason: "the LLM summary is switched off (INSIGHTS_LLM=off)" };
  const parsed = limitsSchema.safeParse(env);
  if (!parsed.success) throw new LlmConfigError(parsed.error.issues.map((i) => i.message).join("; "));
  const limits = {
    maxTokens: parsed.data.LLM_MAX_TOKENS,
    minIntervalMs: parsed.data.LLM_MIN_INTERVAL_MIN * 60_000,
    maxCallsPerHour: parsed.data.LLM_MAX_CALLS_PER_HOUR,
    timeoutMs: 30_000,
  };
  const anthropicKey = value("ANTHROPIC_API_KEY");
  if (anthropicKey) {
    return {
      config: {
        provider: "anthropic",
        baseUrl: checkUrl("ANTHROPIC_BASE_URL", value("ANTHROPIC_BASE_URL") ?? "https://api.anthropic.com"),
        apiKey: anthropicKey,
        model: value("LLM_MODEL") ?? DEFAULT_ANTHROPIC_MODEL,
        ...limits,
      },
      reason: "ANTHROPIC_API_KEY is set",
    };
  }
  const base = value("LLM_BASE_URL");
  const key = value("LLM_API_KEY");
  const model = value("LLM_MODEL");
  if (!base && !key) return { config: null, reason: "no LLM is configured (set ANTHROPIC_API_KEY, or LLM_BASE_URL + LLM_API_KEY + LLM_MODEL)" };
  const missing = [!base && "LLM_BASE_URL", !key && "LLM_API_KEY", !model && "LLM_MODEL"].filter(Boolean);
  if (missing.length) throw new LlmConfigError(`an OpenAI-compatible LLM needs LLM_BASE_URL, LLM_API_KEY and LLM_MODEL; missing: ${missing.join(", ")}`);
  return { config: { provider: "openai", baseUrl: checkUrl("LLM_BASE_URL", base!), apiKey: key!, model: model!, ...limits }, reason: "LLM_BASE_URL is set" };
}

/** `${base}/v1/${path}`, without doubling a /v1 the base already ends with. */
function endpoint(base: string, path: string): string {
  return base.endsWith("/v1") ? `${base}/${path}` : `${base}/v1/${path}`;
}

export interface LlmCompletion {
  text: string;
  model: string;
  inputTokens: number | null;
  outputTokens: number | null;
}

export class LlmCallError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "LlmCallError";
  }
}

const anthropicResponse = z.object({
  model: z.string().optional(),
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  usage: z.object({ input_tokens: z.number().optional(), output_tokens: z.number().optional() }).optional(),
});
const openAiResponse = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).optional(),
});

function errorDetail(body: unknown): string {
  const err = (body as { error?: unknown } | undefined)?.error;
  if (typeof err === "string") return err;
  const message = (err as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : "";
}

/** One completion from the configured provider (a single HTTP request, no retries: the caller rate-limits). */
export async function complete(config: LlmConfig, system: string, prompt: string, fetchImpl: typeof fetch = fetch): Promise<LlmCompletion> {
  const anthropic = config.provider === "anthropic";
  const url = endpoint(config.baseUrl, anthropic ? "messages" : "chat/completions");
  const headers: Record<string, string> = { "content-type": "application/json" };
  let body: unknown;
  if (anthropic) {
    headers["x-api-key"] = config.apiKey;
    headers["anthropic-version"] = ANTHROPIC_VERSION;
    body = { model: config.model, max_tokens: config.maxTokens, system, messages: [{ role: "user", content: prompt }] };
  } else {
    headers.authorization = `Bearer ${config.apiKey}`;
    body = { model: config.model, max_tokens: config.maxTokens, messages: [{ role: "system", content: system }, { role: "user", content: prompt }] };
  }
  let response: Response;
  try {
    response = await fetchImpl(url, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(config.timeoutMs) });
  } catch (err) {
    throw new LlmCallError(`cannot reach the LLM at ${url}: ${errorMessage(err)}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new LlmCallError(`the LLM at ${url} answered ${response.status} with something that is not JSON`, response.status);
  }
  if (!response.ok) {
    const detail = errorDetail(json);
    throw new LlmCallError(`the LLM at ${url} answered ${response.status}${detail ? `: ${detail}` : ""}`, response.status);
  }
  if (anthropic) {
    const parsed = anthropicResponse.safeParse(json);
    if (!parsed.success) throw new LlmCallError(`unexpected Anthropic response shape: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    const out = parsed.data.content.filter((c) => c.type === "text" && c.text).map((c) => c.text).join("\n").trim();
    if (!out) throw new LlmCallError("the Anthropic response has no text");
    return { text: out, model: parsed.data.model ?? config.model, inputTokens: parsed.data.usage?.input_tokens ?? null, outputTokens: parsed.data.usage?.output_tokens ?? null };
  }
  const parsed = openAiResponse.safeParse(json);
  if (!parsed.success) throw new LlmCallError(`unexpected chat-completions response shape: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const out = parsed.data.choices[0].message.content?.trim();
  if (!out) throw new LlmCallError("the chat-completions response has no text");
  return { text: out, model: parsed.data.model ?? config.model, inputTokens: parsed.data.usage?.prompt_tokens ?? null, outputTokens: parsed.data.usage?.completion_tokens ?? null };
}

export type LlmSummary =
  | {
      status: "ok";
      label: string;
      text: string;
      provider: LlmProvider;
      model: string;
      generatedAt: number;
      /** True when this answer came from the cache (no call was made for this request). */
      fromCache: boolean;
      /** Earliest time a fresh summary can be requested for this symbol. */
      nextAllowedAt: number;
      inputTokens: number | null;
      outputTokens: number | null;
    }
  | { status: "disabled" | "rate_limited" | "error"; label: string; message: string; nextAllowedAt?: number };

export const SUMMARY_SYSTEM_PROMPT =
  "You summarise computed market indicators for a crypto trader's dashboard. Use only the numbers given; do not invent data, " +
  "prices or news. Write at most three short sentences in plain English: the regime, what the indicators agree or disagree on, " +
  "and what the model's probability is worth given its out-of-sample accuracy versus its base rate (say plainly when it has no " +
  "significant edge). No advice, no price targets.";

/** The numbers the LLM is given: nothing else about the account or the user leaves the process. */
export function summaryPrompt(s: InsightSnapshot): string {
  const lines = [
    `Market: ${s.symbol}, ${s.timeframe} candles, latest close ${s.close} at ${new Date(s.candleTime).toISOString()}.`,
    `Regime: ${REGIME_TITLES[s.regime.label]} (${s.regime.rule}).`,
    `Indicator consensus: ${s.consensus.net.lean} (score ${s.consensus.net.score}: ${s.consensus.net.bullish} bullish, ${s.consensus.net.bearish} bearish, ${s.consensus.net.neutral} neutral).`,
    ...s.consensus.items.map((i) => `- ${i.indicator}: ${i.detail} → ${i.lean}`),
  ];
  const m = s.model;
  if (m) {
    const o = m.outOfSample;
    lines.push(
      `Model: probability ${formatProbability(m.probability)} that the close is higher in ${m.horizon} candles; out of sample accuracy ${formatShare(o.accuracy)} ` +
        `vs ${formatShare(o.majorityAccuracy)} for always guessing the majority, base rate ${formatProbability(o.baseRate)}, ${o.samples} samples, ` +
        `edge ${m.significant ? "significant" : "NOT significant"} at two standard errors.`,
      `Top model drivers: ${m.contributions.slice(0, 3).map((c) => `${c.feature} ${c.contribution.toFixed(2)}`).join(", ")}.`,
    );
  } else {
    lines.push(`Model: none (${s.modelStatus}).`);
  }
  return lines.join("\n");
}

export interface SummarizerOptions {
  config: LlmConfig | null;
  /** Why the summary is off (shown to the user when config is null). */
  disabledReason?: string;
  clock: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
}

const HOUR_MS = 3_600_000;

/** Rate-limited, cached market summaries. */
export class MarketSummarizer {
  private readonly lastCallBySymbol = new Map<string, number>();
  private readonly cache = new Map<string, Extract<LlmSummary, { status: "ok" }>>();
  private readonly inFlight = new Map<string, Promise<LlmSummary>>();
  private callTimes: number[] = [];
  /** Calls made (attempted) since start, for the tests and the status page. */
  calls = 0;

  constructor(private readonly options: SummarizerOptions) {}

  get enabled(): boolean {
    return this.options.config !== null;
  }

  describe(): { enabled: boolean; provider: LlmProvider | null; model: string | null; reason: string; minIntervalMs: number | null; maxTokens: number | null } {
    const c = this.options.config;
    return {
      enabled: c !== null,
      provider: c?.provider ?? null,
      model: c?.model ?? null,
      reason: c ? `on (${c.provider}, ${c.model})` : (this.options.disabledReason ?? "off"),
      minIntervalMs: c?.minIntervalMs ?? null,
      maxTokens: c?.maxTokens ?? null,
    };
  }

  /** The last summary of a market, if one was made. */
  cached(symbol: string, timeframe: string): LlmSummary | undefined {
    const hit = this.cache.get(`${symbol}|${timeframe}`);
    return hit ? { ...hit, fromCache: true } : undefined;
  }

  async summarize(snapshot: InsightSnapshot): Promise<LlmSummary> {
    const config = this.options.config;
    if (!config) return { status: "disabled", label: LLM_LABEL, message: this.options.disabledReason ?? "no LLM is configured" };
    const key = `${snapshot.symbol}|${snapshot.timeframe}`;
    const pending = this.inFlight.get(snapshot.symbol);
    if (pending) {
      // A call for this symbol is under way: share its outcome rather than making another.
      const result = await pending;
      const hit = this.cache.get(key);
      if (hit) return { ...hit, fromCache: true };
      if (result.status !== "ok") return result;
      return { status: "rate_limited", label: LLM_LABEL, message: `a summary of ${snapshot.symbol} on another timeframe was just made; next at ${new Date(result.nextAllowedAt).toISOString()}`, nextAllowedAt: result.nextAllowedAt };
    }
    const now = this.options.clock.now();
    const last = this.lastCallBySymbol.get(snapshot.symbol);
    if (last !== undefined && now - last < config.minIntervalMs) {
      const nextAllowedAt = last + config.minIntervalMs;
      const cached = this.cache.get(key);
      if (cached) return { ...cached, fromCache: true, nextAllowedAt };
      return { status: "rate_limited", label: LLM_LABEL, message: `one summary per symbol every ${config.minIntervalMs / 60_000} min; next at ${new Date(nextAllowedAt).toISOString()}`, nextAllowedAt };
    }
    this.callTimes = this.callTimes.filter((t) => now - t < HOUR_MS);
    if (this.callTimes.length >= config.maxCallsPerHour) {
      const nextAllowedAt = this.callTimes[0] + HOUR_MS;
      const cached = this.cache.get(key);
      if (cached) return { ...cached, fromCache: true, nextAllowedAt };
      return { status: "rate_limited", label: LLM_LABEL, message: `the hourly cap of ${config.maxCallsPerHour} LLM calls is reached; next at ${new Date(nextAllowedAt).toISOString()}`, nextAllowedAt };
    }
    // A failed call counts too: a broken endpoint is not hammered.
    this.lastCallBySymbol.set(snapshot.symbol, now);
    this.callTimes.push(now);
    this.calls++;
    const call = this.call(config, snapshot, key, now).finally(() => this.inFlight.delete(snapshot.symbol));
    this.inFlight.set(snapshot.symbol, call);
    return call;
  }

  private async call(config: LlmConfig, snapshot: InsightSnapshot, key: string, now: number): Promise<LlmSummary> {
    try {
      const completion = await complete(config, SUMMARY_SYSTEM_PROMPT, summaryPrompt(snapshot), this.options.fetch ?? fetch);
      const summary: Extract<LlmSummary, { status: "ok" }> = {
        status: "ok",
        label: LLM_LABEL,
        text: completion.text.slice(0, MAX_SUMMARY_CHARS),
        provider: config.provider,
        model: completion.model,
        generatedAt: now,
        fromCache: false,
        nextAllowedAt: now + config.minIntervalMs,
        inputTokens: completion.inputTokens,
        outputTokens: completion.outputTokens,
      };
      this.cache.set(key, summary);
      return summary;
    } catch (err) {
      this.options.logger?.warn({ err: errorMessage(err), symbol: snapshot.symbol }, "LLM summary failed");
      return { status: "error", label: LLM_LABEL, message: errorMessage(err), nextAllowedAt: now + config.minIntervalMs };
    }
  }
}

/** A summarizer from the environment; a misconfiguration is logged and leaves the summary off with that message. */
export function summarizerFromEnv(options: { env?: Env; clock: Clock; logger?: Logger; fetch?: typeof fetch }): MarketSummarizer {
  try {
    const { config, reason } = llmConfigFromEnv(options.env ?? process.env);
    return new MarketSummarizer({ config, disabledReason: reason, clock: options.clock, logger: options.logger, fetch: options.fetch });
  } catch (err) {
    options.logger?.error({ err: errorMessage(err) }, "LLM summary disabled: the configuration is invalid");
    return new MarketSummarizer({ config: null, disabledReason: `off: invalid configuration: ${errorMessage(err)}`, clock: options.clock, logger: options.logger });
  }
}
