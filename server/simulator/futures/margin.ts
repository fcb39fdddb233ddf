import { Decimal } from "../../core/decimal";
import { bracketFor, type Bracket } from "./contracts";

/**
 * Binance's USDⓈ-M margin formulas (one-way mode, position side BOTH), in decimal arithmetic.
 *
 * Maintenance margin = |notional| × maintMarginRatio − cum (of the notional's bracket).
 *
 * Liquidation price (Binance's documented formula, one-way mode):
 *   LP = (WB − TMM1 + UPNL1 + cum − side × Q × EP) / (Q × MMR − side × Q)
 * WB = wallet balance (isolated: the position's isolated wallet; cross: the cross wallet balance),
 * TMM1 / UPNL1 = maintenance margin / unrealised P&L of all *other* cross positions (0 for isolated),
 * side = +1 long / −1 short, Q = |position|, EP = entry price, MMR and cum of the bracket that the
 * notional Q × LP falls in. A price ≤ 0 means "cannot be liquidated" (Binance prints "0").
 *
 * Bankruptcy price (margin balance 0): BP = EP − side × (WB − TMM1·0 + UPNL1) / Q.
 */

export interface LiquidationInput {
  side: 1 | -1;
  qty: number;
  entryPrice: number;
  walletBalance: number;
  otherMaintMargin: number;
  otherUnrealized: number;
  brackets: Bracket[];
}

export function maintenanceMargin(notional: number, brackets: Bracket[]): number {
  const b = bracketFor(brackets, notional);
  return new Decimal(Math.abs(notional)).mul(b.maintMarginRatio).minus(b.cum).toDecimalPlaces(8).toNumber();
}

export function liquidationPriceWith(input: LiquidationInput, b: Bracket): Decimal {
  const q = new Decimal(input.qty);
  const numerator = new Decimal(input.walletBalance)
    .minus(input.otherMaintMargin)
    .plus(input.otherUnrealized)
    .plus(b.cum)
    .minus(q.mul(input.side).mul(input.entryPrice));
  const denominator = q.mul(b.maintMarginRatio).minus(q.mul(input.side));
  return numerator.div(denominator);
}

/** The liquidation price, or 0 when the position cannot be liquidated. */
export function liquidationPrice(input: LiquidationInput): number {
  if (!(input.qty > 0)) return 0;
  // The bracket is the one of the notional at the liquidation price itself.
  for (const b of input.brackets) {
    const lp = liquidationPriceWith(input, b);
    const notional = lp.mul(input.qty);
    if (lp.gt(0) && notional.gte(b.notionalFloor) && notional.lt(b.notionalCap)) return lp.toDecimalPlaces(8).toNumber();
  }
  const fallback = liquidationPriceWith(input, bracketFor(input.brackets, input.qty * input.entryPrice));
  return fallback.gt(0) ? fallback.toDecimalPlaces(8).toNumber() : 0;
}

export function bankruptcyPrice(side: 1 | -1, qty: number, entryPrice: number, marginBalanceExclThis: number): number {
  return new Decimal(entryPrice).minus(new Decimal(marginBalanceExclThis).div(qty).mul(side)).toDecimalPlaces(8).toNumber();
}
