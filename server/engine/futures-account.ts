import { roundMoney } from "../core/decimal";
import { addQty, subQty } from "../core/quantity";
import type { VenueOrderUpdate } from "../execution";
import { isolatedWallet, unrealizedPnl } from "../futures";
import type { Fill, KernelMode, Order, PositionSide } from "../model/types";
import type { FundingStore, Ledger, LedgerPosition } from "../portfolio";
import type { RiskFuturesContext, RiskPerpContract } from "../risk";

/**
 * The futures side of a trading account (issue 15), as the perp-only risk checks read it
 * (RiskContext.futures). The account trades the contracts listed here (leverage, margin mode and
 * maintenance brackets as set at the venue); everything else is computed from the account's own
 * ledger, which books a perpetual like a spot pair (cash moves by the notional, a short is a
 * negative holding) plus funding:
 * - wallet balance = starting cash + the ledger's realized P&L (net of every fee and every funding
 *   payment), i.e. Binance's totalWalletBalance: deposits + realised P&L − fees ± funding, without
 *   unrealised P&L;
 * - principal = the capital put in: `principal` when stated, else the ledger's starting cash;
 * - futures P&L = realized P&L of the perp symbols (attribution by symbol) + unrealised P&L of the
 *   open perp positions at mark;
 * - isolated wallets: an isolated position's entry notional / leverage − its funding paid.
 * Nothing is copied until a check reads it: a spot order reads only `contracts`.
 */
export interface AccountFutures {
  /** The perpetuals the account trades, by symbol (symbols not listed are spot). */
  readonly contracts: ReadonlyMap<string, RiskPerpContract>;
  /** Capital the trader put in (quote); default: the ledger's starting cash. */
  readonly principal?: number;
  /**
   * Paper, ghost and backtest: the funding rate of a perpetual at a funding time (stored funding
   * history); undefined or absent: DEFAULT_FUNDING_RATE.
   */
  readonly fundingRate?: (symbol: string, time: number) => number | undefined;
  /**
   * Live: the funding the venue booked since a time (Binance GET /fapi/v1/income, FUNDING_FEE; ccxt
   * fetchFundingHistory). The account books the venue's own amounts instead of computing them.
   */
  readonly fundingIncome?: (since: number) => Promise<readonly FundingIncome[]>;
  /** Where each funding payment is stored before it counts (a restart replays it). */
  readonly fundingStore?: FundingStore;
  /**
   * Live: the venue's open perp positions (Binance GET /fapi/v2|v3/positionRisk, ccxt fetchPositions),
   * one per symbol in one-way mode. The kill switch lists, closes and confirms flat from these, not
   * from the ledger: a position the venue holds and the ledger does not know still gets closed.
   */
  readonly venuePositions?: () => Promise<readonly VenuePerpPosition[]>;
}

/** A perp position as the venue reports it (positionRisk): the side from positionAmt's sign, quantity its absolute value. */
export interface VenuePerpPosition {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly quantity: number;
}

/**
 * ccxt positions (fetchPositions) as the venue's open perp positions: Binance's signed positionAmt
 * when the answer carries it (negative = short), else ccxt's contracts and side; zero-size entries
 * (positionRisk lists every symbol) left out.
 */
export function venuePerpPositions(list: readonly { symbol?: string; side?: string | undefined; contracts?: number | undefined; info?: unknown }[]): VenuePerpPosition[] {
  const out: VenuePerpPosition[] = [];
  for (const p of list) {
    if (!p.symbol) continue;
    const raw = (p.info as { positionAmt?: unknown } | undefined)?.positionAmt;
    const amt = raw !== undefined && raw !== null && raw !== "" ? Number(raw) : p.side === "short" ? -Number(p.contracts ?? 0) : Number(p.contracts ?? 0);
    if (!Number.isFinite(amt) || amt === 0) continue;
    out.push({ symbol: p.symbol, side: amt < 0 ? "short" : "long", quantity: Math.abs(amt) });
  }
  return out;
}

