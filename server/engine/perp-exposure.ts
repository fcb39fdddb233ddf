import {
  initialMargin,
  isolatedWallet,
  liquidationGuard,
  liquidationPrice,
  liquidationRiskPct,
  maintenanceMargin,
  positionNotional,
  unrealizedPnl,
  type LiquidationGuardAction,
  type MarginContext,
  type MarginMode,
  type PerpPosition,
  type PerpSide,
} from "../futures";
import { addQty, cmpQty, subQty } from "../core/quantity";
import type { LedgerPosition, Ledger } from "../portfolio";
import type { AccountFutures } from "./futures-account";

/**
 * What a futures account holds in each perpetual, as the venue sees it (issue 15): one-way mode nets
 * the ledger's positions of a symbol (one per strategy instance) into one position per symbol, with
 * its margin, maintenance margin, liquidation price and liquidation risk at the mark (server/futures
 * has the formulas). The liquidation guard (account.ts) and the positions/risk views read it.
 * - isolated: the position's wallet = entry notional / leverage − funding paid;
 * - cross: wallet = starting cash + realized P&L (net of fees and funding) − every isolated wallet,
 *   with the maintenance margin and unrealised P&L of the other cross positions at their marks.
 */
export interface PerpExposure {
  readonly symbol: string;
  readonly side: PerpSide;
  readonly quantity: number;
  readonly entryPrice: number;
  readonly markPrice: number;
  readonly leverage: number;
  readonly marginMode: MarginMode;
  /** Initial margin at mark: quantity × mark / leverage. */
  readonly marginUsed: number;
  readonly maintenanceMargin: number;
  readonly unrealizedPnl: number;
  readonly liquidationPrice: number | null;
  /** Share of the distance from entry to liquidation the mark has covered, % (server/futures liquidationRiskPct). */
  readonly liquidationRiskPct: number;
  /** The guard's decision at risk.liquidationWarnPct / liquidationClosePct. */
  readonly action: LiquidationGuardAction;
  readonly fundingPaid: number;
}

interface Net {
  position: PerpPosition;
  fundingPaid: number;
}

function netOf(positions: readonly LedgerPosition[]): Net | null {
  let long = 0;
  let short = 0;
  let longCost = 0;
  let shortCost = 0;
  let fundingPaid = 0;
  for (const p of positions) {
    if (!(p.quantity > 0)) continue;
    fundingPaid += p.fundingPaid ?? 0;
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
  const position: PerpPosition =
    c > 0 ? { side: "long", quantity: subQty(long, short), entryPrice: longCost / long } : { side: "short", quantity: subQty(short, long), entryPrice: shortCost / short };
  return { position, fundingPaid };
}

/** The perp exposures of a ledger by symbol (flat symbols absent); marks from the ledger, else the entry. */
export function perpExposures(ledger: Ledger, futures: AccountFutures, limits: { readonly liquidationWarnPct: number; readonly liquidationClosePct: number }): Map<string, PerpExposure> {
  const nets = new Map<string, Net & { mark: number }>();
  for (const symbol of futures.contracts.keys()) {
    const net = netOf(ledger.openPositionsOf(symbol));
    if (!net) continue;
    const m = ledger.markPrice(symbol);
    nets.set(symbol, { ...net, mark: m > 0 && Number.isFinite(m) ? m : net.position.entryPrice });
  }
  const out = new Map<string, PerpExposure>();
  if (nets.size === 0) return out;
  const isolated = new Map<string, number>();
  let crossWallet = ledger.startingCash + ledger.realizedPnl;
  for (const [symbol, n] of nets) {
    const c = futures.contracts.get(symbol)!;
    if (c.marginMode !== "isolated") continue;
    const wallet = isolatedWallet(n.position, c.leverage, { fundingPaid: n.fundingPaid });
    isolated.set(symbol, wallet);
    crossWallet -= wallet;
  }
  const mm = new Map<string, number>();
  const upnl = new Map<string, number>();
  for (const [symbol, n] of nets) {
    const c = futures.contracts.get(symbol)!;
    mm.set(symbol, maintenanceMargin(positionNotional(n.position.quantity, n.mark), c.brackets));
    upnl.set(symbol, unrealizedPnl(n.position, n.mark));
  }
  for (const [symbol, n] of nets) {
    const c = futures.contracts.get(symbol)!;
    let ctx: MarginContext;
    if (c.marginMode === "isolated") ctx = { marginMode: "isolated", walletBalance: isolated.get(symbol)!, brackets: c.brackets };
    else {
      let otherMm = 0;
      let otherUpnl = 0;
      for (const [other] of nets) {
        if (other === symbol || futures.contracts.get(other)!.marginMode === "isolated") continue;
        otherMm += mm.get(other)!;
        otherUpnl += upnl.get(other)!;
      }
      ctx = { marginMode: "cross", walletBalance: crossWallet, otherMaintenanceMargin: otherMm, otherUnrealizedPnl: otherUpnl, brackets: c.brackets };
    }
    const lp = liquidationPrice(n.position, ctx);
    const risk = liquidationRiskPct(n.position.side, n.position.entryPrice, n.mark, lp);
    out.set(symbol, {
      symbol,
      side: n.position.side,
      quantity: n.position.quantity,
      entryPrice: n.position.entryPrice,
      markPrice: n.mark,
      leverage: c.leverage,
      marginMode: c.marginMode,
      marginUsed: initialMargin(n.position.quantity, n.mark, c.leverage),
      maintenanceMargin: mm.get(symbol)!,
      unrealizedPnl: upnl.get(symbol)!,
      liquidationPrice: lp,
      liquidationRiskPct: risk,
      action: liquidationGuard(risk, limits),
      fundingPaid: n.fundingPaid,
    });
  }
  return out;
}
