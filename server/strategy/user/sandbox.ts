import { transformSync, type TransformFailure } from "esbuild";
import { Session } from "node:inspector";
import path from "node:path";
import vm from "node:vm";
import * as zod from "zod";
import * as sdk from "../public";

/**
 * Runs a strategy file from STRATEGIES_DIR: TypeScript compiled with esbuild (the compiler tsx uses),
 * evaluated in its own `vm` context, and every later call into it (warm, onCandle, snapshot…) run
 * through `vm` with a time budget, so a strategy that loops is interrupted (V8 terminates the script)
 * and reported while the engine keeps running.
 *
 * The context has the language's own globals and a `console`, nothing else: no `process`, no
 * `require` beyond "tradekeel/strategy" and "zod", no timers, no network, no file system. That keeps
 * honest mistakes (an import of the exchange client, reading an environment variable) out of a
 * strategy; it is not a security boundary against deliberately hostile code (Node's vm is not one):
 * run files you wrote or read.
 *
 * Cost: a call with a time budget costs about 0.09 ms (Node starts a watchdog per timed call), once
 * per candle per user instance; the built-ins are not wrapped. Measured in strategies/README.md.
 */

/** Default time budget of one call into a user strategy (one candle): generous, so a loaded machine or a GC pause never stops an honest strategy; a loop is stopped at its first overrun, so the engine waits this long once. */
export const CALL_BUDGET_MS = 1_000;
/** Default time budget of evaluating a file's top level. */
export const LOAD_BUDGET_MS = 2_000;

export type FilePhase = "compile" | "load" | "validate" | "smoke" | "run";

/** A problem in a strategy file, located in the file the trader wrote (line and column are 1-based). */
export class StrategyFileError extends Error {
  constructor(
    readonly file: string,
    readonly phase: FilePhase,
    message: string,
    readonly line?: number,
    readonly column?: number,
    readonly timedOut = false,
  ) {
    super(`${path.basename(file)}${line ? `:${line}${column ? `:${column}` : ""}` : ""}: ${message}`);
    this.name = "StrategyFileError";
  }
  /** The message without the location prefix. */
  get detail(): string {
    return this.message.slice(this.message.indexOf(": ") + 2);
  }
}

const ALLOWED_IMPORTS = ["tradekeel/strategy", "zod"];
const WRAPPER_HEAD = "(function (exports, require, module) {";

// ---- source maps: just enough of the format to map a generated line:column back to the source line.

const VLQ = new Map([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]));

type Segment = [genColumn: number, sourceLine: number, sourceColumn: number];

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let srcLine = 0;
  let srcCol = 0;
  let srcIndex = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let genCol = 0;
    for (const seg of lineText.split(",")) {
      if (!seg) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = VLQ.get(ch) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      genCol += values[0] ?? 0;
      if (values.length >= 4) {
        srcIndex += values[1];
        srcLine += values[2];
        srcCol += values[3];
        segments.push([genCol, srcLine, srcCol]);
      }
    }
    lines.push(segments);
  }
  void srcIndex;
  return lines;
}

export interface CompiledFile {
  file: string;
  code: string;
  map: Segment[][];
}

/** Compiles a file's source; a syntax error becomes a StrategyFileError at its line and column. */
export function compileStrategy(file: string, source: string): CompiledFile {
  const ext = path.extname(file).toLowerCase();
  const loader = ext === ".js" || ext === ".mjs" ? "js" : "ts";
  try {
    const out = transformSync(source, { loader, format: "cjs", target: "es2022", sourcefile: file, sourcemap: "external", logLevel: "silent" });
    const map = JSON.parse(out.map) as { mappings: string };
    return { file, code: out.code, map: decodeMappings(map.mappings) };
  } catch (err) {
    const failure = err as TransformFailure;
    const first = failure.errors?.[0];
    if (first) throw new StrategyFileError(file, "compile", `syntax error: ${first.text}`, first.location?.line, first.location ? first.location.column + 1 : undefined);
    throw new StrategyFileError(file, "compile", String((err as Error)?.message ?? err));
  }
}

/** A loaded file: its exports, and the means to call into it under a time budget. */
export class StrategySandbox {
  readonly exports: Record<string, unknown>;
  private readonly context: vm.Context;
  private readonly box: { fn: (() => unknown) | null; result: unknown };
  private readonly runner: vm.Script;
  private depth = 0;
  /** Names the strategy function that was running when a call was stopped (set by the loader). */
  runningFunction?: () => { name: string; fn: unknown } | undefined;

