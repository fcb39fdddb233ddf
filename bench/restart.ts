import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "../server/core/logger";
import { openDatabase } from "../server/db/database";
import { SettingsRepository } from "../server/db/repositories/settings-store";
import { LEDGER_SNAPSHOT_SETTING, restoreLedger, saveLedgerSnapshots } from "../server/composition/accounts";

/**
 * Restart time after N stored fills on the embedded database (PGlite), the path the app takes at
 * start-up (server/composition/accounts.ts restoreLedger): with a ledger snapshot (the fills after it
 * replayed) and, for comparison, without one (every fill replayed). Round trips of 1 ETH on
 * alternating strategies, every fill with a fee, half of them with the commission in the base asset.
 */
export interface RestartResult {
  fills: number;
  seedMs: number;
  fullReplayMs: number;
  snapshotRestartMs: number;
  fillsAfterSnapshot: number;
}

export async function restartAfterFills(options: { fills: number; afterSnapshot?: number }): Promise<RestartResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "tk-bench-restart-"));
  const db = await openDatabase({ dataDir: dir });
  const logger = createLogger("silent");
  const settings = new SettingsRepository(db.prisma);
  try {
    const t0 = Date.UTC(2025, 0, 1);
    const seedStart = performance.now();
    const insert = async (from: number, to: number) => {
      const BATCH = 5_000;
      for (let start = from; start < to; start += BATCH) {
        const ordersData = [];
        const fillsData = [];
        for (let i = start; i < Math.min(to, start + BATCH); i++) {
          const buy = i % 2 === 0;
          const at = new Date(t0 + i * 60_000);
          const price = 2000 + ((i * 7) % 200);
          const id = `bench-${i}`;
          ordersData.push({
            clientOrderId: id, mode: "paper", venue: "paper", symbol: "ETH/USDT", side: buy ? ("buy" as const) : ("sell" as const), type: "market" as const, status: "filled" as const,
            intent: buy ? "entry" : "exit", reduceOnly: !buy, quantity: buy ? "1" : "0.999", filledQuantity: buy ? "1" : "0.999", reason: "bench", createdAt: at, updatedAt: at,
            strategyInstanceId: `s${Math.floor(i / 2) % 3}`, exitReason: buy ? null : "signal",
          });
          fillsData.push({
            id: `fil-${i}`, clientOrderId: id, venueTradeId: `t-${i}`, symbol: "ETH/USDT", side: buy ? ("buy" as const) : ("sell" as const), price: String(price), quantity: buy ? "1" : "0.999",
            fee: String((price * 0.001).toFixed(8)), baseFee: buy ? "0.001" : null, liquidity: "taker", timestamp: at,
          });
        }
        await db.prisma.order.createMany({ data: ordersData });
        await db.prisma.fill.createMany({ data: fillsData });
      }
    };
    const after = options.afterSnapshot ?? 1_000;
    await insert(0, options.fills - after);
    const seedMs = performance.now() - seedStart;

    const restore = () => restoreLedger({ mode: "paper", startingCash: 10_000_000, quoteCurrency: "USDT", db, settings, logger });
    // First start: no snapshot, every stored fill replayed; then the snapshot is stored.
    const full0 = await restore();
    const counters = new Map([["paper" as const, full0.ids.counters]]);
    const booker = full0.restored.booker;
    await saveLedgerSnapshots(
      [{ mode: "paper", ledger: full0.ledger, bookingState: () => ({ attempts: booker.attempts, origins: [...booker.origins], recentClosedTrades: [...booker.recentClosedTrades], recentEntries: [...booker.recentEntries] }) }],
      { db, settings, counters, clock: { now: () => Date.now() } },
    );
    // Trading goes on after the snapshot.
    await insert(options.fills - after, options.fills);

    const s0 = performance.now();
    const fromSnapshot = await restore();
    const snapshotRestartMs = performance.now() - s0;
    if (!fromSnapshot.snapshot) throw new Error("the snapshot was not used");

    const stored = await settings.get(LEDGER_SNAPSHOT_SETTING("paper"));
    await settings.set(LEDGER_SNAPSHOT_SETTING("paper"), null);
    const f0 = performance.now();
    const full = await restore();
    const fullReplayMs = performance.now() - f0;
    await settings.set(LEDGER_SNAPSHOT_SETTING("paper"), stored);
    if (JSON.stringify(full.ledger.toJSON()) !== JSON.stringify(fromSnapshot.ledger.toJSON())) throw new Error("the ledger from the snapshot differs from the full replay");
    return { fills: options.fills, seedMs: Math.round(seedMs), fullReplayMs: Math.round(fullReplayMs), snapshotRestartMs: Math.round(snapshotRestartMs), fillsAfterSnapshot: fromSnapshot.restored.fills };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
