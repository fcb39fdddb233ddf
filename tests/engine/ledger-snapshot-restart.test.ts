import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import { PrismaOrderStore } from "../../server/db/repositories/order-store";
import { SettingsRepository } from "../../server/db/repositories/settings-store";
import { LEDGER_SNAPSHOT_SETTING, restoreLedger, saveLedgerSnapshots } from "../../server/composition/accounts";
import type { Fill, Order } from "../../server/model/types";

/**
 * "A restart after a year of trading is still fast, and books the same money." The ledger restored
 * from its snapshot plus the fills stored after it equals the ledger rebuilt from every stored fill:
 * base-asset fees, a dust move stored with the fill the snapshot ends on, and trades afterwards.
 */
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const logger = createLogger("silent");
let dir: string;
let db: Database;
let orders: PrismaOrderStore;
let settings: SettingsRepository;
let n = 0;

async function filled(side: "buy" | "sell", quantity: number, price: number, extra: Partial<Fill> = {}, strategyInstanceId?: string) {
  n += 1;
  const at = T0 + n * 60_000;
  const order: Order = {
    clientOrderId: `ord-${n}`, symbol: "ETH/USDT", side, type: "market", quantity, intent: side === "buy" ? "entry" : "exit", reduceOnly: side === "sell",
    reason: `${side} ${quantity}`, createdAt: at, mode: "paper", status: "filled", filledQuantity: quantity, avgFillPrice: price, fee: 0, updatedAt: at, strategyInstanceId,
    ...(side === "buy" ? { stopLoss: price * 0.9, takeProfit: price * 1.2 } : { exitReason: "signal" as const }),
  };
  await orders.saveOrder(order);
  const fill: Fill = { clientOrderId: order.clientOrderId, venueTradeId: `t-${n}`, symbol: "ETH/USDT", side, price, quantity, fee: quantity * price * 0.001, liquidity: "taker", timestamp: at, ...extra };
  await orders.saveFill(fill);
  return { order, fill };
}

const restore = () => restoreLedger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", db, settings, logger });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "tk-snapshot-"));
  db = await openDatabase({ dataDir: dir });
  orders = new PrismaOrderStore(db.prisma, "paper");
  settings = new SettingsRepository(db.prisma);
}, 120_000);

afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("restart from a ledger snapshot", () => {
  it("gives the ledger a full replay gives: base fees, a dust move stored after the snapshot, later trades, the same next ids", async () => {
    await filled("buy", 1, 2000, { baseFee: 0.001, fee: 2 });
    const { fill: lastBeforeSnapshot } = await filled("sell", 0.9985, 2100);
    const first = await restore();
    expect(first.snapshot).toBeNull();
    const remainder = first.ledger.positions()[0];
    expect(remainder.quantity).toBeCloseTo(0.0005, 10);
    const booking = () => ({
      attempts: first.restored.booker.attempts,
      origins: [...first.restored.booker.origins],
      recentClosedTrades: [...first.restored.booker.recentClosedTrades],
      recentEntries: [...first.restored.booker.recentEntries],
    });
    const counters = new Map([["paper" as const, first.ids.counters]]);
    expect(await saveLedgerSnapshots([{ mode: "paper", ledger: first.ledger, bookingState: booking }], { db, settings, counters, clock: { now: () => T0 } })).toEqual(["paper"]);

    // After the snapshot: the remainder moved to dust (stored with the fill the snapshot ends on), then more trading.
    await orders.recordDust("paper", { positionId: remainder.id, symbol: "ETH/USDT", at: T0 + 150_000, reason: "below the lot step" }, { clientOrderId: lastBeforeSnapshot.clientOrderId, venueTradeId: lastBeforeSnapshot.venueTradeId });
    await filled("buy", 0.3, 2100, { baseFee: 0.0003, fee: 0.63 }, "s1");
    await filled("sell", 0.1, 2200, {}, "s1");
    await filled("buy", 0.2, 1990, {}, "s2");

    const fromSnapshot = await restore();
    expect(fromSnapshot.snapshot?.throughSeq).toBeDefined();
    expect(fromSnapshot.restored.fills).toBe(3);
    expect(fromSnapshot.restored.dustMoves).toBe(1);
    await settings.set(LEDGER_SNAPSHOT_SETTING("paper"), null);
    const full = await restore();
    expect(full.snapshot).toBeNull();
    expect(full.restored.fills).toBe(5);
    expect(fromSnapshot.ledger.toJSON()).toEqual(full.ledger.toJSON());
    expect(fromSnapshot.ledger.dust().map((d) => d.quantity)).toEqual(full.ledger.dust().map((d) => d.quantity));
    expect(fromSnapshot.ids.counters()).toEqual(full.ids.counters());
    expect([...fromSnapshot.restored.booker.origins]).toEqual([...full.restored.booker.origins]);
    expect(fromSnapshot.restored.booker.attempts).toBe(full.restored.booker.attempts);
  }, 120_000);

  it("an unreadable snapshot is ignored and every fill is replayed", async () => {
    await settings.set(LEDGER_SNAPSHOT_SETTING("paper"), { version: 1, mode: "paper", throughSeq: "x" });
    const again = await restore();
    expect(again.snapshot).toBeNull();
    expect(again.restored.fills).toBe(5);
  }, 60_000);
});
