import { TIMEFRAMES, TIMEFRAME_MS, type Candle, type Signal, type SignalAction, type Timeframe } from "../model/types";
import type { CandleContext, Strategy, StrategyContext, StrategyInstanceConfig, StrategyPosition, StrategySnapshot, StrategySubscription } from "./types";

/** Returned when a candle produced no signal: one shared frozen array, so the hot path allocates nothing. */
export const NO_SIGNALS: readonly Signal[] = Object.freeze([]) as readonly Signal[];

/**
 * How far the engine's clock may lag the candle's close time before the candle counts as "from the
 * future". Live kline streams mark a candle closed at about its close time and the local clock can be
 * a little behind the exchange's; a backtest that passed the open time instead of the close time is
 * still caught for every timeframe (the shortest is one minute).
 */
export const MAX_CLOCK_SKEW_MS = 5_000;

/** A candle or context the strategy refuses: nothing in the strategy changed when it is thrown. */
export class StrategyInputError extends Error {
  constructor(
    readonly instanceId: string,
    message: string,
  ) {
    super(`strategy ${instanceId}: ${message}`);
    this.name = "StrategyInputError";
  }
}

const TIMEFRAME_INDEX = Object.fromEntries(TIMEFRAMES.map((tf, i) => [tf, i])) as Record<Timeframe, number>;

interface Series<S> {
  state: S;
  /** Open time of the last candle accepted, per timeframe index. */
  lastOpenTime: Float64Array;
  /** Candles accepted (warm-up and live), per timeframe index. */
  seen: Float64Array;
}

interface MutableContext<P> {
  now: number;
  position: StrategyPosition;
  entryPrice: number | undefined;
  params: Readonly<P>;
}

export interface TimeframeWarmup {
  timeframe: Timeframe;
  warmupCandles: number;
}

/**
 * Common machinery of the built-in strategies: per-symbol state, candle validation, the no-look-ahead
 * guard, de-duplication of candles already seen, the warm-up gate (no signal until `warmupCandles`
 * candles of that timeframe came first), a reused context object and signal construction.
 * A subclass supplies createState / ingest (indicator updates, also run while warming) / isReady /
 * decide (the rules; only called on live candles once ready).
 */
export abstract class BaseStrategy<P, S> implements Strategy<P> {
  readonly instanceId: string;
  readonly timeframe: Timeframe;
  readonly subscriptions: readonly StrategySubscription[];
  readonly warmupCandles: number;
  private readonly symbols: ReadonlySet<string>;
  private readonly subscribedTimeframes: boolean[];
  /** Warm-up per timeframe index: a candle may signal once this many candles came before it. */
  private readonly warmupByTimeframe: number[];
  private readonly series = new Map<string, Series<S>>();
  private readonly ctx: MutableContext<P>;
  private readonly signalId: NonNullable<StrategyInstanceConfig["signalId"]>;

  protected constructor(
    readonly kind: string,
    config: StrategyInstanceConfig,
    readonly params: Readonly<P>,
    timeframes: readonly TimeframeWarmup[],
  ) {
    if (!config.id) throw new RangeError(`${kind}: the instance needs an id`);
    const symbols = [...new Set(config.symbols)];
    if (symbols.length === 0) throw new RangeError(`${kind} ${config.id}: the instance needs at least one symbol`);
    this.instanceId = config.id;
    this.timeframe = timeframes[0].timeframe;
    this.symbols = new Set(symbols);
    this.subscribedTimeframes = TIMEFRAMES.map((tf) => timeframes.some((t) => t.timeframe === tf));
    this.warmupByTimeframe = TIMEFRAMES.map((tf) => timeframes.find((t) => t.timeframe === tf)?.warmupCandles ?? 0);
    this.subscriptions = symbols.flatMap((symbol) => timeframes.map((t) => ({ symbol, timeframe: t.timeframe, warmupCandles: t.warmupCandles })));
    this.warmupCandles = Math.max(...timeframes.map((t) => t.warmupCandles));
    this.ctx = { now: 0, position: "none", entryPrice: undefined, params };
    this.signalId =
      config.signalId ?? (({ instanceId, symbol, timeframe, openTime, action }) => `${instanceId}:${symbol}:${timeframe}:${openTime}:${action}`);
  }

