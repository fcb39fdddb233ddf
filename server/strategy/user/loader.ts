import { existsSync, readFileSync, readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { TIMEFRAME_MS, type Candle } from "../../model/types";
import { getStrategyDefinition, markUserStrategiesLoaded, registerStrategyKind, setUserStrategyLoader, strategySourceOf, unregisterStrategyKind } from "../registry";
import type { StrategyDefinition } from "../registry-types";
import { guardedDefinition, isSdkDefinition, runningCall, specOf, specProblem, type CallGuard, type SdkDefinition } from "../sdk";
import { parseParams } from "../params";
import { CALL_BUDGET_MS, LOAD_BUDGET_MS, StrategySandbox, StrategyFileError, compileStrategy, type FilePhase } from "./sandbox";

/**
 * The trader's strategies folder (STRATEGIES_DIR, default ./strategies): every *.ts / *.js file in it
 * (not *.d.ts, not files starting with "_" or ".", not *.test.ts) is compiled, evaluated in a sandbox,
 * validated, given a short smoke run on generated candles, and registered under its kind beside the
 * built-ins. A file that fails any step is listed with its file, line and reason and registers
 * nothing; the other files and the server are unaffected.
 */

export interface StrategyFileProblem {
  file: string;
  /** Path relative to the strategies folder, for display. */
  name: string;
  phase: FilePhase;
  line?: number;
  column?: number;
  message: string;
  /** The kind, when the file got far enough to declare one. */
  kind?: string;
  at: number;
}

/** A call into a loaded user strategy that failed while it was running (thrown, or stopped on its time budget). */
export interface StrategyRuntimeFault extends StrategyFileProblem {
  instanceId: string;
  /** The instance was stopped (it ran over its time budget): it returns no more signals until it is re-created. */
  stopped: boolean;
}

export interface UserStrategiesStatus {
  dir: string;
  /** The folder exists. */
  present: boolean;
  loaded: Array<{ kind: string; file: string; name: string; loadedAt: number }>;
  errors: StrategyFileProblem[];
  /** The most recent runtime faults, newest first (at most 50). */
  faults: StrategyRuntimeFault[];
}

export interface UserStrategyOptions {
  dir?: string;
  callBudgetMs?: number;
  loadBudgetMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

interface LoaderState {
  options: UserStrategyOptions;
  status: UserStrategiesStatus;
  watcher?: FSWatcher;
}

const STATE_KEY = Symbol.for("tradekeel.strategy.user-loader");
const state: LoaderState = ((globalThis as Record<symbol, unknown>)[STATE_KEY] as LoaderState | undefined) ?? {
  options: {},
  status: { dir: "", present: false, loaded: [], errors: [], faults: [] },
};
(globalThis as Record<symbol, unknown>)[STATE_KEY] = state;

const MAX_FAULTS = 50;

function resolvedDir(options: UserStrategyOptions): string {
  return path.resolve(options.dir ?? process.env.STRATEGIES_DIR ?? "./strategies");
}

/**
 * Sets where the strategies are and the budgets (the server calls it with config.strategies.dir before
 * anything is created). The folder is also put in process.env.STRATEGIES_DIR so backtest worker threads,
 * which inherit the environment, load the same files.
 */
export function configureUserStrategies(options: UserStrategyOptions): void {
  state.options = { ...state.options, ...options };
  process.env.STRATEGIES_DIR = resolvedDir(state.options);
}

export function userStrategiesStatus(): UserStrategiesStatus {
  return { ...state.status, loaded: [...state.status.loaded], errors: [...state.status.errors], faults: [...state.status.faults] };
}

/** Files the folder holds that the loader reads. */
export function strategyFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith(".d.ts") && !/\.test\.[mc]?[jt]s$/.test(f) && !f.startsWith("_") && !f.startsWith("."))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** A seeded random walk of closed candles (the smoke run's input and strategy:check's fallback history). */
export function generatedCandles(symbol: string, timeframe: Candle["timeframe"], count: number, seed = 7, start = Date.UTC(2026, 0, 1)): Candle[] {
  let x = seed >>> 0 || 1;
  const random = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const step = TIMEFRAME_MS[timeframe];
  const out: Candle[] = [];
  let price = 100;
  for (let i = 0; i < count; i++) {
    const open = price;
    const close = Math.max(1, open * (1 + (random() - 0.5) * 0.02 + Math.sin(i / 40) * 0.002));
    const high = Math.max(open, close) * (1 + random() * 0.004);
    const low = Math.min(open, close) * (1 - random() * 0.004);
    out.push({ symbol, timeframe, openTime: start + i * step, open, high, low, close, volume: 10 + random() * 90, closed: true });
    price = close;
  }
  return out;
}

function problemOf(err: unknown, file: string, dir: string, now: number, kind?: string): StrategyFileProblem {
  const e = err instanceof StrategyFileError ? err : new StrategyFileError(file, "load", String((err as Error)?.message ?? err));
  const out: StrategyFileProblem = { file, name: path.relative(dir, file), phase: e.phase, message: e.detail, at: now };
  if (e.line !== undefined) out.line = e.line;
  if (e.column !== undefined) out.column = e.column;
  if (kind) out.kind = kind;
  return out;
}

/**
 * Smoke run: an instance with the default params on generated candles of every timeframe it reads,
 * warm-up plus 60 decisions, flat and then long. Catches a file that throws or loops on ordinary input
 * before any instance of it trades.
 */
function smokeRun(definition: StrategyDefinition, file: string): void {
  let params: unknown;
  try {
    params = parseParams(definition.kind, definition.paramsSchema, {});
  } catch {
    return; // a required parameter without default: nothing to run with; instances are validated when created
  }
  const strategy = definition.create({ id: `smoke:${definition.kind}`, symbols: ["SMOKE/USDT"], timeframe: definition.defaultTimeframe }, params as never);
  const timeframes = [...new Set(strategy.subscriptions.map((s) => s.timeframe))];
  const entry = definition.defaultTimeframe;
  const decisions = 60;
  const span = (strategy.warmupCandles + decisions + 1) * TIMEFRAME_MS[entry];
  const start = Date.UTC(2026, 0, 1);
  const candles = timeframes
    .flatMap((tf) => generatedCandles("SMOKE/USDT", tf, Math.ceil(span / TIMEFRAME_MS[tf]) + 1, 11, start))
    .sort((a, b) => a.openTime + TIMEFRAME_MS[a.timeframe] - (b.openTime + TIMEFRAME_MS[b.timeframe]));
  const warmUntil = start + strategy.warmupCandles * TIMEFRAME_MS[entry];
  let i = 0;
  for (const candle of candles) {
    const closeTime = candle.openTime + TIMEFRAME_MS[candle.timeframe];
    if (candle.openTime < warmUntil) strategy.warm(candle);
    else {
      const long = i++ >= decisions / 2;
      strategy.onCandle(candle, { now: closeTime, position: long ? "long" : "none", entryPrice: long ? candle.close : undefined });
    }
  }
  void file;
}

function loadFile(
  file: string,
  options: Required<Pick<UserStrategyOptions, "callBudgetMs" | "loadBudgetMs">> & UserStrategyOptions,
  dir: string,
  now: number,
  recordFault: (fault: StrategyRuntimeFault) => void,
  { smoke = true, register = true } = {},
) {
  const source = readFileSync(file, "utf8");
  const compiled = compileStrategy(file, source);
  const sandbox = new StrategySandbox(compiled, { callBudgetMs: options.callBudgetMs, loadBudgetMs: options.loadBudgetMs, log: options.log });
  const exported = sandbox.exports.default ?? sandbox.exports.strategy;
  if (!isSdkDefinition(exported)) {
    const problem = specProblem(exported);
    throw new StrategyFileError(
      file,
      "validate",
      exported === undefined ? 'the file has no default export: end it with `export default defineStrategy({ … })` (import defineStrategy from "tradekeel/strategy")' : `the default export is not a defineStrategy(…) result${problem ? `: ${problem}` : ""}`,
    );
  }
  const kind = exported.kind;
  const ownSpec = specOf(exported);
  sandbox.runningFunction = () => (runningCall.spec === ownSpec && runningCall.fn ? { name: runningCall.fn, fn: ownSpec[runningCall.fn as keyof typeof ownSpec] } : undefined);
  const existing = strategySourceOf(kind);
  if (register && existing && !(existing.type === "user" && existing.file === file)) {
    throw new StrategyFileError(file, "validate", existing.type === "builtin" ? `kind "${kind}" is a built-in strategy: pick another kind` : `kind "${kind}" is already defined by ${path.relative(dir, existing.file)}`);
  }
  const guardFor = (instanceId: string): CallGuard => {
    let stopped: StrategyFileError | undefined;
    return <T>(what: string, fn: () => T): T => {
      if (stopped) throw stopped;
      try {
        return sandbox.run(fn, "run");
      } catch (err) {
        const located = sandbox.locate(err, "run");
        if (located.timedOut) stopped = new StrategyFileError(file, "run", `was stopped earlier for running over its ${options.callBudgetMs} ms time budget; re-create the instance after fixing the file`, undefined, undefined, true);
        if (!instanceId.startsWith("smoke:")) recordFault({ ...problemOf(located, file, dir, (options.now ?? Date.now)(), kind), instanceId, stopped: located.timedOut, message: `${what}: ${located.detail}` });
        throw located;
      }
    };
  };
  const guarded = guardedDefinition(exported as SdkDefinition, guardFor) as unknown as StrategyDefinition;
  try {
    if (smoke) smokeRun(guarded, file);
  } catch (err) {
    const located = err instanceof StrategyFileError ? err : sandbox.locate(err, "smoke");
    throw new StrategyFileError(file, "smoke", `failed its smoke run on generated candles: ${located.detail}`, located.line, located.column, located.timedOut);
  }
  void now;
  return { kind, definition: guarded };
}

/**
 * A kind's definition from a fresh evaluation of its file (its module-level variables start empty),
 * not registered: strategy:check uses it to replay with nothing carried over. Built-ins: the registered one.
 */
export function freshDefinition(kind: string): StrategyDefinition {
  const source = strategySourceOf(kind);
  if (source?.type !== "user") return getStrategyDefinition(kind);
  const opts = { callBudgetMs: CALL_BUDGET_MS, loadBudgetMs: LOAD_BUDGET_MS, ...state.options };
  return loadFile(source.file, opts, path.dirname(source.file), (opts.now ?? Date.now)(), () => {}, { smoke: false, register: false }).definition;
}

/**
 * (Re)loads every file of the folder: user kinds loaded before are removed first, so an edited file
 * replaces its kind and a deleted one disappears. Instances already running keep the code they were
 * created with until they are re-created. Never throws.
 */
export function loadUserStrategies(options: UserStrategyOptions = {}): UserStrategiesStatus {
  if (Object.keys(options).length) configureUserStrategies(options);
  const opts = { callBudgetMs: CALL_BUDGET_MS, loadBudgetMs: LOAD_BUDGET_MS, ...state.options };
  const dir = resolvedDir(opts);
  const now = (opts.now ?? Date.now)();
  markUserStrategiesLoaded();
  for (const previous of state.status.loaded) unregisterStrategyKind(previous.kind);
  const status: UserStrategiesStatus = { dir, present: existsSync(dir), loaded: [], errors: [], faults: state.status.faults };
  const recordFault = (fault: StrategyRuntimeFault) => {
    status.faults.unshift(fault);
    if (status.faults.length > MAX_FAULTS) status.faults.length = MAX_FAULTS;
  };
  let files: string[] = [];
  try {
    files = strategyFiles(dir);
  } catch (err) {
    status.errors.push({ file: dir, name: dir, phase: "load", message: `cannot read the strategies folder: ${(err as Error).message}`, at: now });
  }
  for (const file of files) {
    try {
      const { kind, definition } = loadFile(file, opts, dir, now, recordFault);
      registerStrategyKind(definition, { type: "user", file });
      status.loaded.push({ kind, file, name: path.relative(dir, file), loadedAt: now });
    } catch (err) {
      status.errors.push(problemOf(err, file, dir, now));
    }
  }
  state.status = status;
  for (const e of status.errors) opts.log?.(`strategy file ${e.name}${e.line ? `:${e.line}` : ""} not loaded (${e.phase}): ${e.message}`);
  return userStrategiesStatus();
}

/**
 * Reloads the folder when a file in it changes (for `npm run dev`); returns a function that stops
 * watching. `onReload` receives the new status (the caller may restart instances of changed kinds).
 */
export function watchUserStrategies(onReload?: (status: UserStrategiesStatus) => void, debounceMs = 200): () => void {
  const dir = resolvedDir(state.options);
  if (!existsSync(dir)) return () => {};
  state.watcher?.close();
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        // Not onReload?.(loadUserStrategies()): an absent callback would skip evaluating the reload itself.
        const status = loadUserStrategies();
        onReload?.(status);
      } catch (err) {
        state.options.log?.(`strategies folder reload failed: ${(err as Error).message}`);
      }
    }, debounceMs);
    timer.unref?.();
  });
  watcher.unref?.();
  state.watcher = watcher;
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
    if (state.watcher === watcher) state.watcher = undefined;
  };
}

// The registry loads the folder on its first lookup or listing, in every process and worker thread
// that uses it (the backtest workers included), unless the server loaded it eagerly first.
setUserStrategyLoader(() => {
  loadUserStrategies();
});
