import {
  initialMargin,
  isolatedWallet,
  maintenanceMargin,
  marketTypeOf,
  positionNotional,
  unrealizedPnl,
  type MarginContext,
  type PerpPosition,
} from "../../futures";
import { addQty, cmpQty, subQty } from "../../core/quantity";
import { remainingQuantity } from "../metrics";
import type { RiskCheckInput, RiskFuturesContext, RiskPerpContract } from "../types";

/**
 * The futures account as the perp-only checks see it, from the RiskContext (no I/O). One-way mode:
 * the venue holds one net position per symbol, so the ledger's positions of a symbol (one per
 * strategy instance) are netted: quantity = Σ long − Σ short, entry = the volume-weighted entry of
 * the side that remains (the venue's figure differs only when instances hold opposite sides).
 */

export interface PerpTarget {
  readonly contract: RiskPerpContract;
  readonly futures: RiskFuturesContext;
}

/** The request's contract, or undefined for a spot instrument (or a perp the context does not describe). */
export function perpTarget(input: RiskCheckInput): PerpTarget | undefined {
  const futures = input.ctx.futures;
  const contract = futures?.contracts.get(input.request.symbol);
  return futures && contract ? { contract, futures } : undefined;
}

/** True when the request's instrument is a perp: listed in ctx.futures, stated by its instrument, or named BASE/QUOTE:SETTLE. */
export function isPerpRequest(input: RiskCheckInput): boolean {
  if (input.ctx.futures?.contracts.has(input.request.symbol)) return true;
  const instrument = input.ctx.instruments.get(input.request.symbol) as { symbol: string; marketType?: "spot" | "perp" } | undefined;
  return marketTypeOf(instrument ?? input.request.symbol) === "perp";
}

/** The net position of a symbol, or null when flat. */
export function netPosition(input: RiskCheckInput, symbol: string): PerpPosition | null {
  let long = 0;
  let short = 0;
  let longCost = 0;
  let shortCost = 0;
  for (const p of input.ctx.positions) {
    if (p.symbol !== symbol || !(p.quantity > 0)) continue;
    if (p.side === "long") {
      long = addQty(long, p.quantity);
      longCost += p.quantity * p.avgEntryPrice;
    } else {
      short = addQty(short, p.quantity);
      shortCost += p.quantity * p.avgEntryPrice;
    }
  }
  const c = cmpQty(long, short);
  if (c === 0) return null;
  return c > 0
    ? { side: "long", quantity: subQty(long, short), entryPrice: longCost / long }
    : { side: "short", quantity: subQty(short, long), entryPrice: shortCost / short };
}

/** The net position of the request's symbol once this entry fills at its reference price (null when flat or no price). */
export function positionAfterOrder(input: RiskCheckInput): PerpPosition | null {
  const ref = input.metrics.referencePrice();
  if (ref === undefined) return null;
  const side = input.request.side === "buy" ? "long" : "short";
  const q = input.request.quantity;
  const now = netPosition(input, input.request.symbol);
  if (now === null) return { side, quantity: q, entryPrice: ref };
  if (now.side === side) {
    const quantity = addQty(now.quantity, q);
    return { side, quantity, entryPrice: (now.quantity * now.entryPrice + q * ref) / quantity };
  }
  const c = cmpQty(now.quantity, q);
  if (c === 0) return null;
  return c > 0 ? { side: now.side, quantity: subQty(now.quantity, q), entryPrice: now.entryPrice } : { side, quantity: subQty(q, now.quantity), entryPrice: ref };
}

function markOf(input: RiskCheckInput, symbol: string, fallback: number): number {
  for (const p of input.ctx.positions) if (p.symbol === symbol && p.markPrice !== undefined && p.markPrice > 0 && Number.isFinite(p.markPrice)) return p.markPrice;
  return input.metrics.lastPrice(symbol) ?? fallback;
}

/** Symbols with an open perp position (net, non-zero). */
function perpSymbols(input: RiskCheckInput, futures: RiskFuturesContext): string[] {
  const out: string[] = [];
  for (const p of input.ctx.positions) if (futures.contracts.has(p.symbol) && !out.includes(p.symbol)) out.push(p.symbol);
  return out;
}

