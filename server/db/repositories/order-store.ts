import { TERMINAL_ORDER_STATUSES, type KernelMode, type Order, type Fill, type OrderStatus, type OrderType, type TimeInForce, type ExitReason } from "../../model/types";
import { orderFinal, type OrderStore } from "../../execution";
import type { AfterFillRecord, DustMove, DustMoveStore, FundingPayment, FundingStore, StoredFunding } from "../../portfolio";
import { conflict, notFound } from "../../core/errors";
import { newId } from "../../core/ids";
import type { PrismaClient } from "../generated/client";
import type { Order as OrderRow, Fill as FillRow } from "../generated/client";
import { dec, ms, num, optDec, optNum } from "./convert";
import { directSqlFor, FOREIGN_KEY_VIOLATION, sqlState, UNIQUE_VIOLATION, type DirectSql } from "./direct-sql";

const OPEN_STATUSES: OrderStatus[] = ["new", "submitted", "partially_filled"];
const TERMINAL_STATUSES: OrderStatus[] = [...TERMINAL_ORDER_STATUSES];

export function orderFromRow(row: OrderRow): Order {
  return {
    clientOrderId: row.clientOrderId,
    venueOrderId: row.venueOrderId ?? undefined,
    mode: row.mode as KernelMode,
    symbol: row.symbol,
    side: row.side,
    type: row.type as OrderType,
    status: row.status as OrderStatus,
    intent: row.intent as Order["intent"],
    reduceOnly: row.reduceOnly,
    quantity: num(row.quantity),
    price: optNum(row.price),
    stopPrice: optNum(row.stopPrice),
    timeInForce: (row.timeInForce ?? undefined) as TimeInForce | undefined,
    filledQuantity: num(row.filledQuantity),
    avgFillPrice: num(row.avgFillPrice),
    fee: num(row.fee),
    stopLoss: optNum(row.stopLoss),
    takeProfit: optNum(row.takeProfit),
    exitReason: (row.exitReason ?? undefined) as ExitReason | undefined,
    reason: row.reason,
    error: row.error ?? undefined,
    strategyInstanceId: row.strategyInstanceId ?? undefined,
    sessionId: row.sessionId ?? undefined,
    signalId: row.signalId ?? undefined,
    riskChecks: (row.riskChecks as Order["riskChecks"]) ?? undefined,
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
  };
}

export function fillFromRow(row: FillRow): Fill {
  const fill: Fill = {
    clientOrderId: row.clientOrderId,
    venueTradeId: row.venueTradeId,
    symbol: row.symbol,
    side: row.side,
    price: num(row.price),
    quantity: num(row.quantity),
    fee: num(row.fee),
    liquidity: row.liquidity as Fill["liquidity"],
    timestamp: ms(row.timestamp)!,
  };
  if (row.baseFee !== null && row.baseFee !== undefined) fill.baseFee = num(row.baseFee);
  return fill;
}

/**
 * The records stored with a fill (fills.dustMoves), in order: dust moves and (futures) funding payments
 * (`kind: "funding"`); malformed entries are dropped.
 */
export function dustMovesFromRow(row: Pick<FillRow, "dustMoves">): AfterFillRecord[] {
  const raw = row.dustMoves;
  if (!Array.isArray(raw)) return [];
  const moves: AfterFillRecord[] = [];
  for (const item of raw) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
    const m = item as Record<string, unknown>;
    if (m.kind === "funding") {
      if (typeof m.symbol !== "string" || typeof m.cashFlow !== "number" || !Number.isFinite(m.cashFlow) || typeof m.timestamp !== "number" || !Number.isFinite(m.timestamp)) continue;
      const funding: StoredFunding = { kind: "funding", symbol: m.symbol, cashFlow: m.cashFlow, timestamp: m.timestamp };
      if (typeof m.strategyInstanceId === "string" && m.strategyInstanceId !== "") funding.strategyInstanceId = m.strategyInstanceId;
      if (typeof m.fundingRate === "number" && Number.isFinite(m.fundingRate)) funding.fundingRate = m.fundingRate;
      if (typeof m.markPrice === "number" && Number.isFinite(m.markPrice)) funding.markPrice = m.markPrice;
      moves.push(funding);
      continue;
    }
    if (typeof m.positionId !== "string" || typeof m.symbol !== "string" || typeof m.at !== "number" || !Number.isFinite(m.at)) continue;
    const move: DustMove = { positionId: m.positionId, symbol: m.symbol, at: m.at };
    if (typeof m.strategyInstanceId === "string" && m.strategyInstanceId !== "") move.strategyInstanceId = m.strategyInstanceId;
    if (typeof m.reason === "string") move.reason = m.reason;
    moves.push(move);
  }
  return moves;
}

