/**
 * The strategy SDK: how a strategy is written, built-in or the trader's own (a file in STRATEGIES_DIR,
 * importing this module as "tradekeel/strategy"). One declaration gives the engine everything:
 *
 *   export default defineStrategy({
 *     kind: "my-breakout", title: "…", description: "…",
 *     params: z.strictObject({ lookback: integerParam({ … }) }),     // form, optimiser space, validation
 *     timeframe: "5m", confirm: ["1h"],                               // entries on 5m, trend from 1h
 *     warmup: (p, tf) => …,                                           // closed candles before the first decision
 *     setup: (p) => ({ high: new SlidingExtreme(p.lookback, "max"), … }),   // per-symbol state
 *     update: (s, candle, p) => { … },                                // every closed candle, warm-up included
 *     ready: (s) => …,                                                 // optional
 *     onCandle: (ctx) => { ctx.enter("long", { reason, stopLoss, … }) / ctx.exit({ reason }) / ctx.hold() },
 *   });
 *
 * What the engine guarantees (the same for built-ins and user files): only closed candles, in time order
 * per subscription, never one from the future (BaseStrategy refuses it); a candle already seen is
 * ignored; no decision before the warm-up; the signals a strategy returns are validated (SafeStrategy)
 * and go through the risk engine like every other order request. A strategy never sees the venue, the
 * database or any secret: it reads candles and its own position, and answers with signals.
 */
import { z } from "zod";
import { TIMEFRAMES, type Candle, type Signal, type SignalAction, type Timeframe } from "../model/types";
import { BaseStrategy, NO_SIGNALS, type TimeframeWarmup } from "./base-strategy";
import type { StrategyDefinition, StrategyPreset } from "./registry-types";
import type { StrategyContext, StrategyInstanceConfig, StrategyPosition, StrategySnapshot } from "./types";

export type SignalData = Record<string, number | string | boolean>;

export interface EnterOptions {
  /** Plain-language reason, built from the numbers that made the decision (shown on every signal and trade). */
  reason: string;
  /** Absolute stop price (must be on the losing side of the close). */
  stopLoss?: number;
  /** Absolute target price (on the winning side). */
  takeProfit?: number;
  /** Or: stop / target as a percentage of the close (0 or absent = not set; the risk limits' defaults apply). */
  stopLossPct?: number;
  takeProfitPct?: number;
  /** 0..1, how sure the rule is; stored as data.confidence. */
  confidence?: number;
  /** The indicator values behind the reason (numbers, strings, booleans). */
  data?: SignalData;
}

export interface ExitOptions {
  reason: string;
  data?: SignalData;
}

