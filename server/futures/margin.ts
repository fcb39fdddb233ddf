import { Decimal, QUOTE_DP } from "../core/decimal";
import { FuturesMathError, bracketFor, type MarginBracket } from "./brackets";

/**
 * Position maths of a USDⓈ-M perpetual in one-way mode (one net position per symbol), isolated or
 * cross margin, in decimal arithmetic; every amount comes out rounded half-even to 8 decimals (the
 * booked-money policy of server/core/decimal.ts), so a figure compared with the venue's is exact.
 * See index.ts for the formulas.
 */

export type PerpSide = "long" | "short";
export type MarginMode = "isolated" | "cross";

/** An open perp position: its side, size (base, > 0) and average entry price. */
export interface PerpPosition {
  readonly side: PerpSide;
  readonly quantity: number;
  readonly entryPrice: number;
}

/**
 * What the position's margin stands on.
 * - isolated: walletBalance is the position's isolated wallet (margin posted, plus margin added, minus
 *   funding paid: see isolatedWallet); the other positions do not count.
 * - cross: walletBalance is the cross wallet balance (deposits + realised P&L − fees ± funding, without
 *   unrealised P&L), and the other cross positions' maintenance margin and unrealised P&L count.
 */
export interface MarginContext {
  readonly marginMode: MarginMode;
  readonly walletBalance: number;
  /** Cross only: Σ maintenance margin of every other cross position (Binance's TMM1). */
  readonly otherMaintenanceMargin?: number;
  /** Cross only: Σ unrealised P&L of every other cross position (Binance's UPNL1). */
  readonly otherUnrealizedPnl?: number;
  readonly brackets: readonly MarginBracket[];
}

const dec = (x: number, what: string): Decimal => {
  if (!Number.isFinite(x)) throw new FuturesMathError(`${what} must be a finite number, got ${x}`);
  return new Decimal(x);
};
const out = (d: Decimal): number => {
  const n = d.toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
  return n === 0 ? 0 : n;
};
const sideSign = (side: PerpSide): 1 | -1 => (side === "long" ? 1 : -1);

function checkPosition(p: PerpPosition): void {
  if (p.side !== "long" && p.side !== "short") throw new FuturesMathError(`side must be "long" or "short", got ${String(p.side)}`);
  if (!(p.quantity > 0 && Number.isFinite(p.quantity))) throw new FuturesMathError(`quantity must be a finite number > 0, got ${p.quantity}`);
  if (!(p.entryPrice > 0 && Number.isFinite(p.entryPrice))) throw new FuturesMathError(`entryPrice must be a finite number > 0, got ${p.entryPrice}`);
}

function checkLeverage(leverage: number): void {
  if (!(leverage >= 1 && Number.isFinite(leverage))) throw new FuturesMathError(`leverage must be a finite number ≥ 1, got ${leverage}`);
}

/** |quantity| × price (quote, 8 dp). */
export function positionNotional(quantity: number, price: number): number {
  return out(dec(quantity, "quantity").abs().mul(dec(price, "price")));
}

/** Initial margin: |quantity| × price / leverage (quote, 8 dp). */
export function initialMargin(quantity: number, price: number, leverage: number): number {
  checkLeverage(leverage);
  return out(dec(quantity, "quantity").abs().mul(dec(price, "price")).div(leverage));
}

function maintenanceDec(notional: Decimal, brackets: readonly MarginBracket[]): Decimal {
  const b = bracketFor(brackets, notional.toNumber());
  return notional.abs().mul(b.maintMarginRate).minus(b.maintAmount);
}

/** Maintenance margin of a notional: |notional| × maintMarginRate − maintAmount of its bracket (quote, 8 dp). */
export function maintenanceMargin(notional: number, brackets: readonly MarginBracket[]): number {
  return out(maintenanceDec(dec(notional, "notional"), brackets));
}

/** Unrealised P&L on mark: side × quantity × (mark − entry), long +1, short −1 (quote, 8 dp). */
export function unrealizedPnl(position: PerpPosition, markPrice: number): number {
  checkPosition(position);
  return out(upnlDec(position, dec(markPrice, "markPrice")));
}

function upnlDec(p: PerpPosition, mark: Decimal): Decimal {
  return new Decimal(p.quantity).mul(mark.minus(p.entryPrice)).mul(sideSign(p.side));
}