  protected abstract createState(symbol: string): S;
  /** Update indicators with a closed candle. Runs for warm-up and live candles alike. */
  protected abstract ingest(state: S, candle: Candle): void;
  protected abstract isReady(state: S): boolean;
  /** Apply the rules to the latest candle. Return NO_SIGNALS when nothing happens. */
  protected abstract decide(state: S, candle: Candle, ctx: StrategyContext<P>): readonly Signal[];

  warm(candle: Candle): void {
    const series = this.admit(candle);
    if (series) this.ingest(series.state, candle);
  }

  onCandle(candle: Candle, context: CandleContext): readonly Signal[] {
    this.checkContext(candle, context);
    const series = this.admit(candle);
    if (!series) return NO_SIGNALS;
    this.ingest(series.state, candle);
    const tfIndex = TIMEFRAME_INDEX[candle.timeframe];
    if (series.seen[tfIndex] <= this.warmupByTimeframe[tfIndex] || !this.isReady(series.state)) return NO_SIGNALS;
    const ctx = this.ctx;
    ctx.now = context.now;
    ctx.position = context.position;
    ctx.entryPrice = context.entryPrice;
    return this.decide(series.state, candle, ctx);
  }

  snapshot(): StrategySnapshot {
    return { kind: this.kind, version: 1, state: this.snapshotState() };
  }

  restore(snapshot: StrategySnapshot): void {
    if (!snapshot || snapshot.kind !== this.kind) {
      throw new StrategyInputError(this.instanceId, `cannot restore a "${String(snapshot?.kind)}" snapshot into a "${this.kind}" strategy`);
    }
    if (snapshot.version !== 1) throw new StrategyInputError(this.instanceId, `unsupported snapshot version ${String(snapshot.version)}`);
    this.restoreState(snapshot.state);
  }

  /** State that candle history cannot rebuild; null when re-warming is enough (the default). */
  protected snapshotState(): unknown {
    return null;
  }

  protected restoreState(state: unknown): void {
    if (state !== null && state !== undefined) {
      throw new StrategyInputError(this.instanceId, `a ${this.kind} strategy keeps no state between runs, but the snapshot holds some`);
    }
  }

  /** The state of a symbol; undefined before its first candle. */
  protected stateOf(symbol: string): S | undefined {
    return this.series.get(symbol)?.state;
  }

  /** The state of a configured symbol, created if needed (for restore()); undefined for other symbols. */
  protected ensureState(symbol: string): S | undefined {
    if (!this.symbols.has(symbol)) return undefined;
    return (this.series.get(symbol) ?? this.newSeries(symbol)).state;
  }

  private newSeries(symbol: string): Series<S> {
    if (!this.symbols.has(symbol)) throw new StrategyInputError(this.instanceId, `not subscribed to ${symbol}`);
    const series: Series<S> = {
      state: this.createState(symbol),
      lastOpenTime: new Float64Array(TIMEFRAMES.length).fill(Number.NEGATIVE_INFINITY),
      seen: new Float64Array(TIMEFRAMES.length),
    };
    this.series.set(symbol, series);
    return series;
  }

  protected signal(
    candle: Candle,
    action: SignalAction,
    reason: string,
    data: Record<string, number | string | boolean>,
    levels?: { stopLoss?: number; takeProfit?: number },
  ): Signal {
    const signal: Signal = {
      id: this.signalId({ instanceId: this.instanceId, symbol: candle.symbol, timeframe: candle.timeframe, openTime: candle.openTime, action }),
      timestamp: this.ctx.now,
      strategyInstanceId: this.instanceId,
      symbol: candle.symbol,
      timeframe: candle.timeframe,
      action,
      price: candle.close,
      reason,
      data,
    };
    if (levels?.stopLoss !== undefined) signal.stopLoss = levels.stopLoss;
    if (levels?.takeProfit !== undefined) signal.takeProfit = levels.takeProfit;
    return signal;
  }