/** A stored fill with its order, as server/engine/replay.ts replays it (fill, order, dust moves after it). */
export function replayEntryFromRow(row: FillRow & { order: OrderRow }): { fill: Fill; order: Order; dustMoves: AfterFillRecord[] } {
  return { fill: fillFromRow(row), order: orderFromRow(row.order), dustMoves: dustMovesFromRow(row) };
}

// The order path's statements, run on the driver (direct-sql.ts). Columns and conversions are Prisma's
// (schema.prisma, model Order and Fill): amounts as exact decimal strings into NUMERIC(30,12), times as
// UTC ISO strings into TIMESTAMP(3) (the zone suffix is ignored, as Prisma stores UTC), enums cast.
// Tables and types are schema-qualified like Prisma's own queries.
const ORDER_COLUMNS = [
  ["clientOrderId", ""],
  ["venueOrderId", ""],
  ["mode", ""],
  ["venue", ""],
  ["symbol", ""],
  ["side", '::"public"."OrderSide"'],
  ["type", '::"public"."OrderType"'],
  ["status", '::"public"."OrderStatus"'],
  ["intent", ""],
  ["reduceOnly", "::boolean"],
  ["quantity", "::numeric"],
  ["price", "::numeric"],
  ["stopPrice", "::numeric"],
  ["timeInForce", ""],
  ["filledQuantity", "::numeric"],
  ["avgFillPrice", "::numeric"],
  ["fee", "::numeric"],
  ["stopLoss", "::numeric"],
  ["takeProfit", "::numeric"],
  ["exitReason", ""],
  ["reason", ""],
  ["error", ""],
  ["strategyInstanceId", ""],
  ["sessionId", ""],
  ["signalId", ""],
  ["riskChecks", "::jsonb"],
  ["createdAt", "::timestamp(3)"],
  ["updatedAt", "::timestamp(3)"],
] as const;

const INSERT_ORDER = `INSERT INTO "public"."orders" (${ORDER_COLUMNS.map(([c]) => `"${c}"`).join(", ")}) VALUES (${ORDER_COLUMNS.map(([, cast], i) => `$${i + 1}${cast}`).join(", ")})`;

// Status literals from the model's own list (plain lower-case words), so the compare-and-set is one statement.
const TERMINAL_LIST = TERMINAL_STATUSES.map((s) => {
  if (!/^[a-z_]+$/.test(s)) throw new Error(`unexpected order status ${s}`);
  return `'${s}'`;
}).join(", ");

const UPDATE_ORDER = `UPDATE "public"."orders" SET "venueOrderId" = $2, "status" = $3::"public"."OrderStatus", "filledQuantity" = $4::numeric, "avgFillPrice" = $5::numeric, "fee" = $6::numeric, "error" = $7, "updatedAt" = $8::timestamp(3), "quantity" = $9::numeric, "price" = $10::numeric, "stopPrice" = $11::numeric WHERE "clientOrderId" = $1 AND ("status" NOT IN (${TERMINAL_LIST}) OR "status" = $3::"public"."OrderStatus")`;

const INSERT_FILL = `INSERT INTO "public"."fills" ("id", "clientOrderId", "venueTradeId", "symbol", "side", "price", "quantity", "fee", "baseFee", "liquidity", "timestamp") VALUES ($1, $2, $3, $4, $5::"public"."OrderSide", $6::numeric, $7::numeric, $8::numeric, $9::numeric, $10, $11::timestamp(3)) ON CONFLICT DO NOTHING`;

