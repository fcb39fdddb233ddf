/**
 * Example Breakout: the file `npm run strategy:new` writes. Files starting with "_" are not loaded:
 * copy it without the underscore (or run `npm run strategy:new -- NAME`) to make it yours. Edit the rule below, then restart the server (under `npm run dev` the folder is reloaded when a file is saved).
 * Check it:     npm run strategy:check -- example-breakout        (look-ahead check)
 * Backtest it:  npm run backtest -- --strategy example-breakout --csv FILE   or the dashboard's Backtest page.
 * What a strategy can and cannot do: strategies/README.md.
 */
import { Atr, SlidingExtreme, defineStrategy, formatPrice, integerParam, numberParam, z } from "tradekeel/strategy";

export default defineStrategy({
  // The kind is how instances, backtests and the API name this strategy. Keep it unique.
  kind: "example-breakout",
  title: "Example Breakout",
  description: "Goes long when the close breaks above the highest high of the last candles, exits when it falls below the lowest low.",

  // Parameters, declared once: the dashboard's form, the optimiser's search space and validation all
  // come from this schema. Every number needs a default, a min and a max (integerParam / numberParam).
  params: z.strictObject({
    lookback: integerParam({ title: "Channel length", description: "Candles in the breakout channel.", default: 20, min: 5, max: 200 }),
    stopAtr: numberParam({ title: "Stop (ATRs)", description: "Stop distance below the entry, in average true ranges; 0 = the risk limits' default.", default: 2, min: 0, max: 10, step: 0.5 }),
  }),

  // The entry timeframe (an instance may choose another). Add confirm: ["1h"] to also receive 1h candles
  // in update() (e.g. for a trend filter); onCandle() still runs on the entry timeframe only.
  timeframe: "5m",

  // Closed candles to see before the first decision, so the indicators have settled.
  warmup: (p) => p.lookback + 15,

  // Per-symbol state: the indicators and whatever the rule remembers. Keep ALL state here, never in a
  // variable outside defineStrategy: state outside is shared by every instance and leaks the future
  // into a replay (strategy:check flags it).
  setup: (p) => ({ high: new SlidingExtreme(p.lookback, true), low: new SlidingExtreme(p.lookback, false), atr: new Atr(14), channelHigh: Infinity, channelLow: 0, seen: 0 }),

  // Every closed candle, warm-up included: update the indicators. The candle is finished (closed).
  update: (s, candle, p) => {
    // The channel of the candles BEFORE this one (a close above it is a breakout).
    s.channelHigh = s.seen >= p.lookback ? s.high.current : Infinity;
    s.channelLow = s.seen >= p.lookback ? s.low.current : 0;
    s.high.push(candle.high);
    s.low.push(candle.low);
    s.atr.update(candle);
    s.seen++;
  },

  // Optional: decide only once this is true.
  ready: (s, p) => s.seen > p.lookback && s.atr.isReady,

  // The rule. ctx.position is this instance's position in ctx.symbol. Call ctx.enter / ctx.exit (or
  // ctx.hold, or nothing) with a reason a person can read: it is shown on the signal and the trade.
  onCandle: (ctx) => {
    const { candle, state, params } = ctx;
    const atr = state.atr.value ?? 0;
    if (ctx.position === "none" && candle.close > state.channelHigh) {
      ctx.enter("long", {
        reason: `close ${formatPrice(candle.close)} broke the ${params.lookback}-candle high ${formatPrice(state.channelHigh)}`,
        stopLoss: params.stopAtr > 0 && atr > 0 ? candle.close - params.stopAtr * atr : undefined,
        confidence: 0.5,
        data: { channelHigh: state.channelHigh, atr },
      });
    } else if (ctx.position === "long" && candle.close < state.channelLow) {
      ctx.exit({ reason: `close ${formatPrice(candle.close)} fell below the ${params.lookback}-candle low ${formatPrice(state.channelLow)}`, data: { channelLow: state.channelLow } });
    } else {
      ctx.hold();
    }
  },
});
