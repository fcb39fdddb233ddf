import { z } from "zod";
import { BollingerBands } from "../../indicators";
import type { Candle, Signal, SignalAction } from "../../model/types";
import { BaseStrategy, NO_SIGNALS } from "../base-strategy";
import { formatFixed, formatPrice } from "../format";
import { enumParam, integerParam, numberParam, protectiveParams } from "../params";
import type { StrategyDefinition } from "../registry-types";
import type { StrategyContext, StrategyInstanceConfig } from "../types";

const DEFAULT_TIMEFRAME = "15m";

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

/**
 * Bollinger band bounce.
 * - Enter long when flat and a candle closes back inside the lower band after the previous candle
 *   closed below it (previous close < previous lower band, close ≥ lower band). The take-profit level
 *   is the target band (middle by default), unless takeProfitPct is set.
 * - Exit the long when the close reaches the target band (middle, or upper with exitAt = opposite).
 * - With allowShort, the mirror image at the upper band (target: middle, or lower band).
 */
export class BollingerBounceStrategy extends BaseStrategy<BollingerBounceParams, BandState> {
  constructor(config: StrategyInstanceConfig, params: BollingerBounceParams) {
    super("bollinger_bounce", config, params, [{ timeframe: config.timeframe ?? DEFAULT_TIMEFRAME, warmupCandles: params.period }]);
  }

  protected createState(): BandState {
    return { bands: new BollingerBands(this.params.period, this.params.stdDevMultiplier), lastClose: 0, previousClose: 0, previousUpper: 0, previousLower: 0, samples: 0 };
  }

  protected ingest(s: BandState, candle: Candle): void {
    if (s.samples > 0) {
      const v = s.bands.value!;
      s.previousUpper = v.upper;
      s.previousLower = v.lower;
    }
    s.previousClose = s.lastClose;
    s.lastClose = candle.close;
    if (s.bands.update(candle.close) !== undefined) s.samples++;
  }

  protected isReady(s: BandState): boolean {
    return s.samples >= 2;
  }

  protected decide(s: BandState, candle: Candle, ctx: StrategyContext<BollingerBounceParams>): readonly Signal[] {
    const p = ctx.params;
    const { upper, middle, lower } = s.bands.value!;
    const close = candle.close;
    const toMiddle = p.exitAt === "middle";
    switch (ctx.position) {
      case "long": {
        const target = toMiddle ? middle : upper;
        if (close < target) return NO_SIGNALS;
        return [this.make(s, candle, "exit_long", `Close ${formatPrice(close)} reached the ${toMiddle ? "middle" : "upper"} band ${formatPrice(target)}`)];
      }
      case "short": {
        const target = toMiddle ? middle : lower;
        if (close > target) return NO_SIGNALS;
        return [this.make(s, candle, "exit_short", `Close ${formatPrice(close)} reached the ${toMiddle ? "middle" : "lower"} band ${formatPrice(target)}`)];
      }
      case "none":
        // Issue 16 (surgical, for whoever ports built-ins to the strategy SDK: keep this rule): no entry
        // when the close already sits at or beyond its target band. There is nothing left to gain, and the
        // default take-profit would apply instead of the band, fooling the fee and reward:risk checks.
        if (s.previousClose < s.previousLower && close >= lower && close < (toMiddle ? middle : upper)) {
          const target = toMiddle ? middle : upper;
          const levels = this.protectiveLevels("long", close, p.stopLossPct, p.takeProfitPct);
          if (p.takeProfitPct === 0 && target > close) levels.takeProfit = target;
          const what = `Closed back inside the lower band at ${formatPrice(close)} after ${formatPrice(s.previousClose)} < ${formatPrice(s.previousLower)}`;
          return [this.make(s, candle, "enter_long", what, `; entering long, target ${formatPrice(target)}`, levels)];
        }
        if (p.allowShort && s.previousClose > s.previousUpper && close <= upper && close > (toMiddle ? middle : lower)) {
          const target = toMiddle ? middle : lower;
          const levels = this.protectiveLevels("short", close, p.stopLossPct, p.takeProfitPct);
          if (p.takeProfitPct === 0 && target < close) levels.takeProfit = target;
          const what = `Closed back inside the upper band at ${formatPrice(close)} after ${formatPrice(s.previousClose)} > ${formatPrice(s.previousUpper)}`;
          return [this.make(s, candle, "enter_short", what, `; entering short, target ${formatPrice(target)}`, levels)];
        }
        return NO_SIGNALS;
    }
  }

  /** Builds the signal; only called when one is emitted, so the formatting never runs on quiet candles. */
  private make(s: BandState, candle: Candle, action: SignalAction, what: string, tail = "", levels?: { stopLoss?: number; takeProfit?: number }): Signal {
    const p = this.params;
    const { upper, middle, lower, percentB } = s.bands.value!;
    const bands = `bands ${formatPrice(lower)} / ${formatPrice(middle)} / ${formatPrice(upper)} (BB ${p.period}, ${formatFixed(p.stdDevMultiplier)}σ), %B ${formatFixed(percentB, 2)}`;
    const data = { close: candle.close, upper, middle, lower, percentB, previousClose: s.previousClose, previousUpper: s.previousUpper, previousLower: s.previousLower };
    return this.signal(candle, action, `${what}; ${bands}${tail}`, data, levels);
  }
}

export const bollingerBounceDefinition: StrategyDefinition<typeof bollingerBounceParams> = {
  kind: "bollinger_bounce",
  title: "Bollinger band bounce",
  description:
    "Buys when price closes back inside the lower Bollinger band after closing below it, and sells at the middle band (or the upper band). " +
    "With shorting allowed, the mirror image at the upper band.",
  paramsSchema: bollingerBounceParams,
  defaultTimeframe: DEFAULT_TIMEFRAME,
  presets: [
    { id: "bb-20-2-15m", label: "BB 20, 2σ on 15m, exit at the middle band", timeframe: "15m", params: { period: 20, stdDevMultiplier: 2, exitAt: "middle" } },
    { id: "bb-20-2.5-1h", label: "BB 20, 2.5σ on 1h, hold to the upper band", timeframe: "1h", params: { period: 20, stdDevMultiplier: 2.5, exitAt: "opposite" } },
  ],
  create: (config, params) => new BollingerBounceStrategy(config, params),
};
