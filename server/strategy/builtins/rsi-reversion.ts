import { z } from "zod";
import { Rsi } from "../../indicators";
import type { Candle } from "../../model/types";
import { formatFixed, formatPrice } from "../format";
import { integerParam, numberParam, protectiveParams, whenFieldsValid } from "../params";
import { rsiReading } from "../readings";
import { defineStrategy } from "../sdk";

const DEFAULT_TIMEFRAME = "15m" as const;

export const rsiReversionParams = z
  .strictObject({
    rsiPeriod: integerParam({ title: "RSI period", description: "Candles in the RSI (Wilder smoothing).", default: 14, min: 2, max: 100 }),
    oversold: numberParam({ title: "Oversold level", description: "A long is opened when RSI rises back up through this level.", default: 30, min: 5, max: 50, step: 1 }),
    overbought: numberParam({ title: "Overbought level", description: "A long is closed when RSI reaches this level (shorts: opened when RSI falls back through it).", default: 70, min: 50, max: 95, step: 1 }),
    ...protectiveParams,
  })
  .superRefine((p, ctx) => {
    if (p.oversold >= p.overbought) {
      ctx.addIssue({ code: "custom", path: ["overbought"], message: `must be greater than oversold (${p.oversold}); it is ${p.overbought}` });
    }
  }, whenFieldsValid);

export type RsiReversionParams = z.output<typeof rsiReversionParams>;

interface RsiState {
  rsi: Rsi;
  current: number;
  previous: number;
  /** Candles with an RSI value; two are needed to see a crossing. */
  samples: number;
}

function rsiSignalParts(s: RsiState, candle: Candle, p: RsiReversionParams, what: string) {
  return {
    reason: `RSI(${p.rsiPeriod}) ${formatFixed(s.previous)} → ${formatFixed(s.current)} ${what}`,
    data: { rsi: s.current, previousRsi: s.previous, oversold: p.oversold, overbought: p.overbought, close: candle.close },
  };
}

/**
 * RSI mean reversion, written with the strategy SDK.
 * - Enter long when flat and RSI crosses up through `oversold` (previous < oversold ≤ current).
 * - Exit the long when RSI is at or above `overbought`.
 * - With allowShort: enter short when flat and RSI crosses down through `overbought`
 *   (previous > overbought ≥ current); exit the short when RSI is at or below `oversold`.
 * Exits are level-based rather than crossing-based so that a restart while RSI is already beyond the
 * exit level still closes the position. A window without any movement reads as a neutral 50, not as
 * TA-Lib's 0 (see rsiReading).
 */
export const rsiReversionDefinition = defineStrategy({
  kind: "rsi_reversion",
  title: "RSI mean reversion",
  description:
    "Buys when RSI climbs back up through the oversold level and sells when RSI reaches the overbought level. " +
    "With shorting allowed it also shorts when RSI falls back through the overbought level and covers at the oversold level.",
  params: rsiReversionParams,
  timeframe: DEFAULT_TIMEFRAME,
  warmup: (p) => Rsi.settlingCandles(p.rsiPeriod),
  presets: [
    { id: "rsi-14-30-70-15m", label: "RSI 14, 30/70 on 15m", timeframe: "15m", params: { rsiPeriod: 14, oversold: 30, overbought: 70 } },
    { id: "rsi-7-20-80-5m", label: "RSI 7, 20/80 on 5m (fewer, deeper dips)", timeframe: "5m", params: { rsiPeriod: 7, oversold: 20, overbought: 80 } },
  ],
  setup: (p): RsiState => ({ rsi: new Rsi(p.rsiPeriod), current: 0, previous: 0, samples: 0 }),
  update: (s, candle) => {
    s.rsi.update(candle.close);
    const value = rsiReading(s.rsi);
    if (value === undefined) return;
    s.previous = s.current;
    s.current = value;
    s.samples++;
  },
  ready: (s) => s.samples >= 2,
  onCandle: (ctx) => {
    const { state: s, candle, params: p } = ctx;
    const { current, previous } = s;
    switch (ctx.position) {
      case "long":
        if (current >= p.overbought) ctx.exit(rsiSignalParts(s, candle, p, `reached overbought ${formatFixed(p.overbought)} at ${formatPrice(candle.close)}: taking the reversion profit`));
        return;
      case "short":
        if (current <= p.oversold) ctx.exit(rsiSignalParts(s, candle, p, `reached oversold ${formatFixed(p.oversold)} at ${formatPrice(candle.close)}: covering the short`));
        return;
      case "none":
        if (previous < p.oversold && current >= p.oversold) {
          const text = `crossed up through oversold ${formatFixed(p.oversold)} at ${formatPrice(candle.close)}: entering long for a bounce`;
          ctx.enter("long", { ...rsiSignalParts(s, candle, p, text), stopLossPct: p.stopLossPct, takeProfitPct: p.takeProfitPct });
        } else if (p.allowShort && previous > p.overbought && current <= p.overbought) {
          const text = `crossed down through overbought ${formatFixed(p.overbought)} at ${formatPrice(candle.close)}: entering short for a pullback`;
          ctx.enter("short", { ...rsiSignalParts(s, candle, p, text), stopLossPct: p.stopLossPct, takeProfitPct: p.takeProfitPct });
        }
    }
  },
});
