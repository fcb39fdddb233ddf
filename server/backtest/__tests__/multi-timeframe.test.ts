import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CandleAggregator } from "../../market/aggregator";
import { TIMEFRAME_MS, type Candle } from "../../model/types";
import { createStrategy, defineStrategy, getStrategyDefinition, registerStrategyKind, safeStrategy, type Strategy } from "../../strategy";
import { backtestInstrument, effectiveLimits, parseBacktestConfig } from "../config";
import { composeBacktestEngine } from "../engine";
import { runBacktest } from "../runner";
import { RELAXED_LIMITS, randomWalk } from "./helpers";

/**
 * Issue 17, multi-timeframe: "5m entries confirmed by the 1h trend". The backtest feeds every
 * timeframe a strategy subscribes to, built from the 1-minute candles, and a 1h candle only once its
 * last minute has closed, exactly as the live market data service aggregates them.
 */

const HOUR = 3_600_000;
type Seen = { kind: "candle"; timeframe: string; openTime: number; open: number; high: number; low: number; close: number } | { kind: "decision"; now: number; hourOpenTime: number | null };

/** Every recorder instance writes here, by instance id (a backtest and a live replay use different ids). */
const seen = new Map<string, Seen[]>();

interface RecorderState {
  log: Seen[];
  lastHour: Candle | undefined;
}

const recorder = defineStrategy({
  kind: "test_mtf_recorder",
  title: "Multi-timeframe recorder (test)",
  description: "Trades 5m candles in the direction of the last closed 1h candle and records every candle and decision it saw.",
  params: z.strictObject({ instance: z.string().default("bt") }),
  timeframe: "5m",
  confirm: ["1h"],
  warmup: 0,
  setup: (p): RecorderState => {
    const log: Seen[] = [];
    seen.set(p.instance, log);
    return { log, lastHour: undefined };
  },
  update: (s, c) => {
    s.log.push({ kind: "candle", timeframe: c.timeframe, openTime: c.openTime, open: c.open, high: c.high, low: c.low, close: c.close });
    if (c.timeframe === "1h") s.lastHour = c;
  },
  ready: (s) => s.lastHour !== undefined,
  onCandle: (ctx) => {
    const hour = ctx.state.lastHour!;
    ctx.state.log.push({ kind: "decision", now: ctx.now, hourOpenTime: hour.openTime });
    const trendUp = hour.close > hour.open;
    if (ctx.position === "none" && trendUp && ctx.candle.close > ctx.candle.open) ctx.enter("long", { reason: "5m up candle in a rising hour", stopLossPct: 1, takeProfitPct: 3 });
    else if (ctx.position === "long" && !trendUp) ctx.exit({ reason: "the last closed hour fell" });
  },
});

beforeAll(() => {
  try {
    getStrategyDefinition("test_mtf_recorder");
  } catch {
    registerStrategyKind(recorder);
  }
});

const minutes = randomWalk(3 * 24 * 60, { seed: 21, volatility: 0.003 });
const config = {
  strategies: [{ id: "mtf", kind: "test_mtf_recorder", params: { instance: "bt" }, symbols: ["BTC/USDT"], timeframe: "5m" as const, capital: 5_000 }],
  source: { type: "inline" as const },
  fillMode: "1m" as const,
  closeAtEnd: false,
  riskLimits: RELAXED_LIMITS,
};

/** The live path: 1-minute candles into the kernel, and through the market service's aggregator into it again. */
async function liveReplay() {
  const parsed = parseBacktestConfig({ ...config, strategies: [{ ...config.strategies[0], params: { instance: "live" } }] });
  const engine = await composeBacktestEngine({
    instruments: new Map([["BTC/USDT", backtestInstrument("BTC/USDT")]]),
    startingBalance: parsed.startingBalance,
    quoteCurrency: parsed.quoteCurrency,
    fees: parsed.fees,
    slippageBps: parsed.slippageBps,
    limits: effectiveLimits(parsed),
    exitRules: parsed.exitRules,
    baseTimeframe: "1m",
    allowShort: parsed.allowShort,
    startTime: minutes[0].openTime,
  });
  const strategy = safeStrategy(createStrategy("test_mtf_recorder", { instance: "live" }, { id: "mtf", symbols: ["BTC/USDT"], timeframe: "5m" }), (r) => {
    throw new Error(r.message);
  }) as unknown as Strategy;
  engine.kernel.addStrategy({ id: "mtf", name: "recorder", kind: "test_mtf_recorder", capital: 5_000 }, strategy);
  const trades: unknown[] = [];
  engine.bus.on("trade", (t) => trades.push(t));
  const deliver = async (c: Candle) => {
    engine.clock.set(c.openTime + TIMEFRAME_MS[c.timeframe]);
    await engine.kernel.onCandle(c);
  };
  const closed: Candle[] = [];
  const aggregator = new CandleAggregator({ timeframes: ["5m", "1h"], onClosed: (c) => closed.push(c) });
  aggregator.seed("BTC/USDT", minutes[0].openTime);
  for (const m of minutes) {
    await deliver(m);
    aggregator.addClosed(m);
    for (const c of closed.splice(0)) await deliver(c);
  }
  await engine.kernel.idle();
  await engine.account.stop();
  return trades;
}

describe("a 5m strategy confirmed by the 1h trend, in a backtest", () => {
  it("gets closed 1h candles only, each after its last minute, built from the stored minutes", async () => {
    const result = await runBacktest(config, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles: minutes }] } });
    const log = seen.get("bt")!;
    const hours = log.filter((r) => r.kind === "candle" && r.timeframe === "1h") as Extract<Seen, { kind: "candle" }>[];
    expect(hours.length).toBe(72);
    for (const h of hours) {
      const inside = minutes.filter((m) => m.openTime >= h.openTime && m.openTime < h.openTime + HOUR);
      expect(inside.length).toBe(60);
      expect(h).toMatchObject({ open: inside[0].open, close: inside[59].close, high: Math.max(...inside.map((m) => m.high)), low: Math.min(...inside.map((m) => m.low)) });
    }
    const decisions = log.filter((r) => r.kind === "decision") as Extract<Seen, { kind: "decision" }>[];
    expect(decisions.length).toBeGreaterThan(700);
    for (const d of decisions) {
      // The hour it confirms with has closed, and it is the latest hour that has.
      expect(d.hourOpenTime! + HOUR).toBeLessThanOrEqual(d.now);
      expect(d.hourOpenTime! + 2 * HOUR).toBeGreaterThanOrEqual(d.now);
    }
    // At a full hour the 5m candle is decided before the 1h candle closing at the same moment arrives
    // (finest first, as the live aggregator publishes them): that decision confirms with the hour before.
    const atFullHour = decisions.find((d) => d.now % HOUR === 0)!;
    expect(atFullHour.hourOpenTime).toBe(atFullHour.now - 2 * HOUR);
    expect(result.trades.length).toBeGreaterThan(0);
  });

  it("backtest = live replay: the same candles, decisions and trades as the live aggregation path", async () => {
    const backtest = await runBacktest(config, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles: minutes }] } });
    const live = await liveReplay();
    expect(seen.get("live")!.length).toBeGreaterThan(800);
    expect(seen.get("live")).toEqual(seen.get("bt"));
    expect(backtest.trades.length).toBeGreaterThan(0);
    expect(JSON.stringify(live)).toBe(JSON.stringify(backtest.trades));
  });
});
