import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import { PrismaOrderStore } from "../../server/db/repositories/order-store";
import { SettingsRepository } from "../../server/db/repositories/settings-store";
import { restoreLedger, saveLedgerSnapshots } from "../../server/composition/accounts";
import type { Fill, Order } from "../../server/model/types";

/** TRADING_MARKET=futures: the account's ledger books shorts, and a restart rebuilds the short from the stored fills. */
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const PERP = "BTC/USDT:USDT";
const logger = createLogger("silent");
let dir: string;
let db: Database;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "tk-futures-ledger-"));
  db = await openDatabase({ dataDir: dir });
}, 120_000);

afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a futures account's ledger", () => {
  it("holds a short opened by a sell, and rebuilds it after a restart; the spot ledger is still long-only", async () => {
    const orders = new PrismaOrderStore(db.prisma, "paper");
    const settings = new SettingsRepository(db.prisma);
    const order: Order = {
      clientOrderId: "short-1", symbol: PERP, side: "sell", type: "market", quantity: 0.02, intent: "entry", reduceOnly: false, reason: "short entry",
      createdAt: T0, mode: "paper", status: "filled", filledQuantity: 0.02, avgFillPrice: 50_000, fee: 0.4, updatedAt: T0, stopLoss: 51_000, takeProfit: 47_500,
    };
    await orders.saveOrder(order);
    const fill: Fill = { clientOrderId: "short-1", venueTradeId: "t-1", symbol: PERP, side: "sell", price: 50_000, quantity: 0.02, fee: 0.4, liquidity: "taker", timestamp: T0 };
    await orders.saveFill(fill);

    const futures = await restoreLedger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", db, settings, logger, allowShort: true });
    expect(futures.ledger.allowShort).toBe(true);
    expect(futures.ledger.positions()).toMatchObject([{ symbol: PERP, side: "short", quantity: 0.02, avgEntryPrice: 50_000 }]);

    const spot = await restoreLedger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", db, settings, logger });
    expect(spot.ledger.allowShort).toBe(false);
    expect(spot.ledger.positions().filter((p) => p.side === "short")).toEqual([]);
  });

  it("keeps the funding it booked across restarts, from the stored fills and from a ledger snapshot", async () => {
    const orders = new PrismaOrderStore(db.prisma, "paper");
    const settings = new SettingsRepository(db.prisma);
    const restore = () => restoreLedger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", db, settings, logger, allowShort: true });
    const before = await restore();
    const cashBefore = before.ledger.cash;
    // 08:00 UTC: the short of 0.02 BTC receives 0.1 USDT (booked live, then stored with the latest fill).
    await orders.recordFunding("paper", { symbol: PERP, cashFlow: 0.1, timestamp: T0 + 3_600_000, fundingRate: 0.0001, markPrice: 50_000 });

    const replayed = await restore();
    expect(replayed.snapshot).toBeNull();
    expect(replayed.restored.funding).toBe(1);
    expect(replayed.ledger.positions()[0].fundingPaid).toBe(-0.1);
    expect(replayed.ledger.cash).toBeCloseTo(cashBefore + 0.1, 8);

    // A snapshot of that ledger, then a second payment stored after it: both count after the next restart.
    const account = { mode: "paper" as const, ledger: replayed.ledger, bookingState: () => ({ attempts: replayed.restored.booker.attempts, origins: [...replayed.restored.booker.origins], recentClosedTrades: [], recentEntries: [] }) };
    const saved = await saveLedgerSnapshots([account], { db, settings, counters: new Map([["paper", replayed.ids.counters]]), clock: { now: () => T0 } });
    expect(saved).toEqual(["paper"]);
    await orders.recordFunding("paper", { symbol: PERP, cashFlow: -0.04, timestamp: T0 + 9 * 3_600_000 });
    const fromSnapshot = await restore();
    expect(fromSnapshot.snapshot).not.toBeNull();
    expect(fromSnapshot.ledger.positions()[0].fundingPaid).toBeCloseTo(-0.06, 8);
    expect(fromSnapshot.ledger.fundingPaid).toBeCloseTo(-0.06, 8);
    expect(fromSnapshot.ledger.cash).toBeCloseTo(cashBefore + 0.06, 8);
  });
});
