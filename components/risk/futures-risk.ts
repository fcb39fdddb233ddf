import type { RiskDto } from "../lib/types";
import { isNum } from "../lib/format";
import { LIQUIDATION_RISK_FORMULA, liquidationLevel, type LiquidationLevel } from "../positions/perp-format";
import { usageLevel, type UsageLevel } from "./risk-format";

/** docs/api.md (risk): how the server computes margin utilisation. */
export const MARGIN_UTILISATION_FORMULA =
  "Margin utilisation = Σ initial margin of the open perp positions at mark / margin balance × 100; margin balance = wallet + unrealised P&L; wallet = starting cash + realized P&L net of fees and funding.";

/** docs/api.md (risk): the account's liquidation risk and what the guard does with it. */
export const ACCOUNT_LIQUIDATION_FORMULA = `Account liquidation risk = the highest liquidation risk of any perp position (0 when flat). ${LIQUIDATION_RISK_FORMULA} The guard warns at the warn threshold and closes the position at the close threshold.`;

export interface FuturesRiskView {
  margin: {
    /** % of the margin balance (the gauge's arc). */
    usedPct: number | null;
    /** risk.maxMarginUtilisationPct; null when no limit is set. */
    limitPct: number | null;
    /** usedPct / limitPct (0..1+), null without a limit. */
    ratio: number | null;
    level: UsageLevel;
  };
  liquidation: {
    riskPct: number | null;
    warnPct: number | null;
    closePct: number | null;
    level: LiquidationLevel;
  };
  balances: RiskDto["futures"];
}

const num = (v: unknown): number | null => (isNum(v) ? v : null);

/** The futures gauges of GET /api/risk; null for a spot account (the server sends no futures fields). */
export function futuresRiskView(r: Pick<RiskDto, "marginUtilisationPct" | "liquidationRiskPct" | "futures" | "limits"> | undefined): FuturesRiskView | null {
  if (!r || (r.marginUtilisationPct === undefined && r.liquidationRiskPct === undefined && r.futures === undefined)) return null;
  const usedPct = num(r.marginUtilisationPct);
  const limitPct = num(r.limits.maxMarginUtilisationPct);
  const ratio = usedPct !== null && limitPct !== null && limitPct > 0 ? usedPct / limitPct : null;
  const riskPct = num(r.liquidationRiskPct);
  const warnPct = num(r.limits.liquidationWarnPct);
  const closePct = num(r.limits.liquidationClosePct);
  return {
    margin: { usedPct, limitPct, ratio, level: usageLevel(ratio) },
    liquidation: { riskPct, warnPct, closePct, level: liquidationLevel(riskPct, warnPct ?? undefined, closePct ?? undefined) },
    balances: r.futures,
  };
}

/** A gauge's arc: 0..100, unknown as 0. */
export function gaugePercent(pct: number | null): number {
  return pct === null ? 0 : Math.max(0, Math.min(100, pct));
}
