import { z } from "zod";
import { Rsi } from "../../indicators";
import type { Candle, Signal, SignalAction } from "../../model/types";
import { BaseStrategy, NO_SIGNALS } from "../base-strategy";
import { formatFixed, formatPrice } from "../format";
import { integerParam, numberParam, protectiveParams, whenFieldsValid } from "../params";
import { rsiReading } from "../readings";
import type { StrategyDefinition } from "../registry-types";
import type { StrategyContext, StrategyInstanceConfig } from "../types";

const DEFAULT_TIMEFRAME = "15m";

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

/**
 * RSI mean reversion.
 * - Enter long when flat and RSI crosses up through `oversold` (previous < oversold ≤ current).
 * - Exit the long when RSI is at or above `overbought`.
 * - With allowShort: enter short when flat and RSI crosses down through `overbought`
 *   (previous > overbought ≥ current); exit the short when RSI is at or below `oversold`.
 * Exits are level-based rather than crossing-based so that a restart while RSI is already beyond the
 * exit level still closes the position. A window without any movement reads as a neutral 50, not as
 * TA-Lib's 0 (see rsiReading).
 */
export class RsiReversionStrategy extends BaseStrategy<RsiReversionParams, RsiState> {
  constructor(config: StrategyInstanceConfig, params: RsiReversionParams) {
    super("rsi_reversion", config, params, [{ timeframe: config.timeframe ?? DEFAULT_TIMEFRAME, warmupCandles: Rsi.settlingCandles(params.rsiPeriod) }]);
  }

  protected createState(): RsiState {
    return { rsi: new Rsi(this.params.rsiPeriod), current: 0, previous: 0, samples: 0 };
  }

  protected ingest(s: RsiState, candle: Candle): void {
    s.rsi.update(candle.close);
    const value = rsiReading(s.rsi);
    if (value === undefined) return;
    s.previous = s.current;
    s.current = value;
    s.samples++;
  }

  protected isReady(s: RsiState): boolean {
    return s.samples >= 2;
  }

  protected decide(s: RsiState, candle: Candle, ctx: StrategyContext<RsiReversionParams>): readonly Signal[] {
    const p = ctx.params;
    const { current, previous } = s;
    switch (ctx.position) {
      case "long":
        if (current < p.overbought) return NO_SIGNALS;
        return [this.make(s, candle, p, "exit_long", `reached overbought ${formatFixed(p.overbought)} at ${formatPrice(candle.close)}: taking the reversion profit`)];
      case "short":
        if (current > p.oversold) return NO_SIGNALS;
        return [this.make(s, candle, p, "exit_short", `reached oversold ${formatFixed(p.oversold)} at ${formatPrice(candle.close)}: covering the short`)];
      case "none":
        if (previous < p.oversold && current >= p.oversold) {
          const text = `crossed up through oversold ${formatFixed(p.oversold)} at ${formatPrice(candle.close)}: entering long for a bounce`;
          return [this.make(s, candle, p, "enter_long", text, this.protectiveLevels("long", candle.close, p.stopLossPct, p.takeProfitPct))];
        }
        if (p.allowShort && previous > p.overbought && current <= p.overbought) {
          const text = `crossed down through overbought ${formatFixed(p.overbought)} at ${formatPrice(candle.close)}: entering short for a pullback`;
          return [this.make(s, candle, p, "enter_short", text, this.protectiveLevels("short", candle.close, p.stopLossPct, p.takeProfitPct))];
        }
        return NO_SIGNALS;
    }
  }

  private make(s: RsiState, candle: Candle, p: RsiReversionParams, action: SignalAction, what: string, levels?: { stopLoss?: number; takeProfit?: number }): Signal {
    const reason = `RSI(${p.rsiPeriod}) ${formatFixed(s.previous)} → ${formatFixed(s.current)} ${what}`;
    const data = { rsi: s.current, previousRsi: s.previous, oversold: p.oversold, overbought: p.overbought, close: candle.close };
    return this.signal(candle, action, reason, data, levels);
  }
}

export const rsiReversionDefinition: StrategyDefinition<typeof rsiReversionParams> = {
  kind: "rsi_reversion",
  title: "RSI mean reversion",
  description:
    "Buys when RSI climbs back up through the oversold level and sells when RSI reaches the overbought level. " +
    "With shorting allowed it also shorts when RSI falls back through the overbought level and covers at the oversold level.",
  paramsSchema: rsiReversionParams,
  defaultTimeframe: DEFAULT_TIMEFRAME,
  presets: [
    { id: "rsi-14-30-70-15m", label: "RSI 14, 30/70 on 15m", timeframe: "15m", params: { rsiPeriod: 14, oversold: 30, overbought: 70 } },
    { id: "rsi-7-20-80-5m", label: "RSI 7, 20/80 on 5m (fewer, deeper dips)", timeframe: "5m", params: { rsiPeriod: 7, oversold: 20, overbought: 80 } },
  ],
  create: (config, params) => new RsiReversionStrategy(config, params),
};
