import { z } from "zod";
import { seededRandom } from "../server/backtest";
import { importCandleCsv } from "../server/market/csv";
import type { Candle, Signal } from "../server/model/types";
import { BaseStrategy, NO_SIGNALS, getStrategyDefinition, registerStrategyKind, type StrategyContext, type StrategyDefinition, type StrategyInstanceConfig } from "../server/strategy";

/** Benchmark inputs: real minutes repeated to size, or a seeded random walk; and an always-trading strategy. */

const MINUTE = 60_000;

export interface BenchData {
  candles: Candle[];
  source: string;
}

/**
 * The CSV's minutes repeated end to end until `count` candles: each repetition is shifted in time and
 * scaled so it opens at the previous repetition's close (no artificial gap for the strategies to trade).
 */
export async function csvCandles(file: string, count: number, symbol = "BTC/USDT"): Promise<BenchData> {
  const base = await importCandleCsv(file, { symbol, timeframe: "1m" });
  if (base.length === 0) throw new Error(`${file} has no candles`);
  const span = base[base.length - 1].openTime + MINUTE - base[0].openTime;
  const out: Candle[] = new Array(count);
  let scale = 1;
  for (let i = 0, rep = 0; i < count; rep++) {
    for (let j = 0; j < base.length && i < count; j++, i++) {
      const c = base[j];
      out[i] = { symbol, timeframe: "1m", openTime: c.openTime + rep * span, open: c.open * scale, high: c.high * scale, low: c.low * scale, close: c.close * scale, volume: c.volume, closed: true };
    }
    scale *= base[base.length - 1].close / base[0].open;
  }
  return { candles: out, source: `${file} (${base.length} minutes, repeated to ${count})` };
}

/** A seeded random walk of 1-minute candles with calm and volatile spells. */
export function generatedCandles(count: number, seed = 1, symbol = "BTC/USDT"): BenchData {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const out: Candle[] = new Array(count);
  let close = 23_000;
  let regime = 1;
  const start = Date.UTC(2023, 2, 1);
  for (let i = 0; i < count; i++) {
    if (random() < 0.01) regime = random() < 0.5 ? 1 : 2 + random() * 3;
    const sigma = 0.0008 * regime;
    const open = close;
    close = Math.max(0.01, Math.round(open * Math.exp(sigma * normal()) * 100) / 100);
    const high = Math.round(Math.max(open, close) * (1 + Math.abs(sigma * normal()) * 0.5) * 100) / 100;
    const low = Math.round(Math.min(open, close) * (1 - Math.abs(sigma * normal()) * 0.5) * 100) / 100;
    out[i] = { symbol, timeframe: "1m", openTime: start + i * MINUTE, open, high, low, close, volume: Math.round(Math.exp(normal()) * 1e4) / 1e4, closed: true };
  }
  return { candles: out, source: `seeded random walk (seed ${seed}, ${count} minutes)` };
}

// ---------------------------------------------------------------- an always-trading strategy

const flipParams = z.strictObject({});

/** Enters long when flat and exits when long, on every candle: one order per candle, for latency. */
class FlipStrategy extends BaseStrategy<Record<string, never>, null> {
  constructor(config: StrategyInstanceConfig) {
    super("bench_flip", config, {}, [{ timeframe: config.timeframe ?? "1m", warmupCandles: 0 }]);
  }
  protected createState(): null {
    return null;
  }
  protected ingest(): void {}
  protected isReady(): boolean {
    return true;
  }
  protected decide(_s: null, candle: Candle, ctx: StrategyContext<Record<string, never>>): readonly Signal[] {
    if (ctx.position === "none") return [this.signal(candle, "enter_long", "bench entry", {}, { stopLoss: candle.close * 0.9, takeProfit: candle.close * 1.2 })];
    if (ctx.position === "long") return [this.signal(candle, "exit_long", "bench exit", {})];
    return NO_SIGNALS;
  }
}

export function registerBenchStrategies(): void {
  try {
    getStrategyDefinition("bench_flip");
  } catch {
    registerStrategyKind({
      kind: "bench_flip",
      title: "Flip (benchmark)",
      description: "Enters when flat, exits when long: an order on every candle.",
      paramsSchema: flipParams,
      defaultTimeframe: "1m",
      presets: [],
      create: (config: StrategyInstanceConfig) => new FlipStrategy(config),
    } as unknown as StrategyDefinition);
  }
}

/** Risk limits that never stop the benchmark strategy (breakers, cooldowns, daily trade cap). */
export const BENCH_LIMITS = {
  maxConsecutiveLosses: 1_000_000,
  dailyLossPct: 100,
  weeklyLossPct: 100,
  maxDrawdownPct: 100,
  symbolCooldownSec: 0,
  minEntryIntervalSec: 0,
  maxTradesPerDay: 1_000_000,
  minEdgeOverFeesPct: 0,
  maxSlippagePct: 5,
} as const;

/** Percentile of an ascending array (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