/** A funding payment as the venue reports it: the cash flow into the account (negative = paid). */
export interface FundingIncome {
  readonly symbol: string;
  readonly amount: number;
  readonly time: number;
  /** The venue's id of the income record (deduplication). */
  readonly id?: string;
}


export function futuresRiskContext(ledger: Ledger, futures: AccountFutures): RiskFuturesContext {
  return new LedgerFuturesView(ledger, futures);
}

class LedgerFuturesView implements RiskFuturesContext {
  readonly contracts: ReadonlyMap<string, RiskPerpContract>;
  readonly principal: number;
  #walletBalance: number | undefined;
  #futuresPnl: number | undefined;
  #isolated: ReadonlyMap<string, number> | undefined;

  constructor(
    private readonly ledger: Ledger,
    futures: AccountFutures,
  ) {
    this.contracts = futures.contracts;
    this.principal = futures.principal ?? ledger.startingCash;
  }

  get walletBalance(): number {
    return (this.#walletBalance ??= this.ledger.startingCash + this.ledger.realizedPnl);
  }

  get futuresPnl(): number {
    if (this.#futuresPnl !== undefined) return this.#futuresPnl;
    const bySymbol = this.ledger.attribution().bySymbol;
    let pnl = 0;
    for (const symbol of this.contracts.keys()) pnl += bySymbol[symbol]?.realizedPnl ?? 0;
    for (const p of this.ledger.positions()) {
      if (!this.contracts.has(p.symbol) || !(p.quantity > 0)) continue;
      const mark = Number.isFinite(p.markPrice) && p.markPrice! > 0 ? p.markPrice! : p.avgEntryPrice;
      pnl += unrealizedPnl({ side: p.side, quantity: p.quantity, entryPrice: p.avgEntryPrice }, mark);
    }
    return (this.#futuresPnl = pnl);
  }

  get isolatedWallets(): ReadonlyMap<string, number> | undefined {
    if (this.#isolated) return this.#isolated;
    const wallets = new Map<string, number>();
    const sides = new Map<string, string>();
    const mixed = new Set<string>();
    for (const p of this.ledger.positions()) {
      const c = this.contracts.get(p.symbol);
      if (!c || c.marginMode !== "isolated" || !(p.quantity > 0)) continue;
      // One-way mode: the venue holds one net position per symbol; the ledger's (one per strategy
      // instance) add up when on one side. Opposite sides net at the venue: left to the checks' own
      // netting (entry notional / leverage of the net position).
      if (sides.has(p.symbol) && sides.get(p.symbol) !== p.side) mixed.add(p.symbol);
      sides.set(p.symbol, p.side);
      const wallet = isolatedWallet({ side: p.side, quantity: p.quantity, entryPrice: p.avgEntryPrice }, c.leverage, { fundingPaid: p.fundingPaid ?? 0 });
      wallets.set(p.symbol, (wallets.get(p.symbol) ?? 0) + wallet);
    }
    for (const symbol of mixed) wallets.delete(symbol);
    return (this.#isolated = wallets);
  }
}

// ---------------------------------------------------------------- the venue's own liquidation

/** What booking a venue liquidation does to the ledger (see planVenueLiquidation). */
export interface VenueLiquidationPlan {
  /** One filled exit order per ledger position closed, each with its share of the venue's fills. */
  readonly orders: readonly { order: Order; fills: Fill[]; positionId: string }[];
  /** The side of the positions the venue closed (a sell closes longs). */
  readonly side: PositionSide;
  /** What the venue closed (the fills' quantity) and what of it the ledger had not held (not booked). */
  readonly quantity: number;
  readonly unbooked: number;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

/**
 * The venue's liquidation of a perp as ledger bookings: its fills close the ledger's positions of the
 * symbol on the liquidated side, one after the other (one-way mode: the venue liquidates the net
 * position, the ledger holds one per strategy instance), each through an exit order of its own with
 * exit reason "liquidation" and the position's strategy instance. The first order keeps the venue's
 * client and order id (a later update or a start-up reconciliation of the same order finds it and its
 * fills stored, so nothing is booked twice); the others get ":2", ":3"… Fees are shared by quantity.
 * What the venue closed beyond the ledger's positions is not booked (the ledger never held it): it is
 * reported in `unbooked`. A fill is never booked past a position: the ledger cannot flip to the other side.
 */
export function planVenueLiquidation(update: VenueOrderUpdate, positions: readonly LedgerPosition[], mode: KernelMode): VenueLiquidationPlan {
  const side: PositionSide = update.side === "sell" ? "long" : "short";
  const held = positions.filter((p) => p.symbol === update.symbol && p.side === side && p.quantity > 0);
  const remaining = held.map((p) => p.quantity);
  const parts = held.map(() => [] as Fill[]);
  let quantity = 0;
  let unbooked = 0;
  const fills = [...update.fills].sort((a, b) => a.timestamp - b.timestamp);
  const idOf = (i: number) => (i === 0 ? update.clientOrderId : `${update.clientOrderId}:${i + 1}`);
  for (const fill of fills) {
    quantity = addQty(quantity, fill.quantity);
    let left = fill.quantity;
    let feeLeft = fill.fee;
    for (let i = 0; i < held.length && left > 0; i++) {
      if (!(remaining[i] > 0)) continue;
      const part = Math.min(left, remaining[i]);
      left = subQty(left, part);
      remaining[i] = subQty(remaining[i], part);
      const fee = left > 0 ? roundMoney((fill.fee * part) / fill.quantity) : roundMoney(feeLeft);
      feeLeft = roundMoney(feeLeft - fee);
      const { baseFee: _baseFee, ...rest } = fill;
      parts[i].push({ ...rest, clientOrderId: idOf(i), side: update.side, quantity: part, fee });
    }
    if (left > 0) unbooked = addQty(unbooked, left);
  }
  const kind = /^adl_/.test(update.clientOrderId) ? "auto-deleveraged" : "liquidated";
  const orders = held.flatMap((p, i) => {
    const own = parts[i];
    if (own.length === 0) return [];
    const filled = own.reduce((s, f) => addQty(s, f.quantity), 0);
    const notional = own.reduce((s, f) => s + f.price * f.quantity, 0);
    const at = own[own.length - 1].timestamp;
    const order: Order = {
      clientOrderId: idOf(i),
      ...(i === 0 && update.venueOrderId ? { venueOrderId: update.venueOrderId } : {}),
      symbol: update.symbol,
      side: update.side,
      type: "market",
      quantity: filled,
      intent: "exit",
      reduceOnly: true,
      exitReason: "liquidation",
      ...(p.strategyInstanceId !== undefined ? { strategyInstanceId: p.strategyInstanceId } : {}),
      ...(p.sessionId !== undefined ? { sessionId: p.sessionId } : {}),
      reason: `${kind} by the venue (order ${update.clientOrderId})`,
      createdAt: Math.min(update.timestamp, own[0].timestamp),
      mode,
      status: "filled",
      filledQuantity: filled,
      avgFillPrice: notional / filled,
      fee: roundMoney(own.reduce((s, f) => s + f.fee, 0)),
      updatedAt: at,
    };
    return [{ order, fills: own, positionId: p.id }];
  });
  const price = quantity > 0 ? fills.reduce((s, f) => s + f.price * f.quantity, 0) / quantity : update.avgFillPrice;
  const message =
    `the venue ${kind} the ${update.symbol} ${side} (${quantity} at ${Number(price.toPrecision(10))}, order ${update.clientOrderId}): ` +
    (orders.length > 0 ? `booked on ${orders.length} ledger position${orders.length > 1 ? "s" : ""}` : "the ledger held no such position") +
    (unbooked > 0 ? `; ${unbooked} beyond the ledger's positions not booked` : "");
  return {
    orders,
    side,
    quantity,
    unbooked,
    message,
    data: { symbol: update.symbol, side, quantity, price, unbooked, venueClientOrderId: update.clientOrderId, venueOrderId: update.venueOrderId ?? null, positionIds: orders.map((o) => o.positionId) },
  };
}