  constructor(
    private readonly compiled: CompiledFile,
    private readonly options: { callBudgetMs: number; loadBudgetMs: number; log?: (line: string) => void },
  ) {
    const log = options.log ?? (() => {});
    const print = (...args: unknown[]) => log(`[${path.basename(compiled.file)}] ${args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ")}`);
    this.box = { fn: null, result: undefined };
    this.context = vm.createContext(
      { console: { log: print, info: print, warn: print, error: print, debug: print }, __tk: this.box },
      { name: compiled.file, codeGeneration: { strings: false, wasm: false } },
    );
    this.runner = new vm.Script("__tk.result = __tk.fn()", { filename: "tradekeel:strategy-call" });
    const module = { exports: {} as Record<string, unknown> };
    const require = (specifier: string) => {
      if (specifier === "tradekeel/strategy" || /(^|\/)server\/strategy\/public(\.ts)?$/.test(specifier)) return sdk;
      if (specifier === "zod") return zod;
      throw new Error(`cannot import "${specifier}": a strategy may import only ${ALLOWED_IMPORTS.map((s) => `"${s}"`).join(" and ")} (see strategies/README.md)`);
    };
    let factory: unknown;
    try {
      const script = new vm.Script(`${WRAPPER_HEAD}${compiled.code}\n})`, { filename: compiled.file });
      factory = script.runInContext(this.context, { timeout: options.loadBudgetMs });
      this.call(() => (factory as (e: unknown, r: unknown, m: unknown) => void)(module.exports, require, module), options.loadBudgetMs, "load");
    } catch (err) {
      throw this.locate(err, "load");
    }
    this.exports = module.exports;
  }

  /** Runs fn (which calls into the file's code) with the call budget; errors come back located. */
  run<T>(fn: () => T, phase: FilePhase = "run"): T {
    if (this.depth > 0) return fn(); // already inside a timed call
    try {
      return this.call(fn, this.options.callBudgetMs, phase);
    } catch (err) {
      throw this.locate(err, phase);
    }
  }

  private call<T>(fn: () => T, timeout: number, phase: FilePhase): T {
    void phase;
    this.depth++;
    this.box.fn = fn;
    try {
      this.runner.runInContext(this.context, { timeout });
      return this.box.result as T;
    } finally {
      this.box.fn = null;
      this.box.result = undefined;
      this.depth--;
    }
  }

  /** The error as a StrategyFileError pointing at the first frame in the file (mapped to the source). */
  locate(err: unknown, phase: FilePhase): StrategyFileError {
    if (err instanceof StrategyFileError) return err;
    const e = err as { code?: string; message?: string; stack?: string; name?: string };
    if (e?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      const budget = phase === "load" ? this.options.loadBudgetMs : this.options.callBudgetMs;
      const running = this.runningFunction?.();
      const where = running ? this.functionPosition(running.fn) : undefined;
      const what = running ? `${running.name}() ` : "";
      return new StrategyFileError(this.compiled.file, phase, `${what}did not return within its ${budget} ms time budget (an endless loop?): stopped`, where?.line, where?.column, true);
    }
    const message = `${e?.name && e.name !== "Error" ? `${e.name}: ` : ""}${e?.message ?? String(err)}`;
    const where = this.sourcePosition(String(e?.stack ?? ""));
    return new StrategyFileError(this.compiled.file, phase, message, where?.line, where?.column);
  }

  /** Where a function of this file starts (source line and column), through V8's own record of it. */
  functionPosition(fn: unknown): { line: number; column: number } | undefined {
    if (typeof fn !== "function") return undefined;
    const session = new Session();
    const key = `__tk_fn_${Math.random().toString(36).slice(2)}`;
    try {
      session.connect();
      (globalThis as Record<string, unknown>)[key] = fn;
      let location: { lineNumber: number; columnNumber: number } | undefined;
      session.post("Runtime.evaluate", { expression: `globalThis.${key}` }, (err, res) => {
        const objectId = (res as { result?: { objectId?: string } } | undefined)?.result?.objectId;
        if (err || !objectId) return;
        session.post("Runtime.getProperties", { objectId, ownProperties: true }, (err2, props) => {
          const internal = (props as { internalProperties?: Array<{ name: string; value?: { value?: { lineNumber: number; columnNumber: number } } }> } | undefined)?.internalProperties;
          location = err2 ? undefined : internal?.find((p) => p.name === "[[FunctionLocation]]")?.value?.value;
        });
      });
      if (!location) return undefined;
      return this.mapPosition(location.lineNumber, location.columnNumber);
    } catch {
      return undefined;
    } finally {
      delete (globalThis as Record<string, unknown>)[key];
      try {
        session.disconnect();
      } catch {
        // not connected
      }
    }
  }

  private mapPosition(genLine: number, genColumn: number): { line: number; column: number } | undefined {
    const genCol = genLine === 0 ? genColumn - WRAPPER_HEAD.length : genColumn;
    const segments = this.compiled.map[genLine];
    if (!segments || segments.length === 0) return undefined;
    let best = segments[0];
    for (const s of segments) if (s[0] <= genCol) best = s;
    return { line: best[1] + 1, column: best[2] + 1 };
  }

  private sourcePosition(stack: string): { line: number; column: number } | undefined {
    const escaped = this.compiled.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
    if (!match) return undefined;
    return this.mapPosition(Number(match[1]) - 1, Number(match[2]) - 1);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