/** What onCandle sees: the closed candle, the instance's position and params, the symbol's state, and the three verbs. */
export interface DecisionContext<P, S> {
  readonly candle: Candle;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** The engine clock (the candle's close time in a backtest). */
  readonly now: number;
  /** This instance's position in the symbol ("none" when flat). Two instances never share a position. */
  readonly position: StrategyPosition;
  readonly entryPrice: number | undefined;
  readonly params: Readonly<P>;
  /** The symbol's state, as setup() made it and update() keeps it. */
  readonly state: S;
  /** Open a position (ignored when already in one on that side; a reversal is exit + enter). */
  enter(side: "long" | "short", options: EnterOptions): void;
  /** Close the current position; nothing happens when flat. */
  exit(options: ExitOptions): void;
  /** Decide to do nothing (the default when neither enter nor exit is called). */
  hold(reason?: string): void;
}

export interface StrategySpec<Schema extends z.ZodObject, S> {
  /** Registry id: lower case, digits, "-" or "_" (the file's kind, e.g. "my-breakout"). */
  kind: string;
  title: string;
  /** The rules in plain words, for the UI. */
  description: string;
  /** Declared once: the form, the optimiser's search space and validation all come from it. Use numberParam / integerParam / enumParam / booleanParam. */
  params: Schema;
  /** Entry timeframe (an instance may pick another). */
  timeframe: Timeframe;
  /** Other timeframes this strategy reads, e.g. ["1h"] to confirm 5m entries with the hourly trend. update() receives their candles; onCandle() runs on the entry timeframe only. */
  confirm?: readonly Timeframe[];
  /** Closed candles of a timeframe to see before the first decision (indicators settled). */
  warmup: number | ((params: z.output<Schema>, timeframe: Timeframe) => number);
  presets?: readonly StrategyPreset<z.input<Schema>>[];
  /** Per-symbol state: indicators and whatever the rule remembers. */
  setup(params: z.output<Schema>, symbol: string): S;
  /** Every closed candle of every subscribed timeframe, warm-up and live alike (check candle.timeframe). */
  update(state: S, candle: Candle, params: z.output<Schema>): void;
  /** Ready to decide (default: always, once the warm-up has passed). */
  ready?(state: S, params: z.output<Schema>): boolean;
  /** The rule: called on each live closed candle of the entry timeframe once warmed up and ready. */
  onCandle(ctx: DecisionContext<z.output<Schema>, S>): void;
  /** Optional: state that candle history cannot rebuild (JSON), saved and restored across restarts. */
  snapshot?(states: ReadonlyMap<string, S>): unknown;
  restore?(states: (symbol: string) => S | undefined, saved: unknown): void;
}

/**
 * Runs a call into strategy code under a time budget (user files: the sandbox's vm timeout); the
 * built-ins run unguarded.
 */
export type CallGuard = <T>(what: string, fn: () => T) => T;

const SDK_SPEC = Symbol.for("tradekeel.strategy.sdk-spec");

/**
 * Which spec function is running right now (set before each call into strategy code, cleared after).
 * When a call is stopped on its time budget the clearing never runs, so this names the function that
 * looped: the loader reports its line.
 */
export const runningCall: { spec: StrategySpec<z.ZodObject, unknown> | undefined; fn: "setup" | "update" | "ready" | "onCandle" | "warmup" | "snapshot" | "restore" | undefined } = {
  spec: undefined,
  fn: undefined,
};

/** A definition made by defineStrategy carries its spec (the loader and strategy:check read it). */
export type SdkDefinition<Schema extends z.ZodObject = z.ZodObject, S = unknown> = StrategyDefinition<Schema> & { readonly [SDK_SPEC]: StrategySpec<Schema, S> };

export function isSdkDefinition(value: unknown): value is SdkDefinition {
  return typeof value === "object" && value !== null && SDK_SPEC in value;
}

export function specOf(definition: SdkDefinition): StrategySpec<z.ZodObject, unknown> {
  return definition[SDK_SPEC] as StrategySpec<z.ZodObject, unknown>;
}

class DecisionBox<P, S> implements DecisionContext<P, S> {
  candle!: Candle;
  symbol = "";
  timeframe!: Timeframe;
  now = 0;
  position: StrategyPosition = "none";
  entryPrice: number | undefined;
  params!: Readonly<P>;
  state!: S;
  out: Signal[] | undefined;

  constructor(private readonly owner: SdkStrategy<P, S>) {}

  enter(side: "long" | "short", options: EnterOptions): void {
    if (side !== "long" && side !== "short") throw new TypeError(`ctx.enter: side must be "long" or "short" (got ${String(side)})`);
    if (this.position === side) return;
    (this.out ??= []).push(this.owner.entrySignal(this.candle, side, options ?? ({} as EnterOptions)));
  }

  exit(options: ExitOptions): void {
    if (this.position === "none") return;
    (this.out ??= []).push(this.owner.exitSignal(this.candle, this.position === "long" ? "exit_long" : "exit_short", options ?? ({} as ExitOptions)));
  }

  hold(): void {
    // Nothing to emit: holding is the absence of a signal.
  }
}

/** The Strategy an SDK definition creates: BaseStrategy's guarantees around the spec's four functions. */
export class SdkStrategy<P, S> extends BaseStrategy<P, S> {
  private readonly box: DecisionBox<P, S>;
  private readonly entryTimeframe: Timeframe;

