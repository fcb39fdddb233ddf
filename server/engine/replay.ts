import type { Logger } from "../core/logger";
import type { Fill, Instrument, KernelMode, Order } from "../model/types";
import { FillBooker, type BookedTrade, type TradeOrigin } from "./fill-booker";
import {
  dustRemainder,
  isStoredFunding,
  type AfterFillRecord,
  type DustMove,
  type DustMoveStore,
  type Ledger,
  type LedgerPosition,
  type MoveToDustResult,
} from "../portfolio";
import type { RiskClosedTrade, RiskEntryRecord } from "../risk";

export type RestoredTrade = BookedTrade;

export interface ReplayResult {
  origins: Map<string, TradeOrigin>;
  recentClosedTrades: RiskClosedTrade[];
  recentEntries: RiskEntryRecord[];
  trades: RestoredTrade[];
  /** Stored fills (and dust moves) the ledger refused. */
  refused: number;
  fills: number;
  /** Dust moves replayed. */
  dustMoves: number;
  /** Funding payments replayed (futures). */
  funding: number;
  /** The booker that replayed them (the account goes on booking live fills with it). */
  booker: FillBooker;
}

/** A stored fill with its order and the dust moves stored with it (replayEntryFromRow builds it from a row). */
export interface ReplayEntry {
  fill: Fill;
  order: Order;
  /** Positions moved to dust and (futures) funding booked right after this fill (fills.dustMoves), in order. */
  dustMoves?: readonly AfterFillRecord[];
  /** Only the dust moves from this index on (the fill itself was in a ledger snapshot). */
  dustMovesFrom?: number;
}

/**
 * Rebuild a ledger after a restart by replaying its stored fills (the source of truth, persisted
 * before they were ever published) in the order they were stored, through the same FillBooker the
 * account books live fills with. The ledger uses sequential ids, so the same fills give the same
 * position and trade ids as before the restart. A fill's baseFee (the commission withheld from the
 * base bought) is booked as stored. After each fill its dust moves are applied (Ledger.moveToDust),
 * by the stored position id or, if the ids differ, by symbol + strategy; the trade a move books is
 * restored like any other, without an exit order id. After a ledger snapshot (ledger-snapshot.ts)
 * only the fills stored after it are replayed, into the snapshot's ledger and booker.
 */
export function replayFills(ledger: Ledger, entries: ReadonlyArray<ReplayEntry>, logger: Logger, booker = new FillBooker(ledger)): ReplayResult {
  const result: ReplayResult = { origins: booker.origins, recentClosedTrades: booker.recentClosedTrades, recentEntries: booker.recentEntries, trades: [], refused: 0, fills: 0, dustMoves: 0, funding: 0, booker };
  for (const { fill, order, dustMoves, dustMovesFrom } of entries) {
    if (dustMovesFrom === undefined) {
      try {
        const booked = booker.book(fill, order, { recordEntry: true });
        result.fills += 1;
        if (booked.trade) result.trades.push(booked.trade);
      } catch (err) {
        result.refused += 1;
        logger.error({ err, clientOrderId: fill.clientOrderId }, "a stored fill could not be replayed");
      }
    }
    for (const move of (dustMoves ?? []).slice(dustMovesFrom ?? 0)) {
      if (isStoredFunding(move)) {
        try {
          const { kind: _kind, ...payment } = move;
          ledger.applyFunding(payment);
          result.funding += 1;
        } catch (err) {
          result.refused += 1;
          logger.error({ err, symbol: move.symbol, clientOrderId: fill.clientOrderId }, "a stored funding payment could not be replayed");
        }
        continue;
      }
      const open = ledger.openPositionsOf(move.symbol);
      const position =
        open.find((p) => p.id === move.positionId) ?? open.find((p) => (p.strategyInstanceId ?? undefined) === (move.strategyInstanceId ?? undefined));
      if (!position) {
        result.refused += 1;
        logger.error({ move, clientOrderId: fill.clientOrderId }, "a stored dust move found no open position to move");
        continue;
      }
      if (position.id !== move.positionId)
        logger.warn({ move, positionId: position.id }, "a stored dust move names another position id: moved the position of its symbol and strategy");
      let moved: MoveToDustResult;
      try {
        moved = ledger.moveToDust(position.id, move.at, move.reason);
      } catch (err) {
        result.refused += 1;
        logger.error({ err, move }, "a stored dust move could not be replayed");
        continue;
      }
      result.dustMoves += 1;
      // As the account publishes it: a move to dust is not an order, so its trade has no exit order.
      if (moved.closedTrade) result.trades.push(booker.closeTrade(moved.closedTrade, undefined));
      else booker.origins.delete(position.id);
    }
  }
  return result;
}

/**
 * What the engine calls when it moves a position to dust: the ledger moves it at once (so the next
 * fill sees the ledger as it will be replayed), then the move is stored; resolve before publishing
 * (acknowledging) the move, its trade or the new balances. afterFill: the fill that left the
 * remainder, when the move follows a fill; omit it for a remainder found later (start-up sweep). If
 * storing fails the ledger has still moved; the position reappears after a restart and sweepDust moves
 * it again, so a failure is logged by the caller and the move is not published as durable.
 */
export async function moveToDustDurably(args: {
  ledger: Ledger;
  store: DustMoveStore;
  mode: KernelMode;
  positionId: string;
  at: number;
  reason?: string;
  afterFill?: { clientOrderId: string; venueTradeId: string };
}): Promise<MoveToDustResult> {
  const { ledger, store, mode, positionId, at, reason, afterFill } = args;
  const moved = ledger.moveToDust(positionId, at, reason);
  const move: DustMove = { positionId, symbol: moved.position.symbol, at };
  if (moved.position.strategyInstanceId !== undefined) move.strategyInstanceId = moved.position.strategyInstanceId;
  if (reason !== undefined) move.reason = reason;
  await store.recordDust(mode, move, afterFill);
  return moved;
}

/** The open longs whose whole remaining quantity can never be sold at the current mark (dustRemainder). */
export function unsellablePositions(ledger: Ledger, instruments: ReadonlyMap<string, Instrument>): LedgerPosition[] {
  const found: LedgerPosition[] = [];
  for (const view of ledger.positions()) {
    const instrument = instruments.get(view.symbol);
    if (!instrument || view.side !== "long") continue;
    if (dustRemainder(view.quantity, view.markPrice, instrument) === view.quantity) found.push(ledger.getPosition(view.symbol, view.strategyInstanceId)!);
  }
  return found;
}

/**
 * Start-up sweep (after replay): move every open long that can never be sold to dust, durably. This
 * also repairs a move whose storing failed before a restart.
 */
export async function sweepDust(args: {
  ledger: Ledger;
  store: DustMoveStore;
  mode: KernelMode;
  instruments: ReadonlyMap<string, Instrument>;
  at: number;
  reason?: (position: LedgerPosition) => string;
}): Promise<MoveToDustResult[]> {
  const results: MoveToDustResult[] = [];
  for (const position of unsellablePositions(args.ledger, args.instruments)) {
    results.push(
      await moveToDustDurably({
        ledger: args.ledger,
        store: args.store,
        mode: args.mode,
        positionId: position.id,
        at: args.at,
        reason: args.reason?.(position) ?? `${position.quantity} ${position.symbol} left below the lot step, minimum quantity or minimum notional`,
      }),
    );
  }
  return results;
}
