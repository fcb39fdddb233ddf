import { z } from "zod";
import { Ema, Rsi, Sma } from "../../indicators";
import type { Candle, Signal } from "../../model/types";
import { BaseStrategy, NO_SIGNALS } from "../base-strategy";
import { formatFixed, formatPrice } from "../format";
import { enumParam, integerParam, numberParam, protectiveParams, whenFieldsValid } from "../params";
import { rsiReading } from "../readings";
import type { StrategyDefinition } from "../registry-types";
import type { StrategyContext, StrategyInstanceConfig } from "../types";

const DEFAULT_TIMEFRAME = "5m";

export const maCrossoverParams = z
  .strictObject({
    fastPeriod: integerParam({ title: "Fast MA period", description: "Candles in the fast moving average.", default: 9, min: 2, max: 200 }),
    slowPeriod: integerParam({ title: "Slow MA period", description: "Candles in the slow moving average; must exceed the fast period.", default: 21, min: 3, max: 400 }),
    maType: enumParam({ title: "MA type", description: "Exponential (reacts faster) or simple moving averages.", options: ["ema", "sma"], default: "ema" }),
    rsiPeriod: integerParam({ title: "RSI period", description: "RSI reported with each signal and used by the entry filters.", default: 14, min: 2, max: 100 }),
    maxRsiForLong: numberParam({
      title: "Max RSI for a long entry",
      description: "Skip long entries when RSI is above this (already overbought); 100 disables the filter.",
      default: 70,
      min: 50,
      max: 100,
      step: 1,
    }),
    minRsiForShort: numberParam({
      title: "Min RSI for a short entry",
      description: "Skip short entries when RSI is below this (already oversold); 0 disables the filter.",
      default: 30,
      min: 0,
      max: 50,
      step: 1,
    }),
    ...protectiveParams,
  })
  .superRefine((p, ctx) => {
    if (p.fastPeriod >= p.slowPeriod) {
      ctx.addIssue({ code: "custom", path: ["slowPeriod"], message: `must be greater than fastPeriod (${p.fastPeriod}); it is ${p.slowPeriod}` });
    }
  }, whenFieldsValid);

export type MaCrossoverParams = z.output<typeof maCrossoverParams>;

interface CrossState {
  fast: Sma | Ema;
  slow: Sma | Ema;
  rsi: Rsi;
  /** Sign of (fast - slow) at the last candle where they differed: 1 above, -1 below, 0 not yet known. */
  lastSide: number;
  crossedUp: boolean;
  crossedDown: boolean;
}

/**
 * Moving-average crossover.
 * - Fast MA crosses above the slow MA (on a closed candle): exit a short; enter long when flat (and
 *   RSI ≤ maxRsiForLong).
 * - Fast MA crosses below: exit a long; enter short when allowShort (and RSI ≥ minRsiForShort).
 * A cross is a change of side: touching the slow MA and returning is not a cross. No signal before
 * the warm-up (the EMAs and the RSI settled, see Strategy.warmupCandles).
 */
export class MaCrossoverStrategy extends BaseStrategy<MaCrossoverParams, CrossState> {
  private readonly fastLabel: string;
  private readonly slowLabel: string;

  constructor(config: StrategyInstanceConfig, params: MaCrossoverParams) {
    // Enough history for both averages and the RSI to have settled (an SMA settles once it is full).
    const slowSettled = params.maType === "ema" ? Ema.settlingCandles(params.slowPeriod) : params.slowPeriod;
    const warmup = Math.max(slowSettled, Rsi.settlingCandles(params.rsiPeriod));
    super("ma_crossover", config, params, [{ timeframe: config.timeframe ?? DEFAULT_TIMEFRAME, warmupCandles: warmup }]);
    const label = params.maType.toUpperCase();
    this.fastLabel = `${label}${params.fastPeriod}`;
    this.slowLabel = `${label}${params.slowPeriod}`;
  }