/**
 * Orders and fills in the database: an order is durable before the venue ever sees it. Dust moves
 * (Ledger.moveToDust) are stored with a fill, in fills.dustMoves (a JSON array, appended atomically):
 * replay applies them right after that fill, so a restart reproduces the move at the same point.
 */
export class PrismaOrderStore implements OrderStore, DustMoveStore, FundingStore {
  private readonly sql: DirectSql;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly venueId: string,
  ) {
    this.sql = directSqlFor(prisma);
  }

  /**
   * One INSERT on the driver (direct-sql.ts), committed before this resolves: the order path awaits it
   * before the venue sees the order. Embedded: the row is in the WAL in the data directory (survives a
   * crash of the process; PGlite does not fsync). PostgreSQL: committed by the server (by default its
   * WAL is flushed to disk first).
   */
  async saveOrder(order: Order): Promise<void> {
    try {
      await this.sql.execute(INSERT_ORDER, [
        order.clientOrderId,
        order.venueOrderId ?? null,
        order.mode,
        this.venueId,
        order.symbol,
        order.side,
        order.type,
        order.status,
        order.intent,
        order.reduceOnly,
        dec(order.quantity),
        optDec(order.price),
        optDec(order.stopPrice),
        order.timeInForce ?? null,
        dec(order.filledQuantity),
        dec(order.avgFillPrice),
        dec(order.fee),
        optDec(order.stopLoss),
        optDec(order.takeProfit),
        order.exitReason ?? null,
        order.reason,
        order.error ?? null,
        order.strategyInstanceId ?? null,
        order.sessionId ?? null,
        order.signalId ?? null,
        order.riskChecks === undefined ? null : JSON.stringify(order.riskChecks),
        new Date(order.createdAt).toISOString(),
        new Date(order.updatedAt).toISOString(),
      ]);
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) throw conflict(`order ${order.clientOrderId} already exists`);
      throw err;
    }
  }

  /**
   * Compare-and-set on the status: the row is written only while it is not terminal, or is terminal
   * with this very status (a late fee or fill of a finished order). A write that would move a
   * finished order back (a stale copy written over a newer state) changes nothing and throws
   * ORDER_FINAL; the check and the write are one statement, so no other writer slips in between.
   */
  async updateOrder(order: Order): Promise<void> {
    const changed = await this.sql.execute(UPDATE_ORDER, [
      order.clientOrderId,
      order.venueOrderId ?? null,
      order.status,
      dec(order.filledQuantity),
      dec(order.avgFillPrice),
      dec(order.fee),
      order.error ?? null,
      new Date(order.updatedAt).toISOString(),
      dec(order.quantity),
      optDec(order.price),
      optDec(order.stopPrice),
    ]);
    if (changed === 1) return;
    const stored = await this.prisma.order.findUnique({ where: { clientOrderId: order.clientOrderId }, select: { status: true } });
    if (!stored) throw notFound(`order ${order.clientOrderId}`);
    throw orderFinal(order.clientOrderId, stored.status, order.status);
  }

  /** One INSERT ... ON CONFLICT DO NOTHING (Prisma's skipDuplicates): a fill already stored changes nothing. */
  async saveFill(fill: Fill): Promise<boolean> {
    try {
      const inserted = await this.sql.execute(INSERT_FILL, [
        newId("fil_"),
        fill.clientOrderId,
        fill.venueTradeId,
        fill.symbol,
        fill.side,
        dec(fill.price),
        dec(fill.quantity),
        dec(fill.fee),
        optDec(fill.baseFee),
        fill.liquidity,
        new Date(fill.timestamp).toISOString(),
      ]);
      return inserted === 1;
    } catch (err) {
      if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw notFound(`order ${fill.clientOrderId} of fill ${fill.venueTradeId}`);
      throw err;
    }
  }

  /**
   * Store a dust move durably: with afterFill, with that fill (the fill that left the remainder); else
   * with the mode's latest stored fill (a remainder found later, e.g. at start-up). Throws NOT_FOUND
   * when there is no such fill of that mode (nothing is written then).
   */
  async recordDust(mode: KernelMode, move: DustMove, afterFill?: { clientOrderId: string; venueTradeId: string }): Promise<void> {
    const entry: DustMove = { positionId: move.positionId, symbol: move.symbol, at: move.at };
    if (move.strategyInstanceId !== undefined) entry.strategyInstanceId = move.strategyInstanceId;
    if (move.reason !== undefined) entry.reason = move.reason;
    const json = JSON.stringify([entry]);
    const count = afterFill
      ? await this.prisma.$executeRaw`
          UPDATE "fills" AS f SET "dustMoves" = COALESCE(f."dustMoves", '[]'::jsonb) || ${json}::jsonb
          FROM "orders" AS o
          WHERE o."clientOrderId" = f."clientOrderId" AND o."mode" = ${mode}
            AND f."clientOrderId" = ${afterFill.clientOrderId} AND f."venueTradeId" = ${afterFill.venueTradeId}`
      : await this.prisma.$executeRaw`
          UPDATE "fills" SET "dustMoves" = COALESCE("dustMoves", '[]'::jsonb) || ${json}::jsonb
          WHERE "seq" = (SELECT MAX(f."seq") FROM "fills" AS f JOIN "orders" AS o ON o."clientOrderId" = f."clientOrderId" WHERE o."mode" = ${mode})`;
    if (count !== 1) {
      const where = afterFill ? `fill ${afterFill.venueTradeId} of ${afterFill.clientOrderId}` : "any fill";
      throw notFound(`${where} of mode ${mode} to record the dust move of position ${move.positionId} with`);
    }
  }

  /**
   * Store a funding payment (futures) durably, with the mode's latest stored fill (after it in replay
   * order, in the same list as the dust moves). Throws NOT_FOUND when the mode has no fill (funding is
   * only ever booked against a position, which a fill opened).
   */
  async recordFunding(mode: KernelMode, payment: FundingPayment): Promise<void> {
    const entry: StoredFunding = { kind: "funding", symbol: payment.symbol, cashFlow: payment.cashFlow, timestamp: payment.timestamp };
    if (payment.strategyInstanceId !== undefined) entry.strategyInstanceId = payment.strategyInstanceId;
    if (payment.fundingRate !== undefined) entry.fundingRate = payment.fundingRate;
    if (payment.markPrice !== undefined) entry.markPrice = payment.markPrice;
    const json = JSON.stringify([entry]);
    const count = await this.prisma.$executeRaw`
      UPDATE "fills" SET "dustMoves" = COALESCE("dustMoves", '[]'::jsonb) || ${json}::jsonb
      WHERE "seq" = (SELECT MAX(f."seq") FROM "fills" AS f JOIN "orders" AS o ON o."clientOrderId" = f."clientOrderId" WHERE o."mode" = ${mode})`;
    if (count !== 1) throw notFound(`any fill of mode ${mode} to record the ${payment.symbol} funding payment with`);
  }

  async loadOpenOrders(mode: KernelMode): Promise<Order[]> {
    const rows = await this.prisma.order.findMany({ where: { mode, status: { in: OPEN_STATUSES } }, orderBy: { createdAt: "asc" } });
    return rows.map(orderFromRow);
  }

  async loadOrder(clientOrderId: string): Promise<Order | undefined> {
    const row = await this.prisma.order.findUnique({ where: { clientOrderId } });
    return row ? orderFromRow(row) : undefined;
  }

  async findByVenueOrderId(mode: KernelMode, venueOrderId: string): Promise<Order | undefined> {
    const row = await this.prisma.order.findFirst({ where: { venue: this.venueId, mode, venueOrderId } });
    return row ? orderFromRow(row) : undefined;
  }

  async loadFills(clientOrderId: string): Promise<Fill[]> {
    const rows = await this.prisma.fill.findMany({ where: { clientOrderId }, orderBy: [{ timestamp: "asc" }, { seq: "asc" }] });
    return rows.map(fillFromRow);
  }
}