  constructor(
    private readonly spec: StrategySpec<z.ZodObject, S>,
    config: StrategyInstanceConfig,
    params: Readonly<P>,
    private readonly guard?: CallGuard,
  ) {
    const entry = config.timeframe ?? spec.timeframe;
    const timeframes = [entry, ...(spec.confirm ?? []).filter((tf) => tf !== entry)];
    for (const tf of timeframes) if (!TIMEFRAMES.includes(tf)) throw new RangeError(`${spec.kind}: timeframe ${String(tf)} is not one of ${TIMEFRAMES.join(", ")}`);
    const warmupOf = (tf: Timeframe) => {
      const n = typeof spec.warmup === "function" ? (guard ? guard("warmup", () => (spec.warmup as (p: unknown, t: Timeframe) => number)(params, tf)) : spec.warmup(params as never, tf)) : spec.warmup;
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`${spec.kind}: warmup for ${tf} must be a whole number of candles ≥ 0 (got ${String(n)})`);
      return n;
    };
    const warmups: TimeframeWarmup[] = timeframes.map((timeframe) => ({ timeframe, warmupCandles: warmupOf(timeframe) }));
    super(spec.kind, config, params, warmups);
    this.entryTimeframe = entry;
    this.box = new DecisionBox(this);
  }

  override warm(candle: Candle): void {
    if (this.guard) this.guard("warm", () => super.warm(candle));
    else super.warm(candle);
  }

  override onCandle(candle: Candle, context: Parameters<BaseStrategy<P, S>["onCandle"]>[1]): readonly Signal[] {
    return this.guard ? this.guard("onCandle", () => super.onCandle(candle, context)) : super.onCandle(candle, context);
  }

  protected createState(symbol: string): S {
    runningCall.spec = this.spec;
    runningCall.fn = "setup";
    const state = this.spec.setup(this.params as never, symbol);
    runningCall.fn = undefined;
    return state;
  }

  protected ingest(state: S, candle: Candle): void {
    runningCall.spec = this.spec;
    runningCall.fn = "update";
    this.spec.update(state, candle, this.params as never);
    runningCall.fn = undefined;
  }

  protected isReady(state: S): boolean {
    if (!this.spec.ready) return true;
    runningCall.spec = this.spec;
    runningCall.fn = "ready";
    const ready = this.spec.ready(state, this.params as never);
    runningCall.fn = undefined;
    return ready;
  }

  protected decide(state: S, candle: Candle, ctx: StrategyContext<P>): readonly Signal[] {
    if (candle.timeframe !== this.entryTimeframe) return NO_SIGNALS;
    const box = this.box;
    box.candle = candle;
    box.symbol = candle.symbol;
    box.timeframe = candle.timeframe;
    box.now = ctx.now;
    box.position = ctx.position;
    box.entryPrice = ctx.entryPrice;
    box.params = ctx.params;
    box.state = state;
    box.out = undefined;
    runningCall.spec = this.spec;
    runningCall.fn = "onCandle";
    this.spec.onCandle(box as unknown as DecisionContext<never, S>);
    runningCall.fn = undefined;
    const out = box.out;
    box.out = undefined;
    return out ?? NO_SIGNALS;
  }

  /** @internal used by the decision context */
  entrySignal(candle: Candle, side: "long" | "short", o: EnterOptions): Signal {
    const pct = this.protectiveLevels(side, candle.close, o.stopLossPct ?? 0, o.takeProfitPct ?? 0);
    const levels = { stopLoss: o.stopLoss ?? pct.stopLoss, takeProfit: o.takeProfit ?? pct.takeProfit };
    const data: SignalData = { ...(o.data ?? {}) };
    if (o.confidence !== undefined) data.confidence = o.confidence;
    return this.signal(candle, side === "long" ? "enter_long" : "enter_short", String(o.reason ?? ""), data, levels);
  }

