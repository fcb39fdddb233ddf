import type { Logger } from "../core/logger";
import type { Fill, Order } from "../model/types";
import { fillMetaFromOrder, type Ledger, type LedgerClosedTrade } from "../portfolio";
import type { RiskClosedTrade, RiskEntryRecord } from "../risk";

export type RestoredTrade = LedgerClosedTrade & { signalId?: string; entryOrderId?: string; exitOrderId?: string };

export interface ReplayResult {
  origins: Map<string, { entryOrderId: string; signalId?: string }>;
  recentClosedTrades: RiskClosedTrade[];
  recentEntries: RiskEntryRecord[];
  trades: RestoredTrade[];
  refused: number;
  fills: number;
}

/**
 * Rebuild a ledger after a restart by replaying its stored fills (the source of truth, persisted
 * before they were ever published) in the order they were stored. The ledger uses sequential ids, so
 * the same fills give the same position and trade ids as before the restart.
 */
export function replayFills(ledger: Ledger, entries: ReadonlyArray<{ fill: Fill; order: Order }>, logger: Logger): ReplayResult {
  const result: ReplayResult = { origins: new Map(), recentClosedTrades: [], recentEntries: [], trades: [], refused: 0, fills: 0 };
  const entryIds = new Set<string>();
  for (const { fill: stored, order } of entries) {
    const fill = stored.side === order.side ? stored : { ...stored, side: order.side };
    let outcome;
    try {
      outcome = ledger.applyFill(fill, fillMetaFromOrder(order));
    } catch (err) {
      result.refused += 1;
      logger.error({ err, clientOrderId: fill.clientOrderId }, "a stored fill could not be replayed");
      continue;
    }
    result.fills += 1;
    if (outcome.opened && outcome.position) result.origins.set(outcome.position.id, { entryOrderId: order.clientOrderId, signalId: order.signalId });
    if (order.intent === "entry" && !entryIds.has(order.clientOrderId)) {
      entryIds.add(order.clientOrderId);
      result.recentEntries.push({ clientOrderId: order.clientOrderId, symbol: order.symbol, at: order.createdAt });
    }
    const trade = outcome.closedTrade;
    if (trade) {
      const origin = result.origins.get(trade.positionId);
      result.origins.delete(trade.positionId);
      result.recentClosedTrades.push({ symbol: trade.symbol, pnl: trade.pnl, closedAt: trade.closedAt, exitReason: trade.exitReason });
      result.trades.push({ ...trade, signalId: origin?.signalId, entryOrderId: origin?.entryOrderId, exitOrderId: order.clientOrderId });
    }
  }
  return result;
}
