import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApplication, type Application } from "@/server/app";
import { configSchema } from "@/server/config";
import { createLogger } from "@/server/core/logger";
import { clearServices, registerServices } from "@/server/http/registry";
import { VERSION } from "@/server/version";
import { GET } from "@/app/metrics/route";
import { parseExposition, sampleValue, type Family } from "./exposition";

/**
 * Prometheus scrapes a running bot (the real application: engine, built-in simulator, embedded
 * database, alerts and metrics wired as in production; only the HTTP listener is left out, the
 * /metrics route handler is called as Next calls it) with the metrics token. The answer must parse
 * under the exposition format's rules, and carry every family issue 18 lists with values that agree
 * with what the bot just did: candles, an order and its fill and fee, a denial, equity and P&L per
 * mode, the trading state, the venue and candle→order latency histograms, a kill switch's duration,
 * event-loop lag and memory.
 */
const METRICS_TOKEN = "scrape-test-metrics-token-0123456789abcdef";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-metrics-scrape-"));
let app: Application;

const scrape = (authorization?: string) =>
  GET(new Request("http://127.0.0.1:3000/metrics", { headers: { host: "127.0.0.1:3000", ...(authorization ? { authorization } : {}) } }));

async function scrapeParsed(): Promise<Map<string, Family>> {
  const res = await scrape(`Bearer ${METRICS_TOKEN}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

const valueOr = (families: Map<string, Family>, name: string, labels: Record<string, string>, fallback: number) => {
  try {
    return sampleValue(families, name, labels);
  } catch {
    return fallback;
  }
};

beforeAll(async () => {
  const config = configSchema.parse({
    server: { dataDir, logLevel: "silent" },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 60, seed: 18, historyDays: 0.05, symbols: ["BTC/USDT", "ETH/USDT"] },
    trading: { mode: "paper", symbols: ["BTC/USDT"], autoStart: false },
    risk: { minEntryIntervalSec: 0, symbolCooldownSec: 0, minEdgeOverFeesPct: 0, maxTradeLossPct: 100 },
    auth: {},
    metrics: { token: METRICS_TOKEN },
  });
  app = await createApplication(config, createLogger("silent"));
  registerServices(app.services);
  await app.start();
}, 180_000);

afterAll(async () => {
  clearServices();
  await app?.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("Prometheus scrapes a running bot", () => {
  it("is refused without the metrics token", async () => {
    const res = await scrape();
    expect(res.status).toBe(401);
    expect((await scrape("Bearer wrong-token-wrong-token-wrong-token-00")).status).toBe(401);
  });

  it("after a trade, a denial and a kill switch, every listed family parses with values that match what happened", async () => {
    const engine = app.services.engine;
    if (!engine) throw new Error("the application has no engine");
    // The simulator at 60× closes a 1m candle every second; the engine hears its prices.
    await expect.poll(async () => valueOr(await scrapeParsed(), "tradekeel_candles_received_total", { symbol: "BTC/USDT", timeframe: "1m" }, 0), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => engine.market.lastTicker("BTC/USDT")?.last ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);

    const price = engine.simulator!.lastPrice("BTC/USDT");
    const entry = await engine.kernel.placeManualOrder({ symbol: "BTC/USDT", side: "buy", type: "market", quantity: 500 / price, actor: "test" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    await expect.poll(() => engine.kernel.activeAccount.ledger.positions().length, { timeout: 30_000 }).toBe(1);
    // Below the minimum position size: the risk engine refuses it, with a reason code.
    const denied = await engine.kernel.placeManualOrder({ symbol: "BTC/USDT", side: "buy", type: "market", quantity: 1 / price, actor: "test" });
    expect(denied.decision.allowed).toBe(false);
    const denialCode = denied.decision.code!;
    expect(denialCode).toMatch(/^[A-Z_]+$/);

    let m = await scrapeParsed();
    // Every family is ours.
    expect([...m.keys()].filter((n) => !n.startsWith("tradekeel_"))).toEqual([]);
    const typeOf = (n: string) => m.get(n)?.type;
    for (const [name, type] of Object.entries({
      tradekeel_candles_received_total: "counter",
      tradekeel_candle_gaps_total: "counter",
      tradekeel_stream_reconnects_total: "counter",
      tradekeel_stream_up: "gauge",
      tradekeel_orders_total: "counter",
      tradekeel_order_denials_total: "counter",
      tradekeel_fills_total: "counter",
      tradekeel_fees_total: "counter",
      tradekeel_realized_pnl: "gauge",
      tradekeel_unrealized_pnl: "gauge",
      tradekeel_equity: "gauge",
      tradekeel_open_positions: "gauge",
      tradekeel_trading_state: "gauge",
      tradekeel_breaker_trips_total: "counter",
      tradekeel_venue_errors_total: "counter",
      tradekeel_venue_order_latency_seconds: "histogram",
      tradekeel_candle_to_order_latency_seconds: "histogram",
      tradekeel_kill_switch_duration_seconds: "histogram",
      tradekeel_nodejs_eventloop_lag_seconds: "gauge",
      tradekeel_process_resident_memory_bytes: "gauge",
      tradekeel_build_info: "gauge",
    })) expect(typeOf(name), name).toBe(type);

    expect(sampleValue(m, "tradekeel_build_info", { version: VERSION })).toBe(1);
    expect(sampleValue(m, "tradekeel_stream_up", { symbol: "BTC/USDT", stream: "ohlcv" })).toBe(1);
    expect(sampleValue(m, "tradekeel_orders_total", { mode: "paper", status: "new" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, "tradekeel_fills_total", { mode: "paper", side: "buy" })).toBeGreaterThanOrEqual(1);
    const fee = sampleValue(m, "tradekeel_fees_total", { mode: "paper" });
    expect(fee).toBeGreaterThan(0);
    expect(fee).toBeLessThan(500 * 0.01); // a taker fee, not a fraction of the notional
    expect(sampleValue(m, "tradekeel_order_denials_total", { mode: "paper", code: denialCode })).toBe(1);

    // Levels agree with the paper ledger at scrape time (prices move at 60×, so within a fraction).
    const ledger = engine.kernel.accounts.get("paper")!.ledger;
    const equity = sampleValue(m, "tradekeel_equity", { mode: "paper" });
    expect(equity).toBeGreaterThan(0);
    expect(Math.abs(equity - ledger.equity()) / ledger.equity()).toBeLessThan(0.01);
    expect(Number.isFinite(sampleValue(m, "tradekeel_realized_pnl", { mode: "paper" }))).toBe(true);
    expect(Math.abs(sampleValue(m, "tradekeel_unrealized_pnl", { mode: "paper" }))).toBeLessThan(500 * 0.2);
    expect(sampleValue(m, "tradekeel_open_positions", { mode: "paper" })).toBe(1);
    const states = m.get("tradekeel_trading_state")!.samples.filter((s) => s.labels.mode === "paper");
    expect(states.filter((s) => s.value === 1).map((s) => s.labels.state)).toEqual(["ACTIVE"]);
    expect(states.map((s) => s.value).reduce((a, b) => a + b, 0)).toBe(1);

    // The order's round trip to the (simulated) venue is in the histogram, in seconds, not milliseconds.
    const venueCount = sampleValue(m, "tradekeel_venue_order_latency_seconds_count", { mode: "paper" });
    expect(venueCount).toBeGreaterThanOrEqual(1);
    const venueSum = sampleValue(m, "tradekeel_venue_order_latency_seconds_sum", { mode: "paper" });
    expect(venueSum / venueCount).toBeGreaterThan(0);
    expect(venueSum / venueCount).toBeLessThan(30);

    // Process health: a Node process's memory and a measured event-loop lag.
    expect(sampleValue(m, "tradekeel_process_resident_memory_bytes")).toBeGreaterThan(10 * 1024 * 1024);
    const lag = sampleValue(m, "tradekeel_nodejs_eventloop_lag_seconds");
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5);

    // The kill switch flattens; its duration is observed once, by outcome, and the state is HALTED.
    engine.kernel.startKillSwitch("flatten", "test", "metrics scrape test");
    await expect.poll(() => engine.kernel.killSwitchStatus().phase, { timeout: 60_000 }).toBe("completed");
    const durationS = engine.kernel.killSwitchStatus().durationMs! / 1000;
    await expect.poll(async () => valueOr(await scrapeParsed(), "tradekeel_kill_switch_duration_seconds_count", { outcome: "completed" }, 0), { timeout: 10_000 }).toBe(1);
    m = await scrapeParsed();
    expect(sampleValue(m, "tradekeel_kill_switch_duration_seconds_sum", { outcome: "completed" })).toBeCloseTo(durationS, 3);
    expect(sampleValue(m, "tradekeel_trading_state", { mode: "paper", state: "HALTED" })).toBe(1);
    expect(sampleValue(m, "tradekeel_open_positions", { mode: "paper" })).toBe(0);
    expect(sampleValue(m, "tradekeel_fills_total", { mode: "paper", side: "sell" })).toBeGreaterThanOrEqual(1);
    // Counters never go down between scrapes.
    expect(sampleValue(m, "tradekeel_orders_total", { mode: "paper", status: "new" })).toBeGreaterThanOrEqual(2);
  }, 180_000);
});

describe("the exposition reader is strict", () => {
  it("refuses what Prometheus would refuse", () => {
    const ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n";
    expect(sampleValue(parseExposition(ok), "a_total", { x: "1" })).toBe(2);
    for (const bad of [
      "a_total{x=\"1\"} 2", // no final line feed
      "a_total{x=1} 2\n", // unquoted label value
      "a_total{x=\"\\q\"} 2\n", // bad escape
      "a_total 2 3 4\n", // too many fields
      "a_total two\n", // not a number
      "a_total 1\n# TYPE a_total counter\n", // TYPE after samples
      "a_total 1\na_total 2\n", // duplicate series
      "a 1\nb 1\na{x=\"1\"} 1\n", // a family split up
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n", // +Inf ≠ count
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", // no +Inf
    ]) expect(() => parseExposition(bad), bad).toThrow();
  });
});
