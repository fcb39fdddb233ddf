import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { EngineEvents } from "../engine";

/**
 * Prometheus metrics (prom-client, its own registry; every family prefixed tradekeel_). Event counts
 * and latencies come from the engine's bus; levels (equity, P&L, trading state, streams, candle gaps)
 * are read at scrape time through MetricsSource, a narrow view of the engine. Latencies are
 * histograms, so Prometheus computes any percentile over any window.
 */
export interface MetricsSource {
  accounts(): Array<{ mode: string; equity: number; realizedPnl: number; unrealizedPnl: number; tradingState: string; openPositions: number }>;
  streams(): Array<{ symbol: string; stream: string; state: string; reconnects: number }>;
  /** Cumulative counters of the 1m candle pipeline per symbol. */
  candleStats(): Record<string, { backfilled: number; filled: number; skipped: number; invalid: number; duplicates: number }>;
}

export interface MetricsBus {
  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void;
}

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string>;
  /** Count an alert delivery (the alert service reports them). */
  alertDelivered(channel: string, status: string): void;
  stop(): void;
}

export interface CreateMetricsOptions {
  bus: MetricsBus;
  source?: MetricsSource;
  version?: string;
  /** Monotonic milliseconds for latencies (performance.now by default). */
  now?: () => number;
  /** Node process metrics (memory, event-loop lag, GC): on by default. */
  processMetrics?: boolean;
}

