import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fill, Order } from "../../model/types";
import { openDatabase, type Database } from "../database";
import { fillFromRow, orderFromRow, PrismaOrderStore } from "./order-store";

/**
 * PrismaOrderStore writes the order path's rows with its own statements (direct-sql.ts), not with
 * Prisma's create/update: the rows must be exactly those Prisma wrote, on the embedded database (PGlite
 * driver) and on PostgreSQL (Prisma's raw queries; TEST_DATABASE_URL, default
 * postgresql://postgres@127.0.0.1:5432/test, a fresh database of its own; skipped when none answers).
 */

const T0 = Date.UTC(2024, 0, 1, 12, 34, 56, 789);
const pgUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

const havePg = await new Promise<boolean>((resolve) => {
  const u = new URL(pgUrl);
  const socket = connect({ host: u.hostname, port: Number(u.port || 5432) });
  socket.once("connect", () => (socket.destroy(), resolve(true)));
  socket.once("error", () => resolve(false));
  socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
});
if (!havePg) console.warn(`order store statements on PostgreSQL: skipped, no PostgreSQL at ${new URL(pgUrl).host} (set TEST_DATABASE_URL)`);

/** Every optional field set, amounts at NUMERIC(30,12)'s last digit, a time with milliseconds. */
function fullOrder(clientOrderId: string): Order {
  return {
    clientOrderId,
    venueOrderId: "v-1",
    symbol: "BTC/USDT",
    side: "sell",
    type: "take_profit_limit",
    quantity: 0.000000123456,
    price: 51_234.56789,
    stopPrice: 51_000.000000000001,
    timeInForce: "GTC",
    intent: "exit",
    reduceOnly: true,
    strategyInstanceId: "ema",
    sessionId: "ses-1",
    stopLoss: 40_000.5,
    takeProfit: 60_000.25,
    exitReason: "take_profit",
    reason: "take profit at 51234.56789 — «quoted» 'text'",
    signalId: "ema:BTC/USDT:1m:1704067200000:exit_long",
    riskChecks: [
      { check: "position-size", code: "POSITION_SIZE_OK", message: "position value 998.93 USDT is within 2000.00 USDT" },
      { check: "trade-loss", code: "TRADE_LOSS_OK", message: 'loses at most 99.89 USDT (1.00%) at its stop "20700.9"' },
    ],
    createdAt: T0,
    mode: "live",
    status: "submitted",
    filledQuantity: 0.000000000001,
    avgFillPrice: 51_234.5,
    fee: 0.1,
    error: "ORDER_STATE_UNKNOWN: timeout",
    updatedAt: T0 + 1,
  };
}

function bareOrder(clientOrderId: string): Order {
  return { clientOrderId, symbol: "ETH/USDT", side: "buy", type: "market", quantity: 1.5, intent: "entry", reduceOnly: false, reason: "manual buy", createdAt: T0, mode: "paper", status: "new", filledQuantity: 0, avgFillPrice: 0, fee: 0, updatedAt: T0 };
}

/** The row PrismaOrderStore wrote before it had its own statements (Prisma's create), for comparison. */
async function createdByPrisma(db: Database, order: Order, venue: string) {
  const dec = (v: number | undefined) => (v === undefined ? null : String(v));
  await db.prisma.order.create({
    data: {
      clientOrderId: order.clientOrderId,
      venueOrderId: order.venueOrderId ?? null,
      mode: order.mode,
      venue,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      status: order.status,
      intent: order.intent,
      reduceOnly: order.reduceOnly,
      quantity: dec(order.quantity)!,
      price: dec(order.price),
      stopPrice: dec(order.stopPrice),
      timeInForce: order.timeInForce ?? null,
      filledQuantity: dec(order.filledQuantity)!,
      avgFillPrice: dec(order.avgFillPrice)!,
      fee: dec(order.fee)!,
      stopLoss: dec(order.stopLoss),
      takeProfit: dec(order.takeProfit),
      exitReason: order.exitReason ?? null,
      reason: order.reason,
      error: order.error ?? null,
      strategyInstanceId: order.strategyInstanceId ?? null,
      sessionId: order.sessionId ?? null,
      signalId: order.signalId ?? null,
      riskChecks: order.riskChecks ?? undefined,
      createdAt: new Date(order.createdAt),
      updatedAt: new Date(order.updatedAt),
    },
  });
}

async function rawRow(db: Database, clientOrderId: string) {
  // Text renderings of every column: what is stored, not how Prisma parses it.
  const rows = await db.prisma.$queryRawUnsafe<Array<Record<string, string | null>>>(
    `SELECT "venueOrderId", "mode", "venue", "symbol", "side"::text, "type"::text, "status"::text, "intent", "reduceOnly"::text, "quantity"::text, "price"::text,
            "stopPrice"::text, "timeInForce", "filledQuantity"::text, "avgFillPrice"::text, "fee"::text, "stopLoss"::text, "takeProfit"::text, "exitReason",
            "reason", "error", "strategyInstanceId", "sessionId", "signalId", "riskChecks"::text, "createdAt"::text, "updatedAt"::text
       FROM "orders" WHERE "clientOrderId" = $1`,
    clientOrderId,
  );
  return rows[0];
}