  /** @internal used by the decision context */
  exitSignal(candle: Candle, action: SignalAction, o: ExitOptions): Signal {
    return this.signal(candle, action, String(o.reason ?? ""), { ...(o.data ?? {}) });
  }

  protected override snapshotState(): unknown {
    const snapshot = this.spec.snapshot;
    if (!snapshot) return null;
    const states = new Map<string, S>();
    for (const sub of this.subscriptions) {
      const s = this.stateOf(sub.symbol);
      if (s !== undefined) states.set(sub.symbol, s);
    }
    return this.guard ? this.guard("snapshot", () => snapshot.call(this.spec, states)) : snapshot.call(this.spec, states);
  }

  protected override restoreState(saved: unknown): void {
    const restore = this.spec.restore;
    if (!restore) return super.restoreState(saved);
    const lookup = (symbol: string) => this.ensureState(symbol);
    if (this.guard) this.guard("restore", () => restore.call(this.spec, lookup, saved));
    else restore.call(this.spec, lookup, saved);
  }
}

const KIND_PATTERN = /^[a-z][a-z0-9_-]{0,47}$/;

/** Why a spec cannot be registered, or undefined. */
export function specProblem(spec: unknown): string | undefined {
  if (typeof spec !== "object" || spec === null) return "defineStrategy needs an object";
  const s = spec as Partial<StrategySpec<z.ZodObject, unknown>>;
  if (typeof s.kind !== "string" || !KIND_PATTERN.test(s.kind)) return `kind must be lower case letters, digits, "-" or "_", starting with a letter (got ${JSON.stringify(s.kind)})`;
  if (typeof s.title !== "string" || !s.title.trim()) return `${s.kind}: title is required`;
  if (typeof s.description !== "string" || !s.description.trim()) return `${s.kind}: description is required`;
  if (!(s.params instanceof z.ZodObject)) return `${s.kind}: params must be a zod object schema, e.g. z.strictObject({ … }) with numberParam / integerParam fields`;
  if (!TIMEFRAMES.includes(s.timeframe as Timeframe)) return `${s.kind}: timeframe must be one of ${TIMEFRAMES.join(", ")} (got ${JSON.stringify(s.timeframe)})`;
  for (const tf of s.confirm ?? []) if (!TIMEFRAMES.includes(tf)) return `${s.kind}: confirm timeframe ${JSON.stringify(tf)} is not one of ${TIMEFRAMES.join(", ")}`;
  if (typeof s.warmup !== "number" && typeof s.warmup !== "function") return `${s.kind}: warmup must be a number of candles or a function (params, timeframe) => number`;
  for (const fn of ["setup", "update", "onCandle"] as const) if (typeof s[fn] !== "function") return `${s.kind}: ${fn} must be a function`;
  return undefined;
}

/** Declares a strategy; the result is a registry definition (export it as the file's default). */
export function defineStrategy<Schema extends z.ZodObject, S>(spec: StrategySpec<Schema, S>, guardFor?: (instanceId: string) => CallGuard): SdkDefinition<Schema, S> {
  const problem = specProblem(spec);
  if (problem) throw new TypeError(problem);
  const definition = {
    kind: spec.kind,
    title: spec.title,
    description: spec.description,
    paramsSchema: spec.params,
    defaultTimeframe: spec.timeframe,
    presets: spec.presets ?? [],
    create: (config: StrategyInstanceConfig, params: z.output<Schema>) => new SdkStrategy<z.output<Schema>, S>(spec as never, config, params, guardFor?.(config.id)),
    [SDK_SPEC]: spec,
  };
  return definition as unknown as SdkDefinition<Schema, S>;
}

/** The same definition with every call into its code run under a per-instance guard (the loader uses this for user files). */
export function guardedDefinition(definition: SdkDefinition, guardFor: (instanceId: string) => CallGuard): SdkDefinition {
  return defineStrategy(specOf(definition), guardFor);
}

export type { StrategySnapshot };