/**
 * The isolated wallet of a position: the initial margin posted at entry (|quantity| × entry / leverage)
 * plus margin added by hand, minus the funding it paid (Binance charges an isolated position's funding
 * to its isolated margin; fundingPaid < 0 when it received funding).
 */
export function isolatedWallet(position: PerpPosition, leverage: number, options: { addedMargin?: number; fundingPaid?: number } = {}): number {
  checkPosition(position);
  checkLeverage(leverage);
  const posted = new Decimal(position.quantity).mul(position.entryPrice).div(leverage);
  return out(posted.plus(dec(options.addedMargin ?? 0, "addedMargin")).minus(dec(options.fundingPaid ?? 0, "fundingPaid")));
}

function others(ctx: MarginContext): { mm: Decimal; upnl: Decimal } {
  if (ctx.marginMode === "isolated") return { mm: new Decimal(0), upnl: new Decimal(0) };
  return { mm: dec(ctx.otherMaintenanceMargin ?? 0, "otherMaintenanceMargin"), upnl: dec(ctx.otherUnrealizedPnl ?? 0, "otherUnrealizedPnl") };
}

function marginBalanceDec(p: PerpPosition, ctx: MarginContext, mark: Decimal): Decimal {
  return dec(ctx.walletBalance, "walletBalance").plus(others(ctx).upnl).plus(upnlDec(p, mark));
}

/** Margin balance at a mark: wallet balance + unrealised P&L (cross: of every cross position). */
export function marginBalance(position: PerpPosition, ctx: MarginContext, markPrice: number): number {
  checkPosition(position);
  return out(marginBalanceDec(position, ctx, dec(markPrice, "markPrice")));
}

/** Maintenance margin that counts against the margin balance at a mark (cross: every cross position's). */
export function requiredMaintenance(position: PerpPosition, ctx: MarginContext, markPrice: number): number {
  checkPosition(position);
  const mark = dec(markPrice, "markPrice");
  return out(maintenanceDec(mark.mul(position.quantity), ctx.brackets).plus(others(ctx).mm));
}

/**
 * Margin ratio (Binance): maintenance margin / margin balance × 100. The venue liquidates at 100 %.
 * Infinity when the margin balance is zero or negative.
 */
export function marginRatioPct(position: PerpPosition, ctx: MarginContext, markPrice: number): number {
  checkPosition(position);
  const mark = dec(markPrice, "markPrice");
  const balance = marginBalanceDec(position, ctx, mark);
  if (balance.lte(0)) return Number.POSITIVE_INFINITY;
  const mm = maintenanceDec(mark.mul(position.quantity), ctx.brackets).plus(others(ctx).mm);
  return out(mm.div(balance).mul(100));
}

function liquidationWith(p: PerpPosition, ctx: MarginContext, b: MarginBracket): Decimal {
  const q = new Decimal(p.quantity);
  const s = sideSign(p.side);
  const o = others(ctx);
  const numerator = dec(ctx.walletBalance, "walletBalance").minus(o.mm).plus(o.upnl).plus(b.maintAmount).minus(q.mul(s).mul(p.entryPrice));
  const denominator = q.mul(b.maintMarginRate).minus(q.mul(s));
  return numerator.div(denominator);
}

/**
 * Liquidation price, Binance's formula for one-way mode:
 *   LP = (WB − TMM1 + UPNL1 + cum − side × Q × EP) / (Q × MMR − side × Q)
 * with MMR and cum of the bracket that holds the notional Q × LP itself (each bracket is tried; the
 * margin balance minus the maintenance margin is strictly monotonic in the price and continuous across
 * brackets, so exactly one bracket holds its root). null when the position cannot be liquidated (a
 * long whose root is at or below zero: backed by its whole notional); MIN_PRICE for a short whose root
 * is at or below zero (already below maintenance at any price). Rounded half-even to 8 decimals.
 */
export function liquidationPrice(position: PerpPosition, ctx: MarginContext): number | null {
  checkPosition(position);
  if (ctx.brackets.length === 0) throw new FuturesMathError("no margin brackets");
  let found: Decimal | null = null;
  for (const b of ctx.brackets) {
    const lp = liquidationWith(position, ctx, b);
    const notional = lp.mul(position.quantity);
    if (notional.gte(b.notionalFloor) && (!Number.isFinite(b.notionalCap) || notional.lt(b.notionalCap))) {
      found = lp;
      break;
    }
  }
  // A root that decimal rounding put a hair outside both neighbouring tiers: the tier of the first guess.
  if (found === null) {
    const guess = liquidationWith(position, ctx, ctx.brackets[0]);
    found = liquidationWith(position, ctx, bracketFor(ctx.brackets, guess.mul(position.quantity).toNumber()));
  }
  if (found.gt(0)) {
    const lp = out(found);
    return lp > 0 ? lp : MIN_PRICE;
  }
  // A long whose account covers its maintenance margin even at a price of zero is never liquidated.
  // A short with a root at or below zero (cross margin, the other positions' losses exceed every
  // balance) is below maintenance at any price: the smallest price on the 8-dp grid says so.
  return position.side === "long" ? null : MIN_PRICE;
}

