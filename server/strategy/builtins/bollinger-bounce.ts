import { z } from "zod";
import { BollingerBands } from "../../indicators";
import type { Candle } from "../../model/types";
import { formatFixed, formatPrice } from "../format";
import { enumParam, integerParam, numberParam, protectiveParams } from "../params";
import { defineStrategy } from "../sdk";

const DEFAULT_TIMEFRAME = "15m" as const;

export const bollingerBounceParams = z.strictObject({
  period: integerParam({ title: "Band period", description: "Candles in the moving average and standard deviation.", default: 20, min: 5, max: 200 }),
  stdDevMultiplier: numberParam({ title: "Band width (σ)", description: "Standard deviations between the middle band and each outer band.", default: 2, min: 1, max: 4, step: 0.1 }),
  exitAt: enumParam({
    title: "Exit target",
    description: "Close at the middle band, or hold to the opposite band.",
    options: ["middle", "opposite"],
    default: "middle",
  }),
  ...protectiveParams,
});

export type BollingerBounceParams = z.output<typeof bollingerBounceParams>;

interface BandState {
  bands: BollingerBands;
  lastClose: number;
  /** Close and bands of the candle before the latest one. */
  previousClose: number;
  previousUpper: number;
  previousLower: number;
  /** Candles with band values; the rules compare with the previous candle's bands. */
  samples: number;
}

const PRESETS = [
  { id: "bb-20-2-15m", label: "BB 20, 2σ on 15m, exit at the middle band", timeframe: "15m", params: { period: 20, stdDevMultiplier: 2, exitAt: "middle" } },
  { id: "bb-20-2.5-1h", label: "BB 20, 2.5σ on 1h, hold to the upper band", timeframe: "1h", params: { period: 20, stdDevMultiplier: 2.5, exitAt: "opposite" } },
] as const;

function bandSignal(s: BandState, p: BollingerBounceParams, candle: Candle, what: string, tail = "") {
  const { upper, middle, lower, percentB } = s.bands.value!;
  const bands = `bands ${formatPrice(lower)} / ${formatPrice(middle)} / ${formatPrice(upper)} (BB ${p.period}, ${formatFixed(p.stdDevMultiplier)}σ), %B ${formatFixed(percentB, 2)}`;
  const data = { close: candle.close, upper, middle, lower, percentB, previousClose: s.previousClose, previousUpper: s.previousUpper, previousLower: s.previousLower };
  return { reason: `${what}; ${bands}${tail}`, data };
}

/**
 * Bollinger band bounce, written with the strategy SDK.
 * - Enter long when flat and a candle closes back inside the lower band after the previous candle
 *   closed below it (previous close < previous lower band, close ≥ lower band). The take-profit level
 *   is the target band (middle by default), unless takeProfitPct is set.
 * - Exit the long when the close reaches the target band (middle, or upper with exitAt = opposite).
 * - With allowShort, the mirror image at the upper band (target: middle, or lower band).
 */
export const bollingerBounceDefinition = defineStrategy({
  kind: "bollinger_bounce",
  title: "Bollinger band bounce",
  description:
    "Buys when price closes back inside the lower Bollinger band after closing below it, and sells at the middle band (or the upper band). " +
    "With shorting allowed, the mirror image at the upper band.",
  params: bollingerBounceParams,
  timeframe: DEFAULT_TIMEFRAME,
  warmup: (p) => p.period,
  presets: PRESETS,
  setup: (p): BandState => ({ bands: new BollingerBands(p.period, p.stdDevMultiplier), lastClose: 0, previousClose: 0, previousUpper: 0, previousLower: 0, samples: 0 }),
  update: (s, candle) => {
    if (s.samples > 0) {
      const v = s.bands.value!;
      s.previousUpper = v.upper;
      s.previousLower = v.lower;
    }
    s.previousClose = s.lastClose;
    s.lastClose = candle.close;
    if (s.bands.update(candle.close) !== undefined) s.samples++;
  },
  ready: (s) => s.samples >= 2,
  onCandle: (ctx) => {
    const { state: s, candle, params: p } = ctx;
    const { upper, middle, lower } = s.bands.value!;
    const close = candle.close;
    const toMiddle = p.exitAt === "middle";
    switch (ctx.position) {
      case "long": {
        const target = toMiddle ? middle : upper;
        if (close >= target) ctx.exit(bandSignal(s, p, candle, `Close ${formatPrice(close)} reached the ${toMiddle ? "middle" : "upper"} band ${formatPrice(target)}`));
        return;
      }
      case "short": {
        const target = toMiddle ? middle : lower;
        if (close <= target) ctx.exit(bandSignal(s, p, candle, `Close ${formatPrice(close)} reached the ${toMiddle ? "middle" : "lower"} band ${formatPrice(target)}`));
        return;
      }
      case "none":
        // Issue 16: no entry when the close already sits at or beyond its target band. There is nothing
        // left to gain, and the default take-profit would apply instead of the band, fooling the fee and
        // reward:risk checks.
        if (s.previousClose < s.previousLower && close >= lower && close < (toMiddle ? middle : upper)) {
          const target = toMiddle ? middle : upper;
          const what = `Closed back inside the lower band at ${formatPrice(close)} after ${formatPrice(s.previousClose)} < ${formatPrice(s.previousLower)}`;
          ctx.enter("long", {
            ...bandSignal(s, p, candle, what, `; entering long, target ${formatPrice(target)}`),
            stopLossPct: p.stopLossPct,
            takeProfitPct: p.takeProfitPct,
            takeProfit: p.takeProfitPct === 0 && target > close ? target : undefined,
          });
        } else if (p.allowShort && s.previousClose > s.previousUpper && close <= upper && close > (toMiddle ? middle : lower)) {
          const target = toMiddle ? middle : lower;
          const what = `Closed back inside the upper band at ${formatPrice(close)} after ${formatPrice(s.previousClose)} > ${formatPrice(s.previousUpper)}`;
          ctx.enter("short", {
            ...bandSignal(s, p, candle, what, `; entering short, target ${formatPrice(target)}`),
            stopLossPct: p.stopLossPct,
            takeProfitPct: p.takeProfitPct,
            takeProfit: p.takeProfitPct === 0 && target < close ? target : undefined,
          });
        }
    }
  },
});