  protected createState(): CrossState {
    const Ma = this.params.maType === "ema" ? Ema : Sma;
    return {
      fast: new Ma(this.params.fastPeriod),
      slow: new Ma(this.params.slowPeriod),
      rsi: new Rsi(this.params.rsiPeriod),
      lastSide: 0,
      crossedUp: false,
      crossedDown: false,
    };
  }

  protected ingest(s: CrossState, candle: Candle): void {
    const fast = s.fast.update(candle.close);
    const slow = s.slow.update(candle.close);
    s.rsi.update(candle.close);
    s.crossedUp = false;
    s.crossedDown = false;
    if (fast === undefined || slow === undefined) return;
    const side = fast > slow ? 1 : fast < slow ? -1 : 0;
    if (side === 0) return;
    s.crossedUp = side === 1 && s.lastSide === -1;
    s.crossedDown = side === -1 && s.lastSide === 1;
    s.lastSide = side;
  }

  protected isReady(s: CrossState): boolean {
    return s.slow.isReady && s.rsi.isReady;
  }

  protected decide(s: CrossState, candle: Candle, ctx: StrategyContext<MaCrossoverParams>): readonly Signal[] {
    if (!s.crossedUp && !s.crossedDown) return NO_SIGNALS;
    const p = ctx.params;
    const fast = s.fast.value!;
    const slow = s.slow.value!;
    const rsi = rsiReading(s.rsi)!;
    const direction = s.crossedUp ? "above" : "below";
    const cross = `${this.fastLabel} crossed ${direction} ${this.slowLabel} at ${formatPrice(candle.close)} (${this.fastLabel} ${formatPrice(fast)} ${s.crossedUp ? ">" : "<"} ${this.slowLabel} ${formatPrice(slow)}); RSI ${formatFixed(rsi)}`;
    const data = { fast, slow, rsi, close: candle.close, maType: p.maType, fastPeriod: p.fastPeriod, slowPeriod: p.slowPeriod, direction: s.crossedUp ? "up" : "down" };
    const out: Signal[] = [];
    if (s.crossedUp) {
      if (ctx.position === "short") out.push(this.signal(candle, "exit_short", `${cross}: closing the short`, data));
      if (ctx.position !== "long" && rsi <= p.maxRsiForLong) {
        out.push(this.signal(candle, "enter_long", `${cross}: entering long`, data, this.protectiveLevels("long", candle.close, p.stopLossPct, p.takeProfitPct)));
      }
    } else {
      if (ctx.position === "long") out.push(this.signal(candle, "exit_long", `${cross}: closing the long`, data));
      if (p.allowShort && ctx.position !== "short" && rsi >= p.minRsiForShort) {
        out.push(this.signal(candle, "enter_short", `${cross}: entering short`, data, this.protectiveLevels("short", candle.close, p.stopLossPct, p.takeProfitPct)));
      }
    }
    return out.length ? out : NO_SIGNALS;
  }
}

export const maCrossoverDefinition: StrategyDefinition<typeof maCrossoverParams> = {
  kind: "ma_crossover",
  title: "Moving-average crossover",
  description:
    "Goes long when the fast moving average crosses above the slow one and exits (or goes short, if allowed) when it crosses back below. " +
    "Longs are skipped when RSI is above the overbought filter, shorts when it is below the oversold filter.",
  paramsSchema: maCrossoverParams,
  defaultTimeframe: DEFAULT_TIMEFRAME,
  presets: [
    { id: "ema-9-21-5m", label: "EMA 9/21 on 5m (the seed proof of concept)", timeframe: "5m", params: { fastPeriod: 9, slowPeriod: 21, maType: "ema" } },
    { id: "sma-20-50-1h", label: "SMA 20/50 on 1h", timeframe: "1h", params: { fastPeriod: 20, slowPeriod: 50, maType: "sma" } },
  ],
  create: (config, params) => new MaCrossoverStrategy(config, params),
};
