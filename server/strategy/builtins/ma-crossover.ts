import { z } from "zod";
import { Ema, Rsi, Sma } from "../../indicators";
import { formatFixed, formatPrice } from "../format";
import { enumParam, integerParam, numberParam, protectiveParams, whenFieldsValid } from "../params";
import { rsiReading } from "../readings";
import { defineStrategy } from "../sdk";

const DEFAULT_TIMEFRAME = "5m" as const;

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
 * Moving-average crossover, written with the strategy SDK (server/strategy/sdk.ts) like a user file.
 * - Fast MA crosses above the slow MA (on a closed candle): exit a short; enter long when flat (and
 *   RSI ≤ maxRsiForLong).
 * - Fast MA crosses below: exit a long; enter short when allowShort (and RSI ≥ minRsiForShort).
 * A cross is a change of side: touching the slow MA and returning is not a cross. No signal before
 * the warm-up (the EMAs and the RSI settled, see Strategy.warmupCandles).
 */
export const maCrossoverDefinition = defineStrategy({
  kind: "ma_crossover",
  title: "Moving-average crossover",
  description:
    "Goes long when the fast moving average crosses above the slow one and exits (or goes short, if allowed) when it crosses back below. " +
    "Longs are skipped when RSI is above the overbought filter, shorts when it is below the oversold filter.",
  params: maCrossoverParams,
  timeframe: DEFAULT_TIMEFRAME,
  // Enough history for both averages and the RSI to have settled (an SMA settles once it is full).
  warmup: (p) => Math.max(p.maType === "ema" ? Ema.settlingCandles(p.slowPeriod) : p.slowPeriod, Rsi.settlingCandles(p.rsiPeriod)),
  presets: [
    { id: "ema-9-21-5m", label: "EMA 9/21 on 5m (the seed proof of concept)", timeframe: "5m", params: { fastPeriod: 9, slowPeriod: 21, maType: "ema" } },
    { id: "sma-20-50-1h", label: "SMA 20/50 on 1h", timeframe: "1h", params: { fastPeriod: 20, slowPeriod: 50, maType: "sma" } },
  ],
  setup: (p): CrossState => {
    const Ma = p.maType === "ema" ? Ema : Sma;
    return { fast: new Ma(p.fastPeriod), slow: new Ma(p.slowPeriod), rsi: new Rsi(p.rsiPeriod), lastSide: 0, crossedUp: false, crossedDown: false };
  },
  update: (s, candle) => {
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
  },
  ready: (s) => s.slow.isReady && s.rsi.isReady,
  onCandle: (ctx) => {
    const { state: s, candle, params: p } = ctx;
    if (!s.crossedUp && !s.crossedDown) return;
    const label = p.maType.toUpperCase();
    const fastLabel = `${label}${p.fastPeriod}`;
    const slowLabel = `${label}${p.slowPeriod}`;
    const fast = s.fast.value!;
    const slow = s.slow.value!;
    const rsi = rsiReading(s.rsi)!;
    const direction = s.crossedUp ? "above" : "below";
    const cross = `${fastLabel} crossed ${direction} ${slowLabel} at ${formatPrice(candle.close)} (${fastLabel} ${formatPrice(fast)} ${s.crossedUp ? ">" : "<"} ${slowLabel} ${formatPrice(slow)}); RSI ${formatFixed(rsi)}`;
    const data = { fast, slow, rsi, close: candle.close, maType: p.maType, fastPeriod: p.fastPeriod, slowPeriod: p.slowPeriod, direction: s.crossedUp ? "up" : "down" };
    if (s.crossedUp) {
      if (ctx.position === "short") ctx.exit({ reason: `${cross}: closing the short`, data });
      if (ctx.position !== "long" && rsi <= p.maxRsiForLong) {
        ctx.enter("long", { reason: `${cross}: entering long`, data, stopLossPct: p.stopLossPct, takeProfitPct: p.takeProfitPct });
      }
    } else {
      if (ctx.position === "long") ctx.exit({ reason: `${cross}: closing the long`, data });
      if (p.allowShort && ctx.position !== "short" && rsi >= p.minRsiForShort) {
        ctx.enter("short", { reason: `${cross}: entering short`, data, stopLossPct: p.stopLossPct, takeProfitPct: p.takeProfitPct });
      }
    }
  },
});
