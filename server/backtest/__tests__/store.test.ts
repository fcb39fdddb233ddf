import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../db/database";
import { runBacktest } from "../runner";
import { InMemoryBacktestRunRepository, PrismaBacktestRunRepository, resultOf } from "../store";
import { RELAXED_LIMITS, randomWalk } from "./helpers";

let db: Database;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "tk-backtest-store-"));
  db = await openDatabase({ dataDir: dir });
}, 60_000);
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("backtest_runs (Prisma, embedded database)", () => {
  it("stores a run from queued to completed and gives the same result back; unfinished runs are failed after a restart", async () => {
    const repo = new PrismaBacktestRunRepository(db.prisma);
    const config = { strategies: [{ kind: "ma_crossover", params: { fastPeriod: 5, slowPeriod: 13 }, symbols: ["BTC/USDT"], timeframe: "5m" as const }], source: { type: "inline" as const }, riskLimits: RELAXED_LIMITS };
    const result = await runBacktest(config, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles: randomWalk(2_000, { seed: 4 }) }] } });

    await repo.create("bt_1", config, "queued", new Date(1_000));
    await repo.create("bt_2", config, "running", new Date(2_000));
    await repo.complete("bt_1", result, "worker thread", new Date(3_000));
    const row = await repo.get("bt_1");
    expect(row?.status).toBe("completed");
    const back = resultOf(row!)!;
    expect(back.execution).toBe("worker thread");
    // jsonb keeps the values, not the key order.
    const { execution: _execution, ...restored } = back;
    expect(restored).toStrictEqual(JSON.parse(JSON.stringify(result)));

    expect(await repo.failUnfinished("interrupted", new Date(4_000))).toBe(1);
    const list = await repo.list({ limit: 10, offset: 0 });
    expect(list.total).toBe(2);
    expect(list.rows.map((r) => [r.id, r.status])).toEqual([
      ["bt_2", "failed"],
      ["bt_1", "completed"],
    ]);
    expect(await repo.delete("bt_2")).toBe(true);
    expect(await repo.delete("bt_2")).toBe(false);
  }, 30_000);

  it("a completed run stays completed when a stalled duplicate attempt later marks it running or fails", async () => {
    const config = { strategies: [{ kind: "ma_crossover", params: { fastPeriod: 5, slowPeriod: 13 }, symbols: ["BTC/USDT"], timeframe: "5m" as const }], source: { type: "inline" as const }, riskLimits: RELAXED_LIMITS };
    const result = await runBacktest(config, { data: { series: [{ symbol: "BTC/USDT", timeframe: "1m", candles: randomWalk(500, { seed: 5 }) }] } });
    for (const repo of [new PrismaBacktestRunRepository(db.prisma), new InMemoryBacktestRunRepository()]) {
      await repo.create("bt_dup", config, "queued", new Date(1_000));
      await repo.setStatus("bt_dup", "running");
      expect((await repo.get("bt_dup"))?.status).toBe("running");
      await repo.complete("bt_dup", result, "BullMQ worker a", new Date(2_000));
      await repo.setStatus("bt_dup", "running");
      await repo.fail("bt_dup", "failed", "lock lost", new Date(3_000));
      const row = await repo.get("bt_dup");
      expect(row?.status).toBe("completed");
      expect(row?.error).toBeNull();
      expect(resultOf(row!)?.execution).toBe("BullMQ worker a");
      await repo.delete("bt_dup");
    }
  }, 30_000);
});
