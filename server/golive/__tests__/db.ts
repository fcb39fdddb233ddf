import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../db/database";

/** A throwaway embedded database for one test file. */
export async function throwawayDatabase(): Promise<{ db: Database; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-golive-"));
  const db = await openDatabase({ dataDir, singleInstance: false });
  return {
    db,
    close: async () => {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let seq = 0;
export const T0 = Date.UTC(2024, 2, 6, 12);

export function tradeRow(o: { mode: string; pnl: number; entryOrderId?: string; quantity?: number; entryPrice?: number; exitPrice?: number; fees?: number; closedAt?: number }) {
  seq += 1;
  const quantity = o.quantity ?? 0.001;
  const entryPrice = o.entryPrice ?? 50_000;
  const fees = o.fees ?? 0.1;
  const exitPrice = o.exitPrice ?? entryPrice + (o.pnl + fees) / quantity;
  return {
    id: `tr_${seq}`,
    positionId: `pos_${seq}`,
    mode: o.mode,
    symbol: "BTC/USDT",
    side: "long" as const,
    quantity: String(quantity),
    entryPrice: String(entryPrice),
    exitPrice: String(exitPrice),
    pnl: String(o.pnl),
    pnlPct: "0",
    fees: String(fees),
    exitReason: "signal",
    entryReason: "test",
    exitReasonText: "test",
    entryOrderId: o.entryOrderId ?? null,
    openedAt: new Date((o.closedAt ?? T0 + seq * 60_000) - 60_000),
    closedAt: new Date(o.closedAt ?? T0 + seq * 60_000),
  };
}

export function orderRow(o: { id: string; mode: string; venue?: string; signalId?: string; side?: "buy" | "sell"; status?: string; filled?: number; avgFillPrice?: number; fee?: number; createdAt: number }) {
  return {
    clientOrderId: o.id,
    mode: o.mode,
    venue: o.venue ?? "simulator",
    symbol: "BTC/USDT",
    side: o.side ?? ("buy" as const),
    type: "market" as const,
    status: (o.status ?? "filled") as "filled",
    intent: "entry",
    quantity: "0.001",
    filledQuantity: String(o.filled ?? 0.001),
    avgFillPrice: String(o.avgFillPrice ?? 0),
    fee: String(o.fee ?? 0),
    reason: "test",
    signalId: o.signalId ?? null,
    createdAt: new Date(o.createdAt),
    updatedAt: new Date(o.createdAt),
  };
}
