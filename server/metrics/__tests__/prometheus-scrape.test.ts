import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import type { EngineEvents } from "../../engine/events";
import { clearServices, registerServices } from "../../http/registry";
import type { Services } from "../../http/services";
import { createAuthService } from "../../auth";
import { createSecretBox } from "../../auth/secret-box";
import { STATIC_TOKEN, TEST_SCRYPT, openTestDatabase, testConfig } from "../../auth/__tests__/fixtures";
import { createMetrics, type Metrics, type MetricsSource } from "../index";
import { GET } from "../../../app/metrics/route";
import { randomBytes } from "node:crypto";

/**
 * Prometheus scrapes GET /metrics with a bearer token and gets every family the operator's dashboard
 * needs, prefixed tradekeel_, with latencies as histograms. Without the token it gets a 401.
 */
const METRICS_TOKEN = "metrics-token-0123456789abcdef0123456789";
let bus: EventBus<EngineEvents>;
let metrics: Metrics;
let closeDb: () => Promise<void>;
let fakeNow = 0;

const source: MetricsSource = {
  accounts: () => [
    { mode: "paper", equity: 10_050.5, realizedPnl: 40.25, unrealizedPnl: 10.25, tradingState: "REDUCING", openPositions: 2 },
    { mode: "ghost", equity: 10_000, realizedPnl: 0, unrealizedPnl: 0, tradingState: "ACTIVE", openPositions: 0 },
  ],
  streams: () => [{ symbol: "BTC/USDT", stream: "ohlcv", state: "live", reconnects: 3 }],
  candleStats: () => ({ "BTC/USDT": { backfilled: 4, filled: 1, skipped: 0, invalid: 2, duplicates: 5 } }),
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition format: # HELP / # TYPE lines and `name{a="b"} value` samples. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { types, samples };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

function scrape(headers: Record<string, string> = {}): Promise<Response> {
  return GET(new Request("http://127.0.0.1:3000/metrics", { headers: { host: "127.0.0.1:3000", ...headers } }));
}

beforeAll(async () => {
  const { db, dir, close } = await openTestDatabase();
  closeDb = close;
  const config = { ...testConfig(dir), metrics: { token: METRICS_TOKEN } };
  const auth = await createAuthService({ config, prisma: db.prisma, logger: createLogger("silent"), scryptParams: TEST_SCRYPT, secretBox: createSecretBox({ key: randomBytes(32), id: "metricstest1" }), clock: new ManualClock(Date.UTC(2026, 0, 5)) });
  bus = new EventBus<EngineEvents>();
  metrics = createMetrics({ bus, source, version: "9.9.9", now: () => fakeNow });
  registerServices({ config, logger: createLogger("silent"), db, auth, metrics } as unknown as Services);
}, 60_000);

afterAll(async () => {
  clearServices();
  metrics?.stop();
  await closeDb?.();
});

function order(clientOrderId: string, status: EngineEvents["order"]["status"], extra: Partial<EngineEvents["order"]> = {}): EngineEvents["order"] {
  return { clientOrderId, symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.001, intent: "entry", reduceOnly: false, reason: "test", createdAt: 0, mode: "paper", status, filledQuantity: 0, avgFillPrice: 0, fee: 0, updatedAt: 0, ...extra };
}

describe("GET /metrics", () => {
  it("refuses a scrape without a bearer token, and with a wrong one", async () => {
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await scrape({ authorization: "Bearer not-a-token-not-a-token-not-a-token" })).status).toBe(401);
    // A browser session cookie alone is not a scrape credential.
    expect((await scrape({ cookie: "tk_session=whatever" })).status).toBe(401);
  });

  it("with the metrics token or an API token: every family prefixed tradekeel_, engine numbers, histograms", async () => {
    // A candle closes; 12 ms later its signal's order is sent; the venue answers 30 ms after that.
    fakeNow = 1_000;
    bus.emit("candle", { symbol: "BTC/USDT", timeframe: "5m", openTime: 0, open: 1, high: 1, low: 1, close: 1, volume: 1, closed: true });
    bus.emit("signal", { id: "sig1", timestamp: 0, strategyInstanceId: "s1", symbol: "BTC/USDT", timeframe: "5m", action: "enter_long", price: 1, reason: "x", data: {}, mode: "paper" });
    fakeNow = 1_012;
    bus.emit("order", order("o1", "new", { signalId: "sig1" }));
    fakeNow = 1_042;
    bus.emit("order", order("o1", "filled"));
    bus.emit("order", order("o2", "new"));
    bus.emit("order", order("o2", "rejected", { error: "insufficient balance" }));
    bus.emit("fill", { clientOrderId: "o1", venueTradeId: "t1", symbol: "BTC/USDT", side: "buy", price: 100_000, quantity: 0.001, fee: 0.1, liquidity: "taker", timestamp: 0, mode: "paper" });
    for (let i = 0; i < 3; i++) bus.emit("risk:event", { id: `d${i}`, timestamp: 0, kind: "denial", code: "MAX_OPEN_POSITIONS", severity: "info", message: "full", data: {}, mode: "paper" });
    bus.emit("risk:event", { id: "b1", timestamp: 0, kind: "breaker", code: "DAILY_LOSS_LIMIT", severity: "critical", message: "stop", data: {}, mode: "paper" });
    bus.emit("kill-switch", { action: "flatten", phase: "completed", startedAt: 5, finishedAt: 2_505, durationMs: 2_500, ordersCancelled: 1, positionsClosed: 1, flatConfirmed: true, accounts: {}, remaining: { orders: [], positions: [] }, errors: [] });

    for (const token of [METRICS_TOKEN, STATIC_TOKEN]) {
      const res = await scrape({ authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const { types, samples } = parseExposition(await res.text());
      expect([...types.keys()].filter((n) => !n.startsWith("tradekeel_"))).toEqual([]);
      expect(samples.filter((s) => !s.name.startsWith("tradekeel_"))).toEqual([]);

      expect(value(samples, "tradekeel_candles_received_total", { symbol: "BTC/USDT", timeframe: "5m" })).toBe(1);
      expect(value(samples, "tradekeel_candle_gaps_total", { symbol: "BTC/USDT", repair: "backfilled" })).toBe(4);
      expect(value(samples, "tradekeel_stream_reconnects_total", { symbol: "BTC/USDT", stream: "ohlcv" })).toBe(3);
      expect(value(samples, "tradekeel_orders_total", { mode: "paper", status: "new" })).toBe(2);
      expect(value(samples, "tradekeel_orders_total", { mode: "paper", status: "rejected" })).toBe(1);
      expect(value(samples, "tradekeel_order_denials_total", { code: "MAX_OPEN_POSITIONS" })).toBe(3);
      expect(value(samples, "tradekeel_fills_total", { mode: "paper", side: "buy" })).toBe(1);
      expect(value(samples, "tradekeel_fees_total", { mode: "paper" })).toBeCloseTo(0.1, 10);
      expect(value(samples, "tradekeel_equity", { mode: "paper" })).toBe(10_050.5);
      expect(value(samples, "tradekeel_realized_pnl", { mode: "paper" })).toBe(40.25);
      expect(value(samples, "tradekeel_unrealized_pnl", { mode: "paper" })).toBe(10.25);
      expect(value(samples, "tradekeel_trading_state", { mode: "paper", state: "REDUCING" })).toBe(1);
      expect(value(samples, "tradekeel_trading_state", { mode: "paper", state: "ACTIVE" })).toBe(0);
      expect(value(samples, "tradekeel_breaker_trips_total", { code: "DAILY_LOSS_LIMIT" })).toBe(1);
      expect(value(samples, "tradekeel_venue_errors_total", { kind: "order_rejected" })).toBe(1);

      expect(types.get("tradekeel_candle_to_order_latency_seconds")).toBe("histogram");
      expect(value(samples, "tradekeel_candle_to_order_latency_seconds_count", { mode: "paper" })).toBe(1);
      expect(value(samples, "tradekeel_candle_to_order_latency_seconds_sum", { mode: "paper" })).toBeCloseTo(0.012, 9);
      expect(value(samples, "tradekeel_candle_to_order_latency_seconds_bucket", { mode: "paper", le: "0.01" })).toBe(0);
      expect(value(samples, "tradekeel_candle_to_order_latency_seconds_bucket", { mode: "paper", le: "0.025" })).toBe(1);
      expect(types.get("tradekeel_venue_order_latency_seconds")).toBe("histogram");
      expect(value(samples, "tradekeel_venue_order_latency_seconds_count", { mode: "paper" })).toBe(2);
      expect(value(samples, "tradekeel_kill_switch_duration_seconds_sum", { outcome: "completed" })).toBe(2.5);

      // Process health from prom-client's default collectors, under the same prefix.
      expect(value(samples, "tradekeel_process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(types.has("tradekeel_nodejs_eventloop_lag_seconds")).toBe(true);
      expect(value(samples, "tradekeel_build_info", { version: "9.9.9" })).toBe(1);
    }
    // A cumulative engine counter does not double on the second scrape.
    const again = parseExposition(await (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text());
    expect(value(again.samples, "tradekeel_stream_reconnects_total", { symbol: "BTC/USDT" })).toBe(3);
  });

  it("answers 403 for a Host that does not name this server (DNS rebinding guard)", async () => {
    const res = await GET(new Request("http://evil.example/metrics", { headers: { host: "evil.example", authorization: `Bearer ${METRICS_TOKEN}` } }));
    expect(res.status).toBe(403);
  });
});
