import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type AppConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { composeEngine } from "../../server/composition/engine";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Issue 22 (fault campaign): a person's full sell sent again while the first is still working at a slow
 * venue asked for coins already committed; the venue answered -2010 and the venue-error breaker counted
 * it towards HALTED. Live on the simulator with latency: the second sell is refused before it is sent.
 */

const SYMBOL = "BTC/USDT";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-exit-working-"));
const logger = createLogger("silent");

function testConfig(): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 11, historyDays: 0.05, symbols: [SYMBOL] },
    trading: { mode: "live", symbols: [SYMBOL], autoStart: false },
    risk: permissiveEntryLimits([SYMBOL], { maxOpenPositions: 5, maxOpenPositionsPerSymbol: 2, maxTradesPerDay: 1000 }),
    auth: {},
  });
}

let db: Database;
let engine: EngineRuntime;

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  engine = await composeEngine({ config: testConfig(), db, logger });
  await engine.start();
}, 120_000);

afterAll(async () => {
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

async function buy(quote: number): Promise<number> {
  const live = engine.kernel.accounts.get("live")!;
  const price = engine.simulator!.lastPrice(SYMBOL);
  const result = await engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "market", quantity: quote / price, actor: "test" });
  expect(result.decision.allowed, result.decision.message).toBe(true);
  await expect.poll(() => live.hasPosition(SYMBOL)?.quantity ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
  return live.hasPosition(SYMBOL)!.quantity;
}

function workingSells() {
  return engine.kernel.accounts.get("live")!.openOrders().filter((o) => o.symbol === SYMBOL && o.side === "sell");
}

describe("live venue with latency: a sell never asks for more than is held minus the sells already working", () => {
  it("two manual full sells back to back: the second is refused before it is sent, no -2010, no HALTED", async () => {
    const live = engine.kernel.accounts.get("live")!;
    const held = await buy(150);
    const venueErrorsBefore = live.risk.getStatus().venueErrorsInWindow;
    engine.simulator!.faults.set({ latencyMs: 1_500 });
    try {
      const first = engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "market", quantity: held, actor: "test" });
      await expect.poll(() => workingSells().length, { timeout: 20_000 }).toBe(1);
      const second = await engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "market", quantity: held, actor: "test" });
      expect(second.decision.allowed).toBe(false);
      expect(second.decision.code).toBe("EXIT_ALREADY_WORKING");
      expect(second.decision.message).toContain("is already working");
      expect(second.order).toBeUndefined();
      expect(workingSells()).toHaveLength(1);
      const done = await first;
      expect(done.decision.allowed, done.decision.message).toBe(true);
      await expect.poll(() => live.hasPosition(SYMBOL), { timeout: 30_000 }).toBeUndefined();
    } finally {
      engine.simulator!.faults.reset();
    }
    const status = live.risk.getStatus();
    expect(status.venueErrorsInWindow).toBe(venueErrorsBefore);
    expect(status.recentEvents.filter((e) => e.code === "VENUE_ERROR")).toEqual([]);
    // Losing round trips may pause entries (REDUCING); the venue-error breaker never halts.
    expect(live.risk.state).not.toBe("HALTED");
    expect(live.risk.latches.map((l) => l.id)).not.toContain("venue_errors");
    // The venue holds no BTC the bot thinks it sold twice: nothing is left working.
    expect(workingSells()).toEqual([]);
  });

  it("a partial sell resting at the venue, then a sell of the rest: both pass; anything more is refused until the part is cancelled", async () => {
    const live = engine.kernel.accounts.get("live")!;
    const held = await buy(150);
    const step = 0.00001;
    const part = Number((Math.floor(held / 2 / step) * step).toFixed(8));
    const rest = Number((held - part).toFixed(8));
    const far = Math.round(engine.simulator!.lastPrice(SYMBOL) * 1.3);
    const resting = await engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "limit", price: far, quantity: part, actor: "test" });
    expect(resting.decision.allowed, resting.decision.message).toBe(true);
    expect(workingSells()).toHaveLength(1);
    const sold = await engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "market", quantity: rest, actor: "test" });
    expect(sold.decision.allowed, sold.decision.message).toBe(true);
    const left = Number((held - sold.order!.quantity).toFixed(8));
    await expect.poll(() => live.hasPosition(SYMBOL)?.quantity, { timeout: 20_000 }).toBe(left);
    // What is left is the resting sell's (and a remainder below the lot step): a sell of the part is refused.
    const more = await engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "market", quantity: part, actor: "test" });
    expect(more.decision).toMatchObject({ allowed: false, code: "EXIT_ALREADY_WORKING" });
    expect(more.decision.message).toContain(`an exit of ${part} is already working`);
    expect(more.order).toBeUndefined();
    await live.cancelOrder(resting.order!.clientOrderId);
    await expect.poll(() => workingSells().length, { timeout: 20_000 }).toBe(0);
    const last = await engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "market", quantity: left, actor: "test" });
    expect(last.decision.allowed, last.decision.message).toBe(true);
    await expect.poll(() => live.hasPosition(SYMBOL), { timeout: 20_000 }).toBeUndefined();
    expect(live.risk.getStatus().recentEvents.filter((e) => e.code === "VENUE_ERROR")).toEqual([]);
    // Losing round trips may pause entries (REDUCING); the venue-error breaker never halts.
    expect(live.risk.state).not.toBe("HALTED");
    expect(live.risk.latches.map((l) => l.id)).not.toContain("venue_errors");
  });
});