function behaves(label: string, open: () => Promise<Database>, close: (db: Database) => Promise<void>) {
  describe(`PrismaOrderStore's own statements (${label})`, () => {
    let db: Database;
    let store: PrismaOrderStore;
    const id = (suffix: string) => `sql-${process.pid}-${suffix}`;
    beforeAll(async () => {
      db = await open();
      store = new PrismaOrderStore(db.prisma, "binance");
    }, 240_000);
    afterAll(async () => {
      if (db) await close(db);
    });

    it("stores an order with every field as Prisma's create stored it, and reads it back unchanged", async () => {
      for (const order of [fullOrder(id("full")), bareOrder(id("bare"))]) {
        await store.saveOrder(order);
        const reference = { ...order, clientOrderId: `${order.clientOrderId}-prisma` };
        await createdByPrisma(db, reference, "binance");
        expect(await rawRow(db, order.clientOrderId)).toEqual(await rawRow(db, reference.clientOrderId));
        expect(await store.loadOrder(order.clientOrderId)).toEqual(order);
        const row = await db.prisma.order.findUniqueOrThrow({ where: { clientOrderId: order.clientOrderId } });
        expect(orderFromRow(row)).toEqual(order);
        expect(row.venue).toBe("binance");
      }
      expect((await store.loadOrder(id("full")))!.riskChecks).toEqual(fullOrder("x").riskChecks);
      expect((await store.loadOrder(id("bare")))!.riskChecks).toBeUndefined();
    });

    it("refuses a second order with the same client order id (CONFLICT), leaving the first", async () => {
      const order = bareOrder(id("dup"));
      await store.saveOrder(order);
      await expect(store.saveOrder({ ...order, quantity: 9 })).rejects.toMatchObject({ code: "CONFLICT" });
      expect((await store.loadOrder(order.clientOrderId))!.quantity).toBe(1.5);
    });

    it("keeps storing after the session's prepared statements were dropped (DEALLOCATE ALL)", async () => {
      await store.saveOrder(bareOrder(id("before-deallocate")));
      await db.prisma.$executeRawUnsafe("DEALLOCATE ALL");
      const order = bareOrder(id("after-deallocate"));
      await store.saveOrder(order);
      expect(await store.loadOrder(order.clientOrderId)).toEqual(order);
    });

    it("updates an order in one compare-and-set: NOT_FOUND for none, ORDER_FINAL over a finished one, a late fee of the same state is taken", async () => {
      const order = fullOrder(id("upd"));
      await store.saveOrder(order);
      const filled: Order = { ...order, status: "filled", venueOrderId: "v-2", filledQuantity: 0.000000123456, avgFillPrice: 51_234.56789, fee: 0.2, error: undefined, updatedAt: T0 + 5, price: 51_234.5, stopPrice: undefined };
      await store.updateOrder(filled);
      expect(await store.loadOrder(order.clientOrderId)).toEqual(filled);
      await expect(store.updateOrder({ ...filled, status: "submitted", updatedAt: T0 + 6 })).rejects.toMatchObject({ code: "ORDER_FINAL", status: 409 });
      const lateFee: Order = { ...filled, fee: 0.25, updatedAt: T0 + 7 };
      await store.updateOrder(lateFee);
      expect(await store.loadOrder(order.clientOrderId)).toEqual(lateFee);
      await expect(store.updateOrder(bareOrder(id("missing")))).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("stores a fill once (false for the same venue trade id again) and refuses one of an unknown order (NOT_FOUND)", async () => {
      const order = bareOrder(id("fill"));
      await store.saveOrder(order);
      const fill: Fill = { clientOrderId: order.clientOrderId, venueTradeId: "T1", symbol: order.symbol, side: "buy", price: 2_345.678901234567, quantity: 0.75, fee: 0.001, baseFee: 0.00075, liquidity: "maker", timestamp: T0 + 999 };
      expect(await store.saveFill(fill)).toBe(true);
      expect(await store.saveFill({ ...fill, price: 1 })).toBe(false);
      const second: Fill = { ...fill, venueTradeId: "T2", baseFee: undefined, liquidity: "taker", timestamp: T0 + 1_000 };
      delete second.baseFee;
      expect(await store.saveFill(second)).toBe(true);
      expect(await store.loadFills(order.clientOrderId)).toEqual([fill, second]);
      const rows = await db.prisma.fill.findMany({ where: { clientOrderId: order.clientOrderId }, orderBy: { seq: "asc" } });
      expect(rows.map(fillFromRow)).toEqual([fill, second]);
      expect(rows[0].id).toMatch(/^fil_/);
      await expect(store.saveFill({ ...fill, clientOrderId: id("no-such-order") })).rejects.toMatchObject({ code: "NOT_FOUND" });
    });
  });
}

let embeddedDir = "";
behaves(
  "embedded database",
  async () => {
    embeddedDir = mkdtempSync(path.join(tmpdir(), "tk-order-sql-"));
    return openDatabase({ dataDir: embeddedDir });
  },
  async (db) => {
    await db.close();
    rmSync(embeddedDir, { recursive: true, force: true });
  },
);

const pgName = `tradekeel_order_sql_${process.pid}`;
const pgTarget = () => {
  const target = new URL(pgUrl);
  target.pathname = `/${pgName}`;
  return target.toString();
};
async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
if (havePg) {
  behaves(
    "PostgreSQL",
    async () => {
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${pgName}`);
      });
      return openDatabase({ url: pgTarget(), dataDir: "unused", singleInstance: false });
    },
    async (db) => {
      await db.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`));
    },
  );
}
