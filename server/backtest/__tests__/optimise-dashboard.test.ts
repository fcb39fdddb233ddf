import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryCandleStore } from "../../market";
import { loadUserStrategies } from "../../strategy";
import { OptimisationJobs } from "../optimise";
import { RELAXED_LIMITS, T0, randomWalk } from "./helpers";

const dir = mkdtempSync(path.join(tmpdir(), "tk-opt-"));
const store = new InMemoryCandleStore();

beforeAll(async () => {
  copyFileSync(path.resolve(import.meta.dirname, "../../strategy/__tests__/fixtures/breakout.ts"), path.join(dir, "breakout.ts"));
  loadUserStrategies({ dir });
  await store.saveClosed(randomWalk(3_000, { seed: 4, timeframe: "5m", volatility: 0.004 }));
});

afterAll(() => {
  loadUserStrategies({ dir: path.join(tmpdir(), "tk-no-strategies-here") });
  rmSync(dir, { recursive: true, force: true });
});

const base = (kind: string, params: Record<string, unknown> = {}) => ({
  strategies: [{ kind, symbols: ["BTC/USDT"], timeframe: "5m", params }],
  source: { type: "stored" },
  from: T0,
  to: T0 + 3_000 * 300_000,
  riskLimits: RELAXED_LIMITS,
});

describe("the optimiser on the Backtest page", () => {
  it("a grid over a trader's own strategy's declared parameter runs in the background with progress, and ranks every set", async () => {
    const jobs = new OptimisationJobs({ store, inProcess: true });
    const { id, status } = jobs.start({ base: base("fixture-breakout"), method: "grid", space: { lookback: { min: 10, max: 40, step: 10 } }, objective: "returnOverDrawdown", minTrades: 0, top: 1000 });
    expect(status).toBe("queued");
    await expect.poll(() => jobs.get(id).status, { timeout: 60_000, interval: 50 }).toBe("completed");
    const job = jobs.get(id);
    expect(job.progress).toEqual({ done: 4, total: 4, stage: "search" });
    expect(job.report?.ranked.map((e) => e.params.lookback).sort()).toEqual([10, 20, 30, 40]);
    expect(job.report?.best?.metrics.trades).toBeGreaterThan(0);
    expect(jobs.list()[0]).toMatchObject({ id, kind: "fixture-breakout", status: "completed", best: job.report?.best });
  });

  it("walk-forward over two parameters reports each fold's in-sample winner and how it did out of sample", async () => {
    const jobs = new OptimisationJobs({ store, inProcess: true });
    const { id } = jobs.start({
      base: base("ma_crossover"),
      method: "random",
      samples: 6,
      seed: 3,
      space: { fastPeriod: { min: 4, max: 12, step: 2 }, slowPeriod: { min: 20, max: 40, step: 5 } },
      walkForward: { folds: 2 },
      minTrades: 0,
    });
    await jobs.idle();
    const job = jobs.get(id);
    expect(job.error).toBeNull();
    expect(job.report?.walkForward?.folds).toHaveLength(2);
    for (const fold of job.report!.walkForward!.folds) expect(fold.outOfSampleResult).not.toBeNull();
  });

  it("refuses a bad request at once: a CSV source, an unknown parameter", () => {
    const jobs = new OptimisationJobs({ store, inProcess: true });
    expect(() => jobs.start({ base: { ...base("ma_crossover"), source: { type: "csv", path: "/etc/passwd" } } })).toThrow(/stored candles/);
    expect(() => jobs.start({ base: base("ma_crossover"), space: { fastest: { min: 1, max: 2 } } })).toThrow(/no parameter fastest/);
    expect(() => jobs.get("opt_nope")).toThrow(/not found/);
  });
});
