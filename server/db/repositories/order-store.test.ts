import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayFills } from "../../engine/replay";
import type { Fill, KernelMode, Order } from "../../model/types";
import { Ledger, sequentialLedgerIds } from "../../portfolio";
import { openDatabase, type Database } from "../database";
import { PrismaOrderStore, dustMovesFromRow, replayEntryFromRow } from "./order-store";

const T0 = Date.UTC(2024, 0, 1);
const silent = { error() {}, warn() {}, info() {}, debug() {}, child() { return silent; } } as never;

let db: Database;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "tk-order-store-"));
  db = await openDatabase({ dataDir: dir });
}, 60_000);
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function order(clientOrderId: string, mode: KernelMode, side: Order["side"], intent: Order["intent"], quantity: number): Order {
  return {
    clientOrderId,
    symbol: "BTC/USDT",
    side,
    type: "market",
    quantity,
    intent,
    reduceOnly: intent === "exit",
    reason: `${intent} ${clientOrderId}`,
    createdAt: T0,
    mode,
    status: "filled",
    filledQuantity: quantity,
    avgFillPrice: 0,
    fee: 0,
    updatedAt: T0,
    strategyInstanceId: "ema",
  };
}

function fillOf(o: Order, n: number, quantity: number, price: number, fee: number, baseFee?: number): Fill {
  const f: Fill = { clientOrderId: o.clientOrderId, venueTradeId: `T${n}`, symbol: o.symbol, side: o.side, price, quantity, fee, liquidity: "taker", timestamp: T0 + n * 1_000 };
  if (baseFee !== undefined) f.baseFee = baseFee;
  return f;
}

/** The rows runtime.ts replays at start-up, mapped with replayEntryFromRow. */
async function storedEntries(mode: KernelMode) {
  const rows = await db.prisma.fill.findMany({ where: { order: { mode } }, orderBy: { seq: "asc" }, include: { order: true } });
  return rows.map(replayEntryFromRow);
}

describe("PrismaOrderStore: base fees and dust moves (embedded database)", () => {
  it("stores a fill's baseFee exactly and reads it back; a fill without one has none", async () => {
    const store = new PrismaOrderStore(db.prisma, "paper");
    const o = order("bf-1", "paper", "buy", "entry", 0.002);
    await store.saveOrder(o);
    expect(await store.saveFill(fillOf(o, 1, 0.001, 50_000, 0.05, 0.000001))).toBe(true);
    expect(await store.saveFill(fillOf(o, 2, 0.001, 50_000, 0.05))).toBe(true);
    const fills = await store.loadFills("bf-1");
    expect(fills[0]).toEqual(fillOf(o, 1, 0.001, 50_000, 0.05, 0.000001));
    expect(fills[1]).toEqual(fillOf(o, 2, 0.001, 50_000, 0.05));
    expect("baseFee" in fills[1]).toBe(false);
  });

  it("records dust moves with the named fill or with the mode's latest fill, appends them in order, and refuses an unknown fill", async () => {
    const store = new PrismaOrderStore(db.prisma, "ghost");
    const a = order("dm-a", "ghost", "buy", "entry", 1);
    const other = order("dm-other", "paper", "buy", "entry", 1);
    await store.saveOrder(a);
    await store.saveOrder(other);
    await store.saveFill(fillOf(a, 1, 0.5, 100, 0));
    await store.saveFill(fillOf(a, 2, 0.5, 100, 0));
    await store.saveFill(fillOf(other, 3, 1, 100, 0)); // a later fill of another mode

    await store.recordDust("ghost", { positionId: "p1", symbol: "BTC/USDT", strategyInstanceId: "ema", at: 10, reason: "below step" }, { clientOrderId: "dm-a", venueTradeId: "T1" });
    await store.recordDust("ghost", { positionId: "p2", symbol: "BTC/USDT", at: 20 });
    await store.recordDust("ghost", { positionId: "p3", symbol: "BTC/USDT", at: 30 });
    const rows = await db.prisma.fill.findMany({ where: { clientOrderId: { in: ["dm-a", "dm-other"] } }, orderBy: { seq: "asc" } });
    expect(rows.map(dustMovesFromRow)).toEqual([
      [{ positionId: "p1", symbol: "BTC/USDT", strategyInstanceId: "ema", at: 10, reason: "below step" }],
      [
        { positionId: "p2", symbol: "BTC/USDT", at: 20 },
        { positionId: "p3", symbol: "BTC/USDT", at: 30 },
      ],
      [],
    ]);
    await expect(store.recordDust("ghost", { positionId: "p", symbol: "BTC/USDT", at: 1 }, { clientOrderId: "dm-other", venueTradeId: "T3" })).rejects.toThrow(/not found/);
    await expect(store.recordDust("backtest", { positionId: "p", symbol: "BTC/USDT", at: 1 })).rejects.toThrow(/not found/);
    expect(dustMovesFromRow({ dustMoves: [{ positionId: 1 }, "x", { positionId: "ok", symbol: "S", at: 5 }] })).toEqual([{ positionId: "ok", symbol: "S", at: 5 }]);
  });

  it("after a restart, replaying the stored fills and dust moves rebuilds the same ledger", async () => {
    const mode = "live";
    const store = new PrismaOrderStore(db.prisma, "binance");
    const live = new Ledger({ mode, startingCash: 10_000, ids: sequentialLedgerIds(`${mode}-`) });
    const entry = order("rs-e1", mode, "buy", "entry", 0.001);
    const exit = order("rs-x1", mode, "sell", "exit", 0.00099);
    const again = order("rs-e2", mode, "buy", "entry", 0.001);
    for (const o of [entry, exit, again]) await store.saveOrder(o);
    const book = async (o: Order, f: Fill) => {
      await store.saveFill(f);
      return live.applyFill(f, { strategyInstanceId: o.strategyInstanceId, reason: o.reason });
    };
    await book(entry, fillOf(entry, 1, 0.001, 50_000, 0.05, 0.000001));
    const exitFill = fillOf(exit, 2, 0.00099, 51_000, 0.05049);
    const out = await book(exit, exitFill);
    const moved = live.moveToDust(out.position!.id, T0 + 2_500, "below the lot step");
    await store.recordDust(mode, { positionId: out.position!.id, symbol: "BTC/USDT", strategyInstanceId: "ema", at: T0 + 2_500, reason: "below the lot step" }, exitFill);
    await book(again, fillOf(again, 3, 0.001, 52_000, 0.052, 0.000001));

    const restarted = new Ledger({ mode, startingCash: 10_000, ids: sequentialLedgerIds(`${mode}-`) });
    const result = replayFills(restarted, await storedEntries(mode), silent);
    expect(result).toMatchObject({ fills: 3, refused: 0, dustMoves: 1 });
    expect(restarted.toJSON()).toEqual(live.toJSON());
    expect(restarted.dust()).toEqual([{ asset: "BTC", symbol: "BTC/USDT", quantity: 0.000009, costBasis: 0.45 }]);
    expect(result.trades.map((t) => t.id)).toEqual([moved.closedTrade!.id]);
    expect(result.trades[0]).toMatchObject({ entryOrderId: "rs-e1", quantity: 0.00099 });
  });
});
