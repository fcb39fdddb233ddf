import type { Candle, Signal, SignalAction } from "../model/types";
import { errorMessage } from "../core/errors";
import { NO_SIGNALS } from "./base-strategy";
import type { CandleContext, Strategy, StrategySnapshot, StrategySubscription } from "./types";

export type StrategyPhase = "warm" | "onCandle" | "signal" | "snapshot" | "restore";

export interface StrategyErrorReport {
  instanceId: string;
  kind: string;
  phase: StrategyPhase;
  /** The candle being processed when the error happened (warm, onCandle, signal). */
  candle?: Candle;
  error: unknown;
  /** One line for the log and the error event. */
  message: string;
}

export type StrategyErrorHandler = (report: StrategyErrorReport) => void;

const ACTIONS: ReadonlySet<string> = new Set<SignalAction>(["enter_long", "exit_long", "enter_short", "exit_short"]);

const isPositivePrice = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

/** Why a signal cannot be acted on, or undefined when it is well-formed. */
export function signalProblem(signal: Signal, candle: Candle, instanceId: string): string | undefined {
  if (typeof signal !== "object" || signal === null) return "is not an object";
  if (!ACTIONS.has(signal.action)) return `has an unknown action ${String(signal.action)}`;
  if (signal.symbol !== candle.symbol) return `is for ${String(signal.symbol)} but the candle is ${candle.symbol}`;
  if (signal.strategyInstanceId !== instanceId) return `claims instance ${String(signal.strategyInstanceId)}`;
  if (typeof signal.id !== "string" || signal.id === "") return "has no id";
  if (!Number.isFinite(signal.timestamp)) return `has an invalid timestamp ${String(signal.timestamp)}`;
  if (!isPositivePrice(signal.price)) return `has an invalid price ${String(signal.price)}`;
  if (typeof signal.reason !== "string" || signal.reason.trim() === "") return "has no reason";
  if (typeof signal.data !== "object" || signal.data === null) return "has no data";
  // Own keys in Object.entries' order, without its array of pairs (every signal passes here).
  const data = signal.data as Record<string, unknown>;
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = data[key];
    if (typeof value === "number" ? !Number.isFinite(value) : typeof value !== "string" && typeof value !== "boolean") {
      return `has an invalid data.${key} = ${String(value)}`;
    }
  }
  const long = signal.action === "enter_long";
  const short = signal.action === "enter_short";
  if (signal.stopLoss !== undefined) {
    if (!isPositivePrice(signal.stopLoss)) return `has an invalid stopLoss ${String(signal.stopLoss)}`;
    if ((long && signal.stopLoss >= signal.price) || (short && signal.stopLoss <= signal.price)) {
      return `has its stopLoss ${signal.stopLoss} on the wrong side of the price ${signal.price}`;
    }
  }
  if (signal.takeProfit !== undefined) {
    if (!isPositivePrice(signal.takeProfit)) return `has an invalid takeProfit ${String(signal.takeProfit)}`;
    if ((long && signal.takeProfit <= signal.price) || (short && signal.takeProfit >= signal.price)) {
      return `has its takeProfit ${signal.takeProfit} on the wrong side of the price ${signal.price}`;
    }
  }
  return undefined;
}

/**
 * The engine's view of a strategy: every call is guarded. A throw (or a malformed signal) is reported
 * through `onError` and that candle is skipped; the strategy keeps receiving later candles. Nothing it
 * does can throw into the trading loop. It is itself a Strategy, so the engine can hold either.
 */
export class SafeStrategy<P = unknown> implements Strategy<P> {
  /** Errors reported so far (the engine may pause an instance that keeps failing). */
  errorCount = 0;

  constructor(
    readonly inner: Strategy<P>,
    private readonly onError: StrategyErrorHandler,
  ) {}

  get kind(): string {
    return this.inner.kind;
  }
  get instanceId(): string {
    return this.inner.instanceId;
  }
  get params(): Readonly<P> {
    return this.inner.params;
  }
  get subscriptions(): readonly StrategySubscription[] {
    return this.inner.subscriptions;
  }
  get warmupCandles(): number {
    return this.inner.warmupCandles;
  }

  warm(candle: Candle): void {
    try {
      this.inner.warm(candle);
    } catch (err) {
      this.report("warm", err, candle);
    }
  }

  onCandle(candle: Candle, ctx: CandleContext): readonly Signal[] {
    let signals: readonly Signal[];
    try {
      signals = this.inner.onCandle(candle, ctx);
    } catch (err) {
      this.report("onCandle", err, candle);
      return NO_SIGNALS;
    }
    if (!Array.isArray(signals)) {
      this.report("signal", new TypeError(`onCandle returned ${String(signals)} instead of an array of signals`), candle);
      return NO_SIGNALS;
    }
    if (signals.length === 0) return signals;
    let valid: Signal[] | undefined;
    for (let i = 0; i < signals.length; i++) {
      const problem = signalProblem(signals[i], candle, this.inner.instanceId);
      if (problem === undefined) {
        valid?.push(signals[i]);
        continue;
      }
      valid ??= signals.slice(0, i);
      this.report("signal", new Error(`signal ${i + 1} (${String(signals[i]?.action)}) ${problem}; dropped`), candle);
    }
    return valid ?? signals;
  }

  /** The strategy's snapshot, or undefined (reported) if taking it failed: keep the stored one then. */
  snapshot(): StrategySnapshot | undefined {
    try {
      return this.inner.snapshot();
    } catch (err) {
      this.report("snapshot", err);
      return undefined;
    }
  }

  /** Restores a snapshot; on failure reports it and returns false (the strategy starts from fresh state). */
  restore(snapshot: StrategySnapshot): boolean {
    try {
      this.inner.restore(snapshot);
      return true;
    } catch (err) {
      this.report("restore", err);
      return false;
    }
  }

  private report(phase: StrategyPhase, error: unknown, candle?: Candle): void {
    this.errorCount++;
    const where = candle ? ` on ${candle.symbol} ${candle.timeframe} candle ${new Date(candle.openTime).toISOString()}` : "";
    const report: StrategyErrorReport = {
      instanceId: this.inner.instanceId,
      kind: this.inner.kind,
      phase,
      error,
      message: `strategy ${this.inner.instanceId} (${this.inner.kind}) failed in ${phase}${where}: ${errorMessage(error)}`,
    };
    if (candle) report.candle = candle;
    try {
      this.onError(report);
    } catch {
      // A failing error handler must not break the trading loop either; the count above still records the error.
    }
  }
}

export function safeStrategy<P>(strategy: Strategy<P>, onError: StrategyErrorHandler): SafeStrategy<P> {
  return new SafeStrategy(strategy, onError);
}
