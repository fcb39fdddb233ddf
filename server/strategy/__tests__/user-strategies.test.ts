import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBacktest } from "../../backtest/runner";
import { CALL_BUDGET_MS, LOAD_BUDGET_MS, createStrategy, listStrategyKinds, loadUserStrategies, safeStrategy, userStrategiesStatus, watchUserStrategies } from "..";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const dirs: string[] = [];

function strategiesDir(files: Record<string, string>, copy: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tk-strategies-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  for (const name of copy) copyFileSync(path.join(FIXTURES, name), path.join(dir, name));
  return dir;
}

afterEach(() => {
  // Unregister what a test loaded and put the budgets back (a test's short budget must not leak into the next).
  loadUserStrategies({ dir: path.join(tmpdir(), "tk-no-strategies-here"), callBudgetMs: CALL_BUDGET_MS, loadBudgetMs: LOAD_BUDGET_MS });
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const header = `import { defineStrategy, z } from "tradekeel/strategy";\n`;
const spec = (kind: string, onCandle: string, extra = "") => `${header}
export default defineStrategy({
  kind: "${kind}",
  title: "${kind}",
  description: "test strategy ${kind}",
  params: z.strictObject({}),
  timeframe: "5m",
  warmup: 3,${extra}
  setup: () => ({ n: 0 }),
  update: (s) => { s.n++; },
  onCandle: (ctx) => {
${onCandle}
  },
});
`;

describe("a trader's own strategy file", () => {
  it("loads from the strategies folder beside the built-ins, with its params described for the form and the optimiser", () => {
    const dir = strategiesDir({}, ["breakout.ts"]);
    const status = loadUserStrategies({ dir });
    expect(status.errors).toEqual([]);
    expect(status.loaded.map((l) => l.kind)).toEqual(["fixture-breakout"]);
    const kinds = listStrategyKinds();
    expect(kinds.find((k) => k.kind === "ma_crossover")?.source).toBe("builtin");
    const mine = kinds.find((k) => k.kind === "fixture-breakout");
    expect(mine).toMatchObject({ source: "user", file: path.join(dir, "breakout.ts"), defaultTimeframe: "5m" });
    expect(mine?.params).toEqual([expect.objectContaining({ name: "lookback", type: "integer", default: 20, min: 5, max: 100, step: 1 })]);
  });

  it("backtests on a CSV of prices and every trade is attributed to its instance", async () => {
    const dir = strategiesDir({}, ["breakout.ts"]);
    loadUserStrategies({ dir });
    const result = await runBacktest({
      strategies: [{ kind: "fixture-breakout", id: "my-breakout-1", symbols: ["BTC/USDT"], timeframe: "5m", params: { lookback: 12 } }],
      source: { type: "csv", path: path.join(FIXTURES, "BTCUSDT-5m.csv"), symbol: "BTC/USDT", timeframe: "5m" },
    });
    expect(result.summary.strategyErrors).toBe(0);
    expect(result.trades.length).toBeGreaterThan(2);
    expect(new Set(result.trades.map((t) => t.strategyInstanceId))).toEqual(new Set(["my-breakout-1"]));
    // Same file, same data: the same result (determinism holds for user code too).
    const again = await runBacktest(result.config);
    expect(again.trades).toEqual(result.trades);
    expect(again.summary.netProfit).toBe(result.summary.netProfit);
  });

  it("reads a second timeframe: 5m entries see the 1h trend, and decide on 5m candles only", () => {
    const dir = strategiesDir({
      "mtf.ts": `${header}
export default defineStrategy({
  kind: "mtf", title: "mtf", description: "5m entries when the last 1h candle closed up",
  params: z.strictObject({}), timeframe: "5m", confirm: ["1h"], warmup: 0,
  setup: () => ({ hourUp: false, decisions: 0 }),
  update: (s, c) => { if (c.timeframe === "1h") s.hourUp = c.close > c.open; },
  onCandle: (ctx) => { if (ctx.state.hourUp) ctx.enter("long", { reason: "the hour closed up", confidence: 0.7 }); },
});
`,
    });
    expect(loadUserStrategies({ dir }).errors).toEqual([]);
    const strategy = createStrategy("mtf", {}, { id: "mtf-1", symbols: ["ETH/USDT"] });
    expect(strategy.subscriptions.map((s) => s.timeframe)).toEqual(["5m", "1h"]);
    const c = (timeframe: "5m" | "1h", openTime: number, open: number, close: number) => ({ symbol: "ETH/USDT", timeframe, openTime, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 1, closed: true });
    const flat = { position: "none" as const, entryPrice: undefined };
    expect(strategy.onCandle(c("5m", 0, 10, 11), { now: 300_000, ...flat })).toEqual([]);
    expect(strategy.onCandle(c("1h", 0, 10, 12), { now: 3_600_000, ...flat })).toEqual([]); // 1h candles never decide
    const signals = strategy.onCandle(c("5m", 3_600_000, 12, 12.5), { now: 3_900_000, ...flat });
    expect(signals).toEqual([expect.objectContaining({ action: "enter_long", reason: "the hour closed up", strategyInstanceId: "mtf-1", data: { confidence: 0.7 } })]);
  });

  it("with a syntax error is listed with its file, line and column, and the other files still load", () => {
    const dir = strategiesDir({ "broken.ts": `${header}const x = {\n  a: 1,,\n};\n` }, ["breakout.ts"]);
    const status = loadUserStrategies({ dir });
    expect(status.loaded.map((l) => l.kind)).toEqual(["fixture-breakout"]);
    expect(status.errors).toEqual([expect.objectContaining({ name: "broken.ts", phase: "compile", line: 3, column: 8, message: expect.stringContaining("syntax error") })]);
  });

  it("that throws on a candle is refused at load with the line of the throw", () => {
    const dir = strategiesDir({ "throws.ts": spec("throws", `    const table: Record<string, number> = {};\n    throw new Error("no entry for " + ctx.symbol + " " + table.x);`) });
    const status = loadUserStrategies({ dir });
    expect(status.loaded).toEqual([]);
    expect(status.errors).toEqual([expect.objectContaining({ name: "throws.ts", phase: "smoke", line: 14, message: expect.stringContaining("no entry for SMOKE/USDT") })]);
    expect(listStrategyKinds().some((k) => k.kind === "throws")).toBe(false);
  });

  it("that never returns is stopped on its time budget and reported at the function that looped; the caller keeps running", () => {
    const dir = strategiesDir({ "loops.ts": spec("loops", "    for (;;) {}") });
    const started = performance.now();
    const status = loadUserStrategies({ dir, callBudgetMs: 50 });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(status.errors).toEqual([expect.objectContaining({ name: "loops.ts", phase: "smoke", line: 12, message: expect.stringContaining("onCandle() did not return within its 50 ms time budget") })]);
  });

  it("that loops only later, on live candles, is stopped and reported once, and its instance returns nothing afterwards", () => {
    const dir = strategiesDir({ "late.ts": spec("late-loop", "    if (ctx.candle.close > 10000) for (;;) {}") });
    expect(loadUserStrategies({ dir, callBudgetMs: 50 }).errors).toEqual([]);
    const errors: string[] = [];
    const strategy = safeStrategy(createStrategy("late-loop", {}, { id: "late-1", symbols: ["BTC/USDT"] }), (r) => errors.push(r.message));
    const step = 300_000;
    const candle = (i: number, close: number) => ({ symbol: "BTC/USDT", timeframe: "5m" as const, openTime: i * step, open: close, high: close, low: close, close, volume: 1, closed: true });
    for (let i = 0; i < 5; i++) strategy.onCandle(candle(i, 100), { now: (i + 1) * step, position: "none", entryPrice: undefined });
    expect(errors).toEqual([]);
    strategy.onCandle(candle(5, 20000), { now: 6 * step, position: "none", entryPrice: undefined });
    strategy.onCandle(candle(6, 100), { now: 7 * step, position: "none", entryPrice: undefined });
    expect(errors[0]).toMatch(/late\.ts:12:\d+: onCandle\(\) did not return within its 50 ms/);
    expect(errors[1]).toMatch(/was stopped earlier/);
    expect(userStrategiesStatus().faults[0]).toMatchObject({ kind: "late-loop", instanceId: "late-1", stopped: true, line: 12 });
  });

  it("cannot import the exchange client, the file system or the environment", () => {
    const dir = strategiesDir({
      "imports.ts": `import { readFileSync } from "node:fs";\n${spec("imports", "    readFileSync('/etc/passwd');").replace(header, header)}`,
      "env.ts": spec("env", "    ctx.hold(String((globalThis as any).process.env.VENUE_API_SECRET));"),
    });
    const status = loadUserStrategies({ dir });
    expect(status.loaded).toEqual([]);
    const byName = Object.fromEntries(status.errors.map((e) => [e.name, e]));
    expect(byName["imports.ts"].message).toMatch(/cannot import "node:fs": a strategy may import only "tradekeel\/strategy" and "zod"/);
    expect(byName["env.ts"].message).toMatch(/Cannot read properties of undefined \(reading 'env'\)/);
  });

  it("with a kind that a built-in already has, or no default export, says so", () => {
    const dir = strategiesDir({ "clash.ts": spec("ma_crossover", "    ctx.hold();"), "empty.ts": `${header}export const x = 1;\n` });
    const byName = Object.fromEntries(loadUserStrategies({ dir }).errors.map((e) => [e.name, e]));
    expect(byName["clash.ts"].message).toMatch(/"ma_crossover" is a built-in strategy/);
    expect(byName["empty.ts"].message).toMatch(/no default export/);
  });
});

describe("npm run dev", () => {
  it("reloads the folder when a file is saved: a fixed file loads, a new kind appears", async () => {
    const dir = strategiesDir({ "broken.ts": `${header}const x = {\n  a: 1,,\n};\n` });
    expect(loadUserStrategies({ dir }).errors).toHaveLength(1);
    const stop = watchUserStrategies(undefined, 50);
    try {
      writeFileSync(path.join(dir, "broken.ts"), spec("fixed-now", "    ctx.hold();"));
      await expect.poll(() => listStrategyKinds().some((k) => k.kind === "fixed-now"), { timeout: 20_000, interval: 100 }).toBe(true);
      expect(userStrategiesStatus().errors).toEqual([]);
    } finally {
      stop();
    }
  });
});

describe("the built-ins", () => {
  it("are written with the same SDK as a trader's file (they are the examples), except the calendar-driven token unlock", async () => {
    const { getStrategyDefinition, isSdkDefinition } = await import("..");
    expect(["ma_crossover", "rsi_reversion", "bollinger_bounce"].map((k) => isSdkDefinition(getStrategyDefinition(k)))).toEqual([true, true, true]);
  });
});
