import { backtestInstrument, composeBacktestEngine, runBacktest } from "../server/backtest";
import { DEFAULT_RISK_LIMITS, riskLimitsSchema } from "../server/config";
import type { Candle } from "../server/model/types";
import { createStrategy, safeStrategy } from "../server/strategy";
import { BENCH_LIMITS } from "./data";

/**
 * Backtest throughput on one core: candles per second through the full engine (kernel → account →
 * order manager → paper venue → ledger → risk → strategy), and the two halves on their own so the
 * ratio shows where the time goes. Wall time and CPU time are both reported: on a shared machine the
 * CPU figure is the steadier one.
 */

export interface ThroughputResult {
  name: string;
  /** Input candles (1-minute). */
  candles: number;
  /** Candles the engine processed (1m plus the higher timeframe built from them). */
  events: number;
  runs: number;
  wallMs: number;
  cpuMs: number;
  candlesPerSecond: number;
  candlesPerCpuSecond: number;
  trades: number | null;
  detail: string;
}

async function measure(runs: number, body: () => Promise<{ events: number; trades: number | null }>) {
  let best: { wallMs: number; cpuMs: number; events: number; trades: number | null } | undefined;
  // One untimed run first: the JIT has compiled the hot path before anything is measured.
  await body();
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const { events, trades } = await body();
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (!best || wallMs < best.wallMs) best = { wallMs, cpuMs, events, trades };
  }
  return best!;
}

export async function backtestThroughput(candles: Candle[], runs: number): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  const data = { series: [{ symbol: "BTC/USDT", timeframe: "1m" as const, candles }] };
  const push = (name: string, detail: string, m: Awaited<ReturnType<typeof measure>>) =>
    results.push({
      name,
      candles: candles.length,
      events: m.events,
      runs,
      wallMs: Math.round(m.wallMs),
      cpuMs: Math.round(m.cpuMs),
      candlesPerSecond: Math.round(candles.length / (m.wallMs / 1000)),
      candlesPerCpuSecond: Math.round(candles.length / (m.cpuMs / 1000)),
      trades: m.trades,
      detail,
    });

  for (const [name, timeframe, fillMode] of [
    ["backtest: MA crossover 9/21 on 1m, full engine", "1m", "candle"],
    ["backtest: MA crossover 9/21 on 5m, fills on 1m", "5m", "1m"],
  ] as const) {
    const m = await measure(runs, async () => {
      const r = await runBacktest(
        { strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe }], source: { type: "inline" }, fillMode, riskLimits: BENCH_LIMITS },
        { data },
      );
      return { events: r.range.candles, trades: r.trades.length };
    });
    push(name, "runBacktest end to end: timeline, engine, metrics, downsampling (breakers relaxed so it trades throughout)", m);
  }

  const limits = riskLimitsSchema.parse({ ...DEFAULT_RISK_LIMITS, ...BENCH_LIMITS });
  const engineOnly = await measure(runs, async () => {
    const engine = await composeBacktestEngine({
      instruments: new Map([["BTC/USDT", backtestInstrument("BTC/USDT")]]),
      startingBalance: 10_000,
      quoteCurrency: "USDT",
      fees: { maker: 0.001, taker: 0.001 },
      slippageBps: 5,
      limits,
      baseTimeframe: "1m",
      allowShort: false,
      startTime: candles[0].openTime,
    });
    for (let i = 0; i < candles.length; i++) {
      engine.clock.set(candles[i].openTime + 60_000);
      const work = engine.kernel.onCandle(candles[i]);
      if (work) await work;
    }
    return { events: candles.length, trades: null };
  });
  push("engine path only (no strategy)", "kernel.onCandle → account.onCandle → venue, exits, ledger mark, breakers", engineOnly);

  const strategyOnly = await measure(runs, async () => {
    const strategy = safeStrategy(createStrategy("ma_crossover", {}, { id: "bench", symbols: ["BTC/USDT"], timeframe: "1m" }), (r) => {
      throw new Error(r.message);
    });
    const ctx = { now: 0, position: "none" as "none" | "long", entryPrice: undefined as number | undefined };
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i];
      ctx.now = c.openTime + 60_000;
      const signals = strategy.onCandle(c, ctx);
      for (let j = 0; j < signals.length; j++) {
        ctx.position = signals[j].action === "enter_long" ? "long" : "none";
        ctx.entryPrice = ctx.position === "long" ? signals[j].price : undefined;
      }
    }
    return { events: candles.length, trades: null };
  });
  push("strategy only (MA crossover, no engine)", "SafeStrategy → MaCrossoverStrategy.onCandle: EMA, EMA, RSI, rules", strategyOnly);
  return results;
}
