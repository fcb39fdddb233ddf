import type { Fill, Order } from "../model/types";
import { fillMetaFromOrder, type FillOutcome, type Ledger, type LedgerClosedTrade } from "../portfolio";
import type { RiskClosedTrade, RiskEntryRecord } from "../risk";

/** The entry order and signal behind an open position, for its trade record. */
export interface TradeOrigin {
  entryOrderId: string;
  signalId?: string;
}

export type BookedTrade = LedgerClosedTrade & { signalId?: string; entryOrderId?: string; exitOrderId?: string };

export interface BookedFill {
  /** The fill as booked: a fill of an order has the order's side. */
  fill: Fill;
  /** The venue reported another side than the order's (booked as the order's). */
  sideFixed: boolean;
  outcome: FillOutcome;
  /** The round trip this fill completed, with its origin. */
  trade: BookedTrade | null;
}

/**
 * The one fill-booking path: live fills (engine/account.ts) and replay after a restart
 * (engine/replay.ts) both come through here. It fixes the side, books into the ledger, remembers
 * which entry order (and signal) opened each position and attaches that origin to the trade that
 * closes it, and keeps the recent trades and entries the risk engine reads.
 */
export class FillBooker {
  readonly origins = new Map<string, TradeOrigin>();
  readonly recentClosedTrades: RiskClosedTrade[] = [];
  readonly recentEntries: RiskEntryRecord[] = [];
  /** Fills handed to book() (booked or refused by the ledger): a snapshot is consistent when this equals the stored count. */
  attempts = 0;
  private readonly entryIds = new Set<string>();

  constructor(
    readonly ledger: Ledger,
    private readonly keepTrades = 100,
  ) {}

  /** Seed from a snapshot (or what a replay learned). */
  seed(state: { origins?: Iterable<[string, TradeOrigin]>; recentClosedTrades?: readonly RiskClosedTrade[]; recentEntries?: readonly RiskEntryRecord[]; attempts?: number }): void {
    for (const [id, origin] of state.origins ?? []) this.origins.set(id, origin);
    if (state.recentClosedTrades) this.recentClosedTrades.push(...state.recentClosedTrades.slice(-this.keepTrades));
    for (const e of state.recentEntries ?? []) {
      this.entryIds.add(e.clientOrderId);
      this.recentEntries.push(e);
    }
    this.attempts += state.attempts ?? 0;
  }

  /** Book one stored fill of `order`. Throws when the ledger refuses it (counted as an attempt). */
  book(reported: Fill, order: Order, options: { recordEntry?: boolean } = {}): BookedFill {
    this.attempts += 1;
    const sideFixed = reported.side !== order.side;
    const fill = sideFixed ? { ...reported, side: order.side } : reported;
    const outcome = this.ledger.applyFill(fill, fillMetaFromOrder(order));
    if (outcome.opened && outcome.position) this.origins.set(outcome.position.id, { entryOrderId: order.clientOrderId, signalId: order.signalId });
    // Replay learns the entries from the fills; live entries are recorded when they are sent.
    if (options.recordEntry && order.intent === "entry" && !this.entryIds.has(order.clientOrderId)) {
      this.entryIds.add(order.clientOrderId);
      this.recentEntries.push({ clientOrderId: order.clientOrderId, symbol: order.symbol, at: order.createdAt });
    }
    return { fill, sideFixed, outcome, trade: outcome.closedTrade ? this.closeTrade(outcome.closedTrade, order.clientOrderId) : null };
  }

  /** A round trip ended (a fill or a move to dust): the trade with its origin, remembered for the risk engine. */
  closeTrade(trade: LedgerClosedTrade, exitOrderId: string | undefined): BookedTrade {
    const origin = this.origins.get(trade.positionId);
    this.origins.delete(trade.positionId);
    this.recentClosedTrades.push({ symbol: trade.symbol, pnl: trade.pnl, closedAt: trade.closedAt, exitReason: trade.exitReason, strategyInstanceId: trade.strategyInstanceId });
    if (this.recentClosedTrades.length > this.keepTrades) this.recentClosedTrades.shift();
    return { ...trade, signalId: origin?.signalId, entryOrderId: origin?.entryOrderId, exitOrderId };
  }

  /** Entries recorded by the account when sent (min interval, trades per day), pruned by age. */
  recordEntry(entry: RiskEntryRecord): void {
    this.entryIds.add(entry.clientOrderId);
    this.recentEntries.push(entry);
  }

  pruneEntries(cutoff: number): void {
    while (this.recentEntries.length && this.recentEntries[0].at < cutoff) this.entryIds.delete(this.recentEntries.shift()!.clientOrderId);
  }
}
