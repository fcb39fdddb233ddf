import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, pct, r } from "./verdict";

/**
 * Drawdown from the equity peak: an entry must not be able to take equity (after a loss at its stop)
 * beyond maxDrawdownPct below the peak. The drawdown breaker pauses entries once the line is crossed.
 */
export const drawdownCheck: RiskCheck = {
  id: "drawdown",
  appliesTo: "entry",
  description: "Drawdown from the equity peak, including this trade's loss at its stop, within the limit.",
  evaluate({ ctx, limits, metrics }) {
    const peak = metrics.equityPeak();
    const worst = ctx.equity - metrics.orderRisk();
    const worstPct = peak > 0 ? ((peak - worst) / peak) * 100 : 0;
    const data = { peak: r(peak), equity: r(ctx.equity), drawdownPct: r(metrics.drawdownPct()), worstDrawdownPct: r(worstPct), maxDrawdownPct: limits.maxDrawdownPct };
    if (exceeds(worstPct, limits.maxDrawdownPct)) {
      return deny(
        "DRAWDOWN_LIMIT",
        `drawdown from the ${money(peak, ctx.quoteCurrency)} peak is ${pct(metrics.drawdownPct())} and would reach ${pct(worstPct)} if this trade hits its stop; the limit is ${pct(limits.maxDrawdownPct)}`,
        data,
      );
    }
    return allow("DRAWDOWN_OK", `drawdown ${pct(metrics.drawdownPct())} from the peak`, data);
  },
};
