import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, SIMULATOR_SYMBOLS, type AppConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { composeEngine } from "../../server/composition/engine";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Live mode against the built-in simulator, through ccxt: 10 open positions and 20 resting orders
 * across symbols, then the kill switch. Flat must be confirmed by the venue itself, the time from
 * request to flat recorded, and the halt must survive a restart until a person resets it.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "tk-kill-"));
const logger = createLogger("silent");

function testConfig(): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 7, historyDays: 0.05, symbols: [...SIMULATOR_SYMBOLS] },
    trading: { mode: "live", symbols: [...SIMULATOR_SYMBOLS], autoStart: false },
    // Loose entry limits: this test is about the kill switch, not about the entry checks.
    risk: permissiveEntryLimits(SIMULATOR_SYMBOLS, { maxOpenPositions: 40, maxOpenPositionsPerSymbol: 10, maxTradesPerDay: 1000 }),
    auth: {},
  });
}

let db: Database;
let engine: EngineRuntime;

async function startEngine(): Promise<void> {
  db = await openDatabase({ dataDir });
  engine = await composeEngine({ config: testConfig(), db, logger });
  await engine.start();
}

async function stopEngine(): Promise<void> {
  await engine.stop();
  await db.close();
}

beforeAll(async () => {
  await startEngine();
}, 120_000);

afterAll(async () => {
  await stopEngine().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("kill switch, live mode on the simulator", () => {
  it("flattens 10 positions and cancels 20 resting orders, confirmed by the venue", async () => {
    expect(engine.kernel.mode).toBe("live");
    const live = engine.kernel.accounts.get("live")!;
    const sim = engine.simulator!;
    const symbols = [...SIMULATOR_SYMBOLS];

    for (const symbol of symbols) {
      const price = sim.lastPrice(symbol);
      const result = await engine.kernel.placeManualOrder({ symbol, side: "buy", type: "market", quantity: 150 / price, actor: "test" });
      expect(result.decision.allowed, `${symbol}: ${result.decision.message}`).toBe(true);
    }
    for (let i = 0; i < 20; i++) {
      const symbol = symbols[i % symbols.length];
      const price = sim.lastPrice(symbol) * 0.6;
      const result = await engine.kernel.placeManualOrder({ symbol, side: "buy", type: "limit", price, quantity: 12 / price, actor: "test" });
      expect(result.decision.allowed, `${symbol}: ${result.decision.message}`).toBe(true);
    }
    await engine.kernel.idle();
    await expect.poll(() => live.ledger.positions().length, { timeout: 20_000 }).toBe(10);
    expect((await live.venueOpenOrders()).length).toBe(20);

    const started = Date.now();
    const status = await engine.kernel.killSwitch("flatten", "test");
    if (status.phase !== "completed") console.log(JSON.stringify({ remaining: status.remaining, errors: status.errors.slice(0, 8), live: status.accounts.live?.phase }, null, 1));
    expect(status.phase).toBe("completed");
    expect(status.flatConfirmed).toBe(true);
    expect(status.durationMs).toBeGreaterThan(0);
    expect(status.durationMs).toBeLessThanOrEqual(Date.now() - started + 5);
    expect(status.ordersCancelled).toBeGreaterThanOrEqual(20);
    expect(status.remaining.positions).toEqual([]);
    expect(status.remaining.orders).toEqual([]);

    // The venue's own view, not the engine's: no open orders, and the base assets bought are sold.
    expect(await live.venueOpenOrders()).toEqual([]);
    expect(live.ledger.positions()).toEqual([]);
    expect(live.tradingState).toBe("HALTED");
    // HALTED lets nothing new through.
    const denied = await engine.kernel.placeManualOrder({ symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.001, actor: "test" });
    expect(denied.decision.allowed).toBe(false);
    // Every position was closed by a kill-switch order.
    const trades = await db.prisma.trade.findMany({ where: { mode: "live" } });
    await expect.poll(async () => (await db.prisma.trade.count({ where: { mode: "live", exitReason: "kill_switch" } })), { timeout: 10_000 }).toBe(10);
    expect(trades.every((t) => t.exitReason === "kill_switch")).toBe(true);
  }, 120_000);

  it("stays halted across a restart until a person resets it", async () => {
    await stopEngine();
    await startEngine();
    const live = engine.kernel.accounts.get("live")!;
    expect(live.tradingState).toBe("HALTED");
    const denied = await engine.kernel.placeManualOrder({ symbol: "ETH/USDT", side: "buy", type: "market", quantity: 0.01, actor: "test" });
    expect(denied.decision.allowed).toBe(false);
    await engine.kernel.resetKillSwitch("test");
    expect(live.tradingState).toBe("ACTIVE");
  }, 120_000);

  it("retries through venue faults and still reports flat honestly", async () => {
    const live = engine.kernel.accounts.get("live")!;
    const sim = engine.simulator!;
    for (const symbol of ["BTC/USDT", "ETH/USDT", "SOL/USDT"]) {
      const result = await engine.kernel.placeManualOrder({ symbol, side: "buy", type: "market", quantity: 100 / sim.lastPrice(symbol), actor: "test" });
      expect(result.decision.allowed, result.decision.message).toBe(true);
    }
    await expect.poll(() => live.ledger.positions().length, { timeout: 20_000 }).toBe(3);
    // The next two orders are rejected and the next three requests fail with 5xx.
    sim.faults.set({ rejectOrders: 2, serverErrors: 3 });
    const status = await engine.kernel.killSwitch("flatten", "test");
    sim.faults.reset();
    expect(status.errors.length).toBeGreaterThan(0);
    expect(status.flatConfirmed).toBe(true);
    expect(live.ledger.positions()).toEqual([]);
    expect(await live.venueOpenOrders()).toEqual([]);
    await engine.kernel.resetKillSwitch("test");
  }, 120_000);
});
