import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeEngine } from "../../composition/engine";
import { configSchema } from "../../config";
import { createLogger } from "../../core/logger";
import { openDatabase, type Database } from "../../db/database";
import type { EngineRuntime } from "../../engine/runtime";
import { configureUserStrategies, loadUserStrategies } from "..";

/**
 * A trader's own strategy file in paper mode on the simulator (300x: a 1-minute candle every 0.2 s):
 * it is loaded from STRATEGIES_DIR, started from a stored instance like any built-in, trades, and every
 * trade it makes carries its instance id.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "tk-user-paper-"));
const strategiesDir = mkdtempSync(path.join(tmpdir(), "tk-user-paper-strategies-"));
let db: Database;
let engine: EngineRuntime;
const INSTANCE = "str_my_pulse";

writeFileSync(
  path.join(strategiesDir, "pulse.ts"),
  `import { defineStrategy, formatPrice, z } from "tradekeel/strategy";
export default defineStrategy({
  kind: "my-pulse",
  title: "Pulse",
  description: "Long after an up candle, out after a down candle (a test strategy that trades often).",
  params: z.strictObject({}),
  timeframe: "1m",
  warmup: 2,
  setup: () => ({}),
  update: () => {},
  onCandle: (ctx) => {
    const { candle } = ctx;
    if (ctx.position === "none" && candle.close > candle.open) ctx.enter("long", { reason: "up candle closed at " + formatPrice(candle.close), stopLossPct: 1, takeProfitPct: 2 });
    else if (ctx.position === "long" && candle.close < candle.open) ctx.exit({ reason: "down candle closed at " + formatPrice(candle.close) });
  },
});
`,
);

beforeAll(async () => {
  configureUserStrategies({ dir: strategiesDir });
  expect(loadUserStrategies().loaded.map((l) => l.kind)).toEqual(["my-pulse"]);
  db = await openDatabase({ dataDir });
  await db.prisma.strategyInstance.create({
    data: { id: INSTANCE, name: "My pulse", kind: "my-pulse", params: {}, symbols: ["BTC/USDT"], timeframe: "1m", capital: "1000", status: "active" },
  });
  const config = configSchema.parse({
    server: { dataDir, strategiesDir },
    database: {},
    venue: {},
    simulator: { speed: 300, seed: 5, historyDays: 1 },
    trading: { symbols: ["BTC/USDT"] },
    risk: {},
    auth: {},
  });
  engine = await composeEngine({ config, db, logger: createLogger("silent") });
  await engine.start();
}, 300_000);

afterAll(async () => {
  await engine?.stop();
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(strategiesDir, { recursive: true, force: true });
});

describe("a trader's own strategy in paper mode", () => {
  it("runs from its stored instance, trades, and its trades and P&L are attributed to it", async () => {
    expect(engine.kernel.mode).toBe("paper");
    expect(engine.kernel.strategyIds()).toContain(INSTANCE);
    await expect.poll(() => db.prisma.trade.count({ where: { strategyInstanceId: INSTANCE } }), { timeout: 90_000, interval: 1_000 }).toBeGreaterThan(0);
    const trades = await db.prisma.trade.findMany({ where: { strategyInstanceId: INSTANCE } });
    expect(trades.every((t) => t.mode === "paper")).toBe(true);
    expect(await db.prisma.signal.count({ where: { strategyInstanceId: INSTANCE } })).toBeGreaterThan(0);
    // Nobody else traded: every trade of the account is this instance's.
    expect(await db.prisma.trade.count({ where: { NOT: { strategyInstanceId: INSTANCE } } })).toBe(0);
  }, 120_000);
});
