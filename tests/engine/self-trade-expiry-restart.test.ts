import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase } from "../../server/db/database";
import { PrismaOrderStore } from "../../server/db/repositories/order-store";
import { EngineRuntime } from "../../server/engine/runtime";
import { createExchange } from "../../server/market";
import { DEFAULT_ACCOUNT, startSimulator, type SimulatorHandle } from "../../server/simulator";
import { crashTestConfig } from "./fixtures/crash-config";

/**
 * Issue 22, the crash campaign's "stuck orders": the bot's resting limit buy was stored "submitted",
 * then, while the bot was down, its own market sell crossed it and the venue's self-trade prevention
 * (EXPIRE_MAKER) expired it (EXPIRED_IN_MATCH). After the restart, with the real database (embedded
 * Postgres), the stored order must end "expired", as the venue says, and stay so once the bot runs.
 */

const SYMBOL = "BTC/USDT";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-stp-restart-"));
let sim: SimulatorHandle;

beforeAll(async () => {
  sim = await startSimulator({ speed: 1, seed: 5, historyDays: 0.05, symbols: ["BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT"], accounts: [{ ...DEFAULT_ACCOUNT, balances: { USDT: 100_000 } }] });
}, 120_000);

afterAll(async () => {
  await sim?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

async function venueClient(): Promise<Exchange> {
  return createExchange({ id: "simulator", apiKey: sim.defaultAccount.apiKey, secret: sim.defaultAccount.secret }, { simulator: sim });
}

async function startBot() {
  const db = await openDatabase({ dataDir });
  const engine = await EngineRuntime.create({ config: configSchema.parse(crashTestConfig(dataDir, sim.restUrl)), db, logger: createLogger("silent") });
  await engine.start();
  await engine.kernel.idle();
  await engine.persistence.flush();
  return {
    db,
    engine,
    async close() {
      await engine.stop();
      await db.close();
    },
  };
}

describe("a restart after the bot's own sell expired its resting buy (self-trade prevention) while it was down", () => {
  it("stores the expired buy as expired, keeps the rest of a partly sold position and sends nothing at start-up", async () => {
    // First start: the bot buys BTC, leaves a resting limit buy far below the price, and goes down.
    let bot = await startBot();
    const buy = await bot.engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "market", quantity: 0.01, actor: "test" });
    expect(buy.decision.allowed, JSON.stringify(buy.decision)).toBe(true);
    const restingPrice = Math.round(sim.lastPrice(SYMBOL) * 0.7);
    const rest = await bot.engine.kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "limit", price: restingPrice, quantity: 0.001, actor: "test" });
    expect(rest.decision.allowed, JSON.stringify(rest.decision)).toBe(true);
    const expiredId = rest.order!.clientOrderId;
    await expect.poll(async () => (await bot.db.prisma.order.findUnique({ where: { clientOrderId: expiredId } }))?.status, { timeout: 20_000 }).toBe("submitted");
    await bot.close();

    // Its last acts, as it stores them (durable as "new" before they are sent), reaching the venue
    // only after it died: a person's partial close (0.004 of the 0.01 BTC, reduce-only at market),
    // which fills and, by EXPIRE_MAKER, expires the resting buy; then a new resting buy.
    const sellId = "tk-stp-partial-sell-1";
    const laterId = "tk-stp-later-buy-1";
    const db = await openDatabase({ dataDir });
    try {
      const store = new PrismaOrderStore(db.prisma, "simulator");
      const now = sim.now();
      const common = { symbol: SYMBOL, createdAt: now, mode: "live" as const, status: "new" as const, filledQuantity: 0, avgFillPrice: 0, fee: 0, updatedAt: now };
      await store.saveOrder({ ...common, clientOrderId: sellId, side: "sell", type: "market", quantity: 0.004, intent: "exit", reduceOnly: true, exitReason: "manual", reason: "Manual market sell by test" });
      await store.saveOrder({ ...common, clientOrderId: laterId, side: "buy", type: "limit", quantity: 0.001, price: restingPrice, timeInForce: "GTC", intent: "entry", reduceOnly: false, reason: "Manual limit buy by test" });
    } finally {
      await db.close();
    }
    const venue = await venueClient();
    try {
      await venue.createOrder(SYMBOL, "market", "sell", 0.004, undefined, { newClientOrderId: sellId });
      await venue.createOrder(SYMBOL, "limit", "buy", 0.001, restingPrice, { newClientOrderId: laterId, timeInForce: "GTC" });
    } finally {
      await (venue as unknown as { close?: () => Promise<void> }).close?.().catch(() => {});
    }
    const account = sim.core.engine.allAccounts()[0];
    const venueOrder = (id: string) => [...account.orders.values()].find((o) => o.clientOrderId === id);
    expect(venueOrder(expiredId)?.status).toBe("EXPIRED_IN_MATCH");
    expect(venueOrder(sellId)?.status).toBe("FILLED");
    expect(venueOrder(laterId)?.status).toBe("NEW");
    const venueOrdersBefore = account.orders.size;
    const btcBefore = account.balances.get("BTC")!;

    // Restart: reconciliation learns all three; the bot then sends nothing on its own.
    bot = await startBot();
    try {
      expect(bot.engine.reconciliation.ok, bot.engine.reconciliation.message).toBe(true);
      const status = async (id: string) => (await bot.db.prisma.order.findUnique({ where: { clientOrderId: id } }))?.status;
      expect(await status(expiredId)).toBe("expired");
      expect(await status(sellId)).toBe("filled");
      expect(await status(laterId)).toBe("submitted");
      expect(bot.engine.kernel.accounts.get("live")!.openOrders().map((o) => o.clientOrderId)).toEqual([laterId]);
      // The person sold 0.004: the remaining 0.006 BTC stays held, at the venue and in the ledger.
      expect(account.orders.size).toBe(venueOrdersBefore);
      expect(venueOrder(laterId)?.status).toBe("NEW");
      expect(account.balances.get("BTC")).toEqual(btcBefore);
      const held = bot.engine.kernel.accounts.get("live")!.ledger.positions().filter((p) => p.symbol === SYMBOL).reduce((sum, p) => sum + p.quantity, 0);
      expect(held).toBeCloseTo(btcBefore.free + btcBefore.locked, 8);
      expect(held).toBeGreaterThan(0.005);
    } finally {
      await bot.close();
    }
  }, 240_000);
});
