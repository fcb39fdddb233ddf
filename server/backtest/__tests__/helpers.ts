import { z } from "zod";
import { TIMEFRAME_MS, type Candle, type Signal, type Timeframe } from "../../model/types";
import { BaseStrategy, NO_SIGNALS, getStrategyDefinition, registerStrategyKind, type StrategyContext, type StrategyDefinition, type StrategyInstanceConfig } from "../../strategy";
import { seededRandom } from "../optimise";

/** Test data and test strategies for the backtester's tests. */

export const T0 = Date.UTC(2024, 0, 1);

/** Candles from a list of [open, high, low, close], one per timeframe period from `start`. */
export function candlesFrom(rows: ReadonlyArray<readonly [number, number, number, number]>, options: { symbol?: string; timeframe?: Timeframe; start?: number } = {}): Candle[] {
  const timeframe = options.timeframe ?? "1h";
  const ms = TIMEFRAME_MS[timeframe];
  const start = options.start ?? T0;
  return rows.map(([open, high, low, close], i) => ({ symbol: options.symbol ?? "BTC/USDT", timeframe, openTime: start + i * ms, open, high, low, close, volume: 1, closed: true }));
}

/** A seeded random walk of closed candles (open = previous close). */
export function randomWalk(count: number, options: { seed?: number; symbol?: string; timeframe?: Timeframe; start?: number; price?: number; volatility?: number } = {}): Candle[] {
  const random = seededRandom(options.seed ?? 7);
  const timeframe = options.timeframe ?? "1m";
  const ms = TIMEFRAME_MS[timeframe];
  const start = options.start ?? T0;
  const vol = options.volatility ?? 0.002;
  let price = options.price ?? 20_000;
  const out: Candle[] = [];
  for (let i = 0; i < count; i++) {
    const open = price;
    // A slow sine drift gives trends for the crossover to catch; the noise keeps it honest.
    const drift = Math.sin(i / 180) * vol * 0.6;
    const close = Math.max(1, Math.round(open * (1 + drift + (random() - 0.5) * 2 * vol) * 100) / 100);
    const high = Math.round(Math.max(open, close) * (1 + random() * vol) * 100) / 100;
    const low = Math.round(Math.min(open, close) * (1 - random() * vol) * 100) / 100;
    out.push({ symbol: options.symbol ?? "BTC/USDT", timeframe, openTime: start + i * ms, open, high, low, close, volume: Math.round(random() * 1000) / 100, closed: true });
    price = close;
  }
  return out;
}

export function csvOf(candles: readonly Candle[]): string {
  return `open_time,open,high,low,close,volume\n${candles.map((c) => `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume}`).join("\n")}\n`;
}

// ---------------------------------------------------------------- a scripted strategy

const scriptedParams = z.strictObject({
  /** Open times of the candles at whose close to enter long. */
  enterAt: z.array(z.number()).default([]),
  /** Open times of the candles at whose close to exit. */
  exitAt: z.array(z.number()).default([]),
  /** Protective levels attached to entries, as multiples of the entry price. */
  stopRatio: z.number().positive().optional(),
  targetRatio: z.number().positive().optional(),
});
type ScriptedParams = z.output<typeof scriptedParams>;

/** Enters and exits at the candles it is told: a backtest of it has trades a person can work out by hand. */
class ScriptedStrategy extends BaseStrategy<ScriptedParams, null> {
  constructor(config: StrategyInstanceConfig, params: ScriptedParams) {
    super("test_scripted", config, params, [{ timeframe: config.timeframe ?? "1h", warmupCandles: 0 }]);
  }
  protected createState(): null {
    return null;
  }
  protected ingest(): void {}
  protected isReady(): boolean {
    return true;
  }
  protected decide(_s: null, candle: Candle, ctx: StrategyContext<ScriptedParams>): readonly Signal[] {
    const p = ctx.params;
    if (ctx.position === "none" && p.enterAt.includes(candle.openTime)) {
      const levels = { stopLoss: p.stopRatio ? candle.close * p.stopRatio : undefined, takeProfit: p.targetRatio ? candle.close * p.targetRatio : undefined };
      return [this.signal(candle, "enter_long", `scripted entry at ${candle.close}`, { close: candle.close }, levels)];
    }
    if (ctx.position === "long" && p.exitAt.includes(candle.openTime)) return [this.signal(candle, "exit_long", `scripted exit at ${candle.close}`, { close: candle.close })];
    return NO_SIGNALS;
  }
}

