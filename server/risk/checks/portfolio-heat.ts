import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, pct, r } from "./verdict";

/**
 * Portfolio heat: what every open position, working entry and this order together lose if all
 * stops are hit, as % of equity. Positions without a stop count with the default stop distance.
 */
export const portfolioHeatCheck: RiskCheck = {
  id: "portfolio-heat",
  appliesTo: "entry",
  description: "Sum of (distance to stop × size) including this order, within the % of equity cap.",
  evaluate({ ctx, limits, metrics }) {
    const current = metrics.heat();
    const after = current + metrics.orderRisk();
    const afterPct = (after / ctx.equity) * 100;
    const data = { heatBefore: r(current), heatAfter: r(after), heatPct: r(afterPct), maxPortfolioHeatPct: limits.maxPortfolioHeatPct };
    if (exceeds(afterPct, limits.maxPortfolioHeatPct)) {
      return deny(
        "MAX_PORTFOLIO_HEAT",
        `portfolio heat would be ${money(after, ctx.quoteCurrency)} (${pct(afterPct)} of equity) with this order; the limit is ${pct(limits.maxPortfolioHeatPct)}`,
        data,
      );
    }
    return allow("PORTFOLIO_HEAT_OK", `portfolio heat ${pct(afterPct)} of equity after this order`, data);
  },
};