function isolatedWalletOf(futures: RiskFuturesContext, contract: RiskPerpContract, pos: PerpPosition): number {
  return futures.isolatedWallets?.get(contract.symbol) ?? isolatedWallet(pos, contract.leverage);
}

/**
 * The margin context of a position of the request's symbol (after the order): its isolated wallet
 * (the current one plus this order's initial margin), or the cross wallet with every other cross
 * position's maintenance margin and unrealised P&L at mark.
 */
export function marginContextAfter(input: RiskCheckInput, target: PerpTarget, after: PerpPosition): MarginContext {
  const { contract, futures } = target;
  const symbol = contract.symbol;
  if (contract.marginMode === "isolated") {
    const now = netPosition(input, symbol);
    const ref = input.metrics.referencePrice() ?? after.entryPrice;
    const orderMargin = initialMargin(input.request.quantity, ref, contract.leverage);
    const orderSide = input.request.side === "buy" ? "long" : "short";
    let wallet: number;
    if (now === null || now.side !== after.side) wallet = isolatedWallet(after, contract.leverage); // opened or flipped
    else if (now.side === orderSide) wallet = isolatedWalletOf(futures, contract, now) + orderMargin; // added to
    else wallet = (isolatedWalletOf(futures, contract, now) * after.quantity) / now.quantity; // reduced: margin released pro rata
    return { marginMode: "isolated", walletBalance: wallet, brackets: contract.brackets };
  }
  let crossWallet = futures.walletBalance;
  let otherMm = 0;
  let otherUpnl = 0;
  for (const s of perpSymbols(input, futures)) {
    const c = futures.contracts.get(s)!;
    const pos = netPosition(input, s);
    if (pos === null) continue;
    if (c.marginMode === "isolated") {
      crossWallet -= isolatedWalletOf(futures, c, pos);
      continue;
    }
    if (s === symbol) continue;
    const mark = markOf(input, s, pos.entryPrice);
    otherMm += maintenanceMargin(positionNotional(pos.quantity, mark), c.brackets);
    otherUpnl += unrealizedPnl(pos, mark);
  }
  return { marginMode: "cross", walletBalance: crossWallet, otherMaintenanceMargin: otherMm, otherUnrealizedPnl: otherUpnl, brackets: contract.brackets };
}

/** Margin in use and the margin balance of the futures account, with this order and the working perp entries. */
export function marginUse(input: RiskCheckInput, futures: RiskFuturesContext): { used: number; orderMargin: number; pendingMargin: number; balance: number } {
  let used = 0;
  let upnl = 0;
  for (const s of perpSymbols(input, futures)) {
    const c = futures.contracts.get(s)!;
    const pos = netPosition(input, s);
    if (pos === null) continue;
    const mark = markOf(input, s, pos.entryPrice);
    used += initialMargin(pos.quantity, mark, c.leverage);
    upnl += unrealizedPnl(pos, mark);
  }
  let pendingMargin = 0;
  for (const o of input.metrics.pendingEntries()) {
    const c = futures.contracts.get(o.symbol);
    const price = input.metrics.pendingPrice(o);
    if (c && price > 0) pendingMargin += (remainingQuantity(o) * price) / c.leverage;
  }
  const contract = futures.contracts.get(input.request.symbol);
  const ref = input.metrics.referencePrice();
  const orderMargin = contract && ref !== undefined ? initialMargin(input.request.quantity, ref, contract.leverage) : Number.NaN;
  return { used: used + pendingMargin + orderMargin, orderMargin, pendingMargin, balance: futures.walletBalance + upnl };
}

/** Notional of the request symbol's net position after this order, plus working entries on its side. */
export function resultingNotional(input: RiskCheckInput, after: PerpPosition | null): number {
  const ref = input.metrics.referencePrice() ?? Number.NaN;
  let total = after === null ? 0 : after.quantity * ref;
  const side = input.request.side;
  for (const o of input.metrics.pendingEntries()) {
    if (o.symbol === input.request.symbol && o.side === side) total += remainingQuantity(o) * input.metrics.pendingPrice(o);
  }
  return total;
}