// ---------------------------------------------------------------- a probe strategy

export interface ProbeRecord {
  instanceId: string;
  /** "warm" or "candle". */
  phase: "warm" | "candle";
  symbol: string;
  timeframe: Timeframe;
  openTime: number;
  closeTime: number;
  now: number | null;
}

/** Every probe instance appends here (tests read and clear it). */
export const probeLog: ProbeRecord[][] = [];

const probeParams = z.strictObject({
  /** Only there to be optimised: it changes nothing. */
  knob: z.number().int().min(1).max(5).default(1).meta({ step: 1 }),
  /** Also subscribe to 1-minute candles (to see the order of the timeline). */
  minutes: z.boolean().default(false),
});
type ProbeParams = z.output<typeof probeParams>;

/** Records every candle it is given and the clock at that moment; enters on every 3rd candle, exits on the next. */
class ProbeStrategy extends BaseStrategy<ProbeParams, { n: number }> {
  readonly log: ProbeRecord[] = [];
  constructor(config: StrategyInstanceConfig, params: ProbeParams) {
    const timeframe = config.timeframe ?? "5m";
    super("test_probe", config, params, params.minutes && timeframe !== "1m" ? [{ timeframe, warmupCandles: 0 }, { timeframe: "1m", warmupCandles: 0 }] : [{ timeframe, warmupCandles: 0 }]);
    probeLog.push(this.log);
  }
  protected createState() {
    return { n: 0 };
  }
  protected ingest(): void {}
  protected isReady(): boolean {
    return true;
  }
  override warm(candle: Candle): void {
    this.log.push({ instanceId: this.instanceId, phase: "warm", symbol: candle.symbol, timeframe: candle.timeframe, openTime: candle.openTime, closeTime: candle.openTime + TIMEFRAME_MS[candle.timeframe], now: null });
    super.warm(candle);
  }
  protected decide(s: { n: number }, candle: Candle, ctx: StrategyContext<ProbeParams>): readonly Signal[] {
    this.log.push({ instanceId: this.instanceId, phase: "candle", symbol: candle.symbol, timeframe: candle.timeframe, openTime: candle.openTime, closeTime: candle.openTime + TIMEFRAME_MS[candle.timeframe], now: ctx.now });
    if (candle.timeframe !== this.timeframe) return NO_SIGNALS;
    s.n += 1;
    if (ctx.position === "none" && s.n % 3 === 0) return [this.signal(candle, "enter_long", "probe entry", {}, { stopLoss: candle.close * 0.5, takeProfit: candle.close * 2 })];
    if (ctx.position === "long") return [this.signal(candle, "exit_long", "probe exit", {})];
    return NO_SIGNALS;
  }
}

function register(definition: StrategyDefinition): void {
  try {
    getStrategyDefinition(definition.kind);
  } catch {
    registerStrategyKind(definition);
  }
}

/** Registers test_scripted and test_probe (once per test process). */
export function registerTestStrategies(): void {
  register({
    kind: "test_scripted",
    title: "Scripted (test)",
    description: "Enters and exits at given candles.",
    paramsSchema: scriptedParams,
    defaultTimeframe: "1h",
    presets: [],
    create: (config: StrategyInstanceConfig, params: unknown) => new ScriptedStrategy(config, params as ScriptedParams),
  } as unknown as StrategyDefinition);
  register({
    kind: "test_probe",
    title: "Probe (test)",
    description: "Records what it sees.",
    paramsSchema: probeParams,
    defaultTimeframe: "5m",
    presets: [],
    create: (config: StrategyInstanceConfig, params: unknown) => new ProbeStrategy(config, params as ProbeParams),
  } as unknown as StrategyDefinition);
}

/** Limits that let a test strategy trade freely (no breaker, no cooldown). */
export const RELAXED_LIMITS = {
  maxConsecutiveLosses: 1000,
  dailyLossPct: 100,
  weeklyLossPct: 100,
  maxDrawdownPct: 100,
  symbolCooldownSec: 0,
  minEntryIntervalSec: 0,
  maxTradesPerDay: 10_000,
  minEdgeOverFeesPct: 0,
} as const;