export const METRIC_PREFIX = "tradekeel_";
const TRADING_STATES = ["ACTIVE", "REDUCING", "HALTED"] as const;
/** Seconds: 1 ms … 30 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(opts: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  const now = opts.now ?? (() => performance.now());
  const p = METRIC_PREFIX;
  const registers = [registry];
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p, eventLoopMonitoringPrecision: 20 });

  new Gauge({ name: `${p}build_info`, help: "Tradekeel version (always 1)", labelNames: ["version"], registers }).set({ version: opts.version ?? "unknown" }, 1);

  const candles = new Counter({ name: `${p}candles_received_total`, help: "Closed candles received by the engine", labelNames: ["symbol", "timeframe"], registers });
  const orders = new Counter({ name: `${p}orders_total`, help: "Order status changes, by the status reached", labelNames: ["mode", "status"], registers });
  const denials = new Counter({ name: `${p}order_denials_total`, help: "Orders refused by the risk engine, by reason code", labelNames: ["mode", "code"], registers });
  const fills = new Counter({ name: `${p}fills_total`, help: "Fills booked", labelNames: ["mode", "side"], registers });
  const fees = new Counter({ name: `${p}fees_total`, help: "Fees paid, quote currency", labelNames: ["mode"], registers });
  const trades = new Counter({ name: `${p}trades_closed_total`, help: "Round trips closed, by outcome", labelNames: ["mode", "outcome"], registers });
  const breakers = new Counter({ name: `${p}breaker_trips_total`, help: "Circuit breakers tripped, by code", labelNames: ["mode", "code"], registers });
  const venueErrors = new Counter({ name: `${p}venue_errors_total`, help: "Venue/API errors: rejected orders and errors the risk engine counted", labelNames: ["mode", "kind"], registers });
  const warnings = new Counter({ name: `${p}warnings_total`, help: "Engine warnings, by code", labelNames: ["code"], registers });
  const alerts = new Counter({ name: `${p}alerts_total`, help: "Alert deliveries, by channel kind and outcome", labelNames: ["channel", "status"], registers });
  const venueLatency = new Histogram({ name: `${p}venue_order_latency_seconds`, help: "From an order being sent to the venue's first answer (accepted, filled or rejected)", labelNames: ["mode"], buckets: LATENCY_BUCKETS, registers });
  const candleToOrder = new Histogram({ name: `${p}candle_to_order_latency_seconds`, help: "From a closed candle reaching the engine to the order its signal caused", labelNames: ["mode"], buckets: LATENCY_BUCKETS, registers });
  const killDuration = new Histogram({ name: `${p}kill_switch_duration_seconds`, help: "Kill switch runs from request to end, by outcome", labelNames: ["outcome"], buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers });

  const source = opts.source;
  const guard = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch {
      return fallback;
    }
  };
  const accountGauge = (name: string, help: string, pick: (a: ReturnType<MetricsSource["accounts"]>[number]) => number) =>
    new Gauge({
      name: `${p}${name}`,
      help,
      labelNames: ["mode"],
      registers,
      collect() {
        this.reset();
        for (const a of guard(() => source?.accounts() ?? [], [])) this.set({ mode: a.mode }, pick(a));
      },
    });
  accountGauge("equity", "Equity per mode, quote currency", (a) => a.equity);
  accountGauge("realized_pnl", "Realized P&L per mode, quote currency", (a) => a.realizedPnl);
  accountGauge("unrealized_pnl", "Unrealized P&L per mode, quote currency", (a) => a.unrealizedPnl);
  accountGauge("open_positions", "Open positions per mode", (a) => a.openPositions);
  new Gauge({
    name: `${p}trading_state`,
    help: "Trading state per mode (1 for the current state, 0 otherwise)",
    labelNames: ["mode", "state"],
    registers,
    collect() {
      this.reset();
      for (const a of guard(() => source?.accounts() ?? [], [])) for (const s of TRADING_STATES) this.set({ mode: a.mode, state: s }, a.tradingState === s ? 1 : 0);
    },
  });
  new Gauge({
    name: `${p}stream_up`,
    help: "Market data stream live (1) or not (0)",
    labelNames: ["symbol", "stream"],
    registers,
    collect() {
      this.reset();
      for (const s of guard(() => source?.streams() ?? [], [])) this.set({ symbol: s.symbol, stream: s.stream }, s.state === "live" ? 1 : 0);
    },
  });
  // Cumulative numbers kept by the engine, exposed as counters (the increase since the last scrape is added).
  const seen = new Map<string, number>();
  const addDelta = (counter: Counter<string>, labels: Record<string, string>, total: number) => {
    const key = `${(counter as unknown as { name: string }).name}|${JSON.stringify(labels)}`;
    const before = seen.get(key) ?? 0;
    if (total > before) counter.inc(labels, total - before);
    seen.set(key, Math.max(before, total));
  };
  new Counter({
    name: `${p}stream_reconnects_total`,
    help: "Market data stream reconnects",
    labelNames: ["symbol", "stream"],
    registers,
    collect() {
      for (const s of guard(() => source?.streams() ?? [], [])) addDelta(this, { symbol: s.symbol, stream: s.stream }, s.reconnects);
    },
  });
  new Counter({
    name: `${p}candle_gaps_total`,
    help: "1m candles the stream did not deliver: backfilled over REST, filled flat, or skipped",
    labelNames: ["symbol", "repair"],
    registers,
    collect() {
      for (const [symbol, s] of Object.entries(guard(() => source?.candleStats() ?? {}, {}))) {
        addDelta(this, { symbol, repair: "backfilled" }, s.backfilled);
        addDelta(this, { symbol, repair: "filled" }, s.filled);
        addDelta(this, { symbol, repair: "skipped" }, s.skipped);
      }
    },
  });
  new Counter({
    name: `${p}candles_invalid_total`,
    help: "Candle updates dropped as invalid or duplicate",
    labelNames: ["symbol", "reason"],
    registers,
    collect() {
      for (const [symbol, s] of Object.entries(guard(() => source?.candleStats() ?? {}, {}))) {
        addDelta(this, { symbol, reason: "invalid" }, s.invalid);
        addDelta(this, { symbol, reason: "duplicate" }, s.duplicates);
      }
    },
  });

  // ---- from the bus ----
  const off: Array<() => void> = [];
  const candleSeenAt = new Map<string, number>();
  const signalCandleAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const killsSeen = new Set<string>();
  const cap = (m: Map<string, number>) => {
    if (m.size > 10_000) m.delete(m.keys().next().value!);
  };

  off.push(
    opts.bus.on("candle", (c) => {
      if (!c.closed) return;
      candles.inc({ symbol: c.symbol, timeframe: c.timeframe });
      candleSeenAt.set(`${c.symbol}|${c.timeframe}`, now());
    }),
    opts.bus.on("signal", (s) => {
      const at = candleSeenAt.get(`${s.symbol}|${s.timeframe}`);
      if (at !== undefined) {
        signalCandleAt.set(s.id, at);
        cap(signalCandleAt);
      }
    }),
    opts.bus.on("order", (o) => {
      orders.inc({ mode: o.mode, status: o.status });
      const t = now();
      if (o.status === "new") {
        sentAt.set(o.clientOrderId, t);
        cap(sentAt);
        const candleAt = o.signalId ? signalCandleAt.get(o.signalId) : undefined;
        if (candleAt !== undefined) {
          candleToOrder.observe({ mode: o.mode }, (t - candleAt) / 1000);
          signalCandleAt.delete(o.signalId!);
        }
      } else if (sentAt.has(o.clientOrderId)) {
        venueLatency.observe({ mode: o.mode }, (t - sentAt.get(o.clientOrderId)!) / 1000);
        sentAt.delete(o.clientOrderId);
      }
      if (o.status === "rejected") venueErrors.inc({ mode: o.mode, kind: "order_rejected" });
    }),
    opts.bus.on("fill", (f) => {
      fills.inc({ mode: f.mode, side: f.side });
      if (f.fee > 0) fees.inc({ mode: f.mode }, f.fee);
    }),
    opts.bus.on("trade", (t) => trades.inc({ mode: t.mode, outcome: t.pnl > 0 ? "win" : t.pnl < 0 ? "loss" : "flat" })),
    opts.bus.on("risk:event", (e) => {
      if (e.kind === "denial") denials.inc({ mode: e.mode, code: e.code });
      else if (e.kind === "breaker") breakers.inc({ mode: e.mode, code: e.code });
      else if (e.kind === "warning" && e.code === "VENUE_ERROR") venueErrors.inc({ mode: e.mode, kind: String(e.data.kind ?? "api") });
    }),
    opts.bus.on("warning", (w) => warnings.inc({ code: w.code })),
    opts.bus.on("kill-switch", (k) => {
      if ((k.phase !== "completed" && k.phase !== "incomplete") || k.durationMs === null) return;
      const key = `${k.startedAt}`;
      if (killsSeen.has(key)) return;
      killsSeen.add(key);
      killDuration.observe({ outcome: k.phase }, k.durationMs / 1000);
    }),
  );

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    alertDelivered: (channel, status) => alerts.inc({ channel, status }),
    stop() {
      off.splice(0).forEach((f) => f());
      registry.clear();
    },
  };
}

// The engine's numbers as a MetricsSource, and the GET /metrics handler (token or host checked).
export { metricsSourceFor } from "./wiring";
export { metricsResponse } from "./http";