/** The smallest price on the 8-decimal grid: the liquidation price of a short already below maintenance. */
export const MIN_PRICE = 1e-8;

/**
 * Liquidation risk, % (the measure the issue asks to define): the share of the distance from the entry
 * price to the liquidation price that the mark has already covered,
 *   risk = max(0, (mark − entry) / (liquidation − entry)) × 100.
 * 0 at entry or in profit, 100 at the liquidation price, above 100 beyond it; 0 when there is no
 * liquidation price (null). When the liquidation price is not on the losing side of the entry (cross
 * margin: the other positions' losses already ate the margin the entry stood on), the whole distance
 * counts as covered: 100, or the share beyond it when the mark is past the liquidation price.
 */
export function liquidationRiskPct(side: PerpSide, entryPrice: number, markPrice: number, liquidation: number | null): number {
  if (liquidation === null) return 0;
  const s = sideSign(side);
  const entry = dec(entryPrice, "entryPrice");
  const liq = dec(liquidation, "liquidation");
  const mark = dec(markPrice, "markPrice");
  const distance = liq.minus(entry);
  if (distance.mul(s).gte(0)) {
    // entry at or beyond the liquidation price: 100 %, plus how far past it the mark is (as a share of entry)
    const past = liq.minus(mark).mul(s);
    return past.gt(0) ? out(new Decimal(100).plus(past.div(entry).mul(100))) : 100;
  }
  const consumed = mark.minus(entry).div(distance).mul(100);
  return consumed.lte(0) ? 0 : out(consumed);
}

/** The mark at which the liquidation risk reaches pct (the price of the 80 % warning, of the 90 % close). */
export function priceAtLiquidationRisk(entryPrice: number, liquidation: number, pct: number): number {
  const entry = dec(entryPrice, "entryPrice");
  return out(entry.plus(dec(liquidation, "liquidation").minus(entry).mul(dec(pct, "pct")).div(100)));
}

/** Every figure of a perp position at a mark (for views and the risk checks). */
export interface PerpPositionMetrics {
  notional: number;
  initialMargin: number;
  maintenanceMargin: number;
  unrealizedPnl: number;
  marginBalance: number;
  marginRatioPct: number;
  liquidationPrice: number | null;
  liquidationRiskPct: number;
}

export function perpPositionMetrics(position: PerpPosition, ctx: MarginContext, markPrice: number, leverage: number): PerpPositionMetrics {
  const notional = positionNotional(position.quantity, markPrice);
  const liq = liquidationPrice(position, ctx);
  return {
    notional,
    initialMargin: initialMargin(position.quantity, markPrice, leverage),
    maintenanceMargin: maintenanceMargin(notional, ctx.brackets),
    unrealizedPnl: unrealizedPnl(position, markPrice),
    marginBalance: marginBalance(position, ctx, markPrice),
    marginRatioPct: marginRatioPct(position, ctx, markPrice),
    liquidationPrice: liq,
    liquidationRiskPct: liquidationRiskPct(position.side, position.entryPrice, markPrice, liq),
  };
}

/** What the liquidation-risk monitor does at a reading: nothing, warn (≥ warnPct) or close (≥ closePct). */
export type LiquidationGuardAction = "none" | "warn" | "close";

/**
 * The liquidation guard's decision for one position (risk limits liquidationWarnPct 80 and
 * liquidationClosePct 90): close at or above closePct, warn at or above warnPct, else nothing.
 */
export function liquidationGuard(riskPct: number, limits: { readonly liquidationWarnPct: number; readonly liquidationClosePct: number }): LiquidationGuardAction {
  if (!(riskPct === riskPct)) return "close"; // NaN: the position cannot be assessed, fail safe
  if (riskPct >= limits.liquidationClosePct) return "close";
  if (riskPct >= limits.liquidationWarnPct) return "warn";
  return "none";
}
