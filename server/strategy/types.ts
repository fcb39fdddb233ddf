import type { Candle, PositionSide, Signal, Timeframe } from "../model/types";

/** This instance's exposure in the candle's symbol, as the engine knows it when the candle closes. */
export type StrategyPosition = PositionSide | "none";

/**
 * What the engine tells a strategy with each closed candle. The engine may reuse one object and
 * overwrite its fields between calls; strategies must not keep a reference to it.
 */
export interface CandleContext {
  /** Current time (epoch ms) from the engine's clock: the candle's close time in a backtest. */
  readonly now: number;
  /** This instance's position in `candle.symbol`. */
  readonly position: StrategyPosition;
  /** Average entry price of that position; undefined when flat. */
  readonly entryPrice: number | undefined;
}

/** The context a strategy's own logic sees: the engine's context plus the instance's validated params. */
export interface StrategyContext<P> extends CandleContext {
  readonly params: Readonly<P>;
}

export interface StrategySubscription {
  symbol: string;
  timeframe: Timeframe;
  /**
   * Closed candles of this subscription to feed through warm() on start. It covers the indicators'
   * settling time (EMA and Wilder averages depend on where they started; after this many candles
   * they agree with a long-running instance), so a restarted instance decides like one that never
   * stopped. The strategy emits no signal before it has seen this many candles: the next candle after
   * them is the first that can produce one.
   */
  warmupCandles: number;
}

/**
 * State a strategy cannot re-derive from candle history (for the built-ins: only the token-unlock
 * strategy's memory of what it already did). JSON-serialisable; stored in StrategyInstance.state.
 */
export interface StrategySnapshot {
  kind: string;
  version: number;
  state: unknown;
}

/**
 * A running strategy instance. Lifecycle in the engine:
 *   1. createStrategy(...)  2. restore(savedSnapshot) if one exists
 *   3. warm(candle) for the last `warmupCandles` closed candles of each subscription, oldest first
 *   4. onCandle(candle, ctx) for every closed candle from then on; persist snapshot() when it changes
 *      (after any candle that produced signals is enough).
 * Candles must arrive in time order per subscription; a candle the strategy has already seen (same or
 * older open time) is ignored, so overlapping history and live feeds are harmless.
 */
export interface Strategy<P = unknown> {
  readonly kind: string;
  readonly instanceId: string;
  readonly params: Readonly<P>;
  readonly subscriptions: readonly StrategySubscription[];
  /** Largest warm-up over the subscriptions (see StrategySubscription.warmupCandles). */
  readonly warmupCandles: number;
  /** Feed a historical closed candle: updates indicators, never emits signals. */
  warm(candle: Candle): void;
  /** Feed a closed candle; returns the signals it produced (a shared empty array when none). */
  onCandle(candle: Candle, ctx: CandleContext): readonly Signal[];
  /** State to persist; undefined means "nothing new to save" (keep what is stored). */
  snapshot(): StrategySnapshot | undefined;
  restore(snapshot: StrategySnapshot): void;
}

/** How the engine identifies an instance when it creates one. */
export interface StrategyInstanceConfig {
  id: string;
  symbols: readonly string[];
  /** Defaults to the kind's default timeframe. */
  timeframe?: Timeframe;
  /**
   * Signal id source. Default: deterministic `${instanceId}:${symbol}:${timeframe}:${openTime}:${action}`,
   * unique per instance and candle, and identical between two runs of the same backtest.
   */
  signalId?: (parts: { instanceId: string; symbol: string; timeframe: Timeframe; openTime: number; action: Signal["action"] }) => string;
}
