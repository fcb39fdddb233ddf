import type { PositionDto } from "../lib/types";
import { DASH, formatMoney, isNum } from "../lib/format";

/**
 * Futures (issue 15) on the positions tables. A position is a perpetual when the server says
 * `marketType: "perp"`; absent means spot (docs/api.md, positions), so spot answers read as before.
 */

type MarketFields = Pick<PositionDto, "marketType">;

export function isPerp(p: MarketFields): boolean {
  return p.marketType === "perp";
}

/** The perp columns (leverage, margin, liquidation, funding) appear only when some position is a perp. */
export function showPerpColumns(positions: readonly MarketFields[] | undefined): boolean {
  return (positions ?? []).some(isPerp);
}

/** "Perp" or "Spot", for the market tag of every position. */
export function marketLabel(p: MarketFields): "Perp" | "Spot" {
  return isPerp(p) ? "Perp" : "Spot";
}

/** 3 → "3×", 2.5 → "2.5×"; "—" when unknown. */
export function formatLeverage(leverage: unknown): string {
  if (!isNum(leverage) || leverage <= 0) return DASH;
  return `${Number.isInteger(leverage) ? leverage : Number(leverage.toFixed(2))}×`;
}

/**
 * How far the mark may still move against the position before its liquidation price, in % of the
 * mark: a long (mark − liquidation) / mark × 100, a short (liquidation − mark) / mark × 100. Negative
 * when the mark is already beyond it; null when there is no liquidation price (it cannot be liquidated)
 * or no mark.
 */
export function liquidationDistancePct(p: Pick<PositionDto, "side" | "markPrice" | "liquidationPrice">): number | null {
  const mark = p.markPrice;
  const liq = p.liquidationPrice;
  if (!isNum(mark) || mark <= 0 || !isNum(liq)) return null;
  const towardsLiquidation = p.side === "long" ? mark - liq : liq - mark;
  return (towardsLiquidation / mark) * 100;
}

export type LiquidationLevel = "ok" | "warn" | "close" | "unknown";

/**
 * The liquidation guard's reading of a liquidation risk % (docs/api.md, risk): from warnPct it warns,
 * from closePct it closes the position (defaults 80 and 90, as the server's limits).
 */
export function liquidationLevel(riskPct: unknown, warnPct: unknown = 80, closePct: unknown = 90): LiquidationLevel {
  if (!isNum(riskPct)) return "unknown";
  const close = isNum(closePct) ? closePct : 90;
  const warn = isNum(warnPct) ? warnPct : 80;
  if (riskPct >= close) return "close";
  if (riskPct >= warn) return "warn";
  return "ok";
}

/** docs/api.md's definition of a position's liquidation risk, shown on hover. */
export const LIQUIDATION_RISK_FORMULA =
  "Liquidation risk = max(0, (mark − entry) / (liquidation − entry)) × 100: the share of the distance from entry to the liquidation price the mark has covered.";

/**
 * Net funding in words (the server's fundingPaid: positive = paid, negative = received):
 * 1.2 → "paid 1.20", −0.4 → "received 0.40", 0 → "0.00"; "—" when absent.
 */
export function fundingText(fundingPaid: unknown): string {
  if (!isNum(fundingPaid)) return DASH;
  const amount = formatMoney(Math.abs(fundingPaid));
  if (amount === "0.00") return amount;
  return fundingPaid > 0 ? `paid ${amount}` : `received ${amount}`;
}

/**
 * Base asset and quote currency of a unified symbol: `BTC/USDT` → BTC, USDT; a linear perpetual
 * `BTC/USDT:USDT` → BTC, USDT (the settle currency after the colon is not part of the quote).
 */
export function symbolAssets(symbol: string | null | undefined): { base: string; quote: string } {
  const [pair] = (symbol ?? "").split(":");
  const [base = "", quote = ""] = pair.split("/");
  return { base, quote };
}