  /** Stop-loss / take-profit prices for an entry at `price` from percentage params (0 = not set). */
  protected protectiveLevels(side: "long" | "short", price: number, stopLossPct: number, takeProfitPct: number) {
    const direction = side === "long" ? 1 : -1;
    return {
      stopLoss: stopLossPct > 0 ? price * (1 - (direction * stopLossPct) / 100) : undefined,
      takeProfit: takeProfitPct > 0 ? price * (1 + (direction * takeProfitPct) / 100) : undefined,
    };
  }

  private checkContext(candle: Candle, context: CandleContext): void {
    if (!context || !Number.isFinite(context.now)) {
      throw new StrategyInputError(this.instanceId, `context.now must be a finite time in ms (got ${String(context?.now)})`);
    }
    const position = context.position;
    if (position !== "none" && position !== "long" && position !== "short") {
      throw new StrategyInputError(this.instanceId, `context.position must be long, short or none (got ${String(context.position)})`);
    }
    if (context.position !== "none" && !(context.entryPrice === undefined || (Number.isFinite(context.entryPrice) && context.entryPrice > 0))) {
      throw new StrategyInputError(this.instanceId, `context.entryPrice must be a positive price (got ${String(context.entryPrice)})`);
    }
    const closeTime = candle.openTime + TIMEFRAME_MS[candle.timeframe];
    if (context.now + MAX_CLOCK_SKEW_MS < closeTime) {
      throw new StrategyInputError(
        this.instanceId,
        `${candle.symbol} ${candle.timeframe} candle opened at ${new Date(candle.openTime).toISOString()} closes at ${new Date(closeTime).toISOString()}, after now (${new Date(context.now).toISOString()}): refusing to look into the future`,
      );
    }
  }

  /** Validates the candle; returns its series, or undefined when it was already seen. */
  private admit(candle: Candle): Series<S> | undefined {
    const { symbol, timeframe } = candle;
    if (!candle.closed) {
      throw new StrategyInputError(this.instanceId, `${symbol} ${timeframe} candle at ${candle.openTime} is still forming: strategies only receive closed candles`);
    }
    const tfIndex = TIMEFRAME_INDEX[timeframe];
    if (tfIndex === undefined || !this.subscribedTimeframes[tfIndex]) {
      throw new StrategyInputError(this.instanceId, `not subscribed to ${symbol} ${String(timeframe)} candles`);
    }
    const { open, high, low, close, volume, openTime } = candle;
    if (!Number.isFinite(openTime) || !Number.isFinite(open) || !Number.isFinite(high) || !Number.isFinite(low) || !Number.isFinite(close)) {
      throw new StrategyInputError(this.instanceId, `${symbol} ${timeframe} candle has a non-finite field (openTime ${openTime}, open ${open}, high ${high}, low ${low}, close ${close})`);
    }
    if (!(Number.isFinite(volume) && volume >= 0)) {
      throw new StrategyInputError(this.instanceId, `${symbol} ${timeframe} candle at ${openTime} has an invalid volume ${volume}`);
    }
    if (high < low || close <= 0 || low <= 0) {
      throw new StrategyInputError(this.instanceId, `${symbol} ${timeframe} candle at ${openTime} is malformed (high ${high}, low ${low}, close ${close})`);
    }
    const series = this.series.get(symbol) ?? this.newSeries(symbol);
    if (openTime <= series.lastOpenTime[tfIndex]) return undefined;
    series.lastOpenTime[tfIndex] = openTime;
    series.seen[tfIndex]++;
    return series;
  }
}
