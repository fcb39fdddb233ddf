import type { RiskCheck } from "../types";
import { allow, deny, pct, r } from "./verdict";

/**
 * Profit must beat fees: the planned take-profit distance must exceed the round-trip fees (entry at
 * its own rate, exit at the taker rate, since exits are often market orders) plus minEdgeOverFeesPct.
 * An entry without a take-profit is judged on the default take-profit the engine will place.
 */
export const edgeOverFeesCheck: RiskCheck = {
  id: "edge-over-fees",
  appliesTo: "entry",
  description: "Take-profit distance exceeds round-trip fees plus the minimum edge.",
  evaluate({ request, ctx, limits, metrics }) {
    const ref = metrics.referencePrice() ?? Number.NaN;
    const tp = metrics.takeProfitPrice();
    const tpPct = (Math.abs(tp - ref) / ref) * 100;
    const feesPct = (metrics.entryFeeRate() + ctx.fees.taker) * 100;
    const requiredPct = feesPct + limits.minEdgeOverFeesPct;
    const data = {
      takeProfitPct: r(tpPct, 8),
      roundTripFeesPct: r(feesPct, 8),
      minEdgeOverFeesPct: limits.minEdgeOverFeesPct,
      requiredPct: r(requiredPct, 8),
      takeProfitStated: request.takeProfit !== undefined,
    };
    if (!(tpPct > requiredPct)) {
      return deny(
        "EDGE_BELOW_FEES",
        `edge below fees: take-profit ${pct(tpPct)} away does not beat ${pct(feesPct)} round-trip fees + ${pct(limits.minEdgeOverFeesPct)} margin (needs more than ${pct(requiredPct)})`,
        data,
      );
    }
    return allow("EDGE_OK", `take-profit ${pct(tpPct)} beats ${pct(feesPct)} fees + ${pct(limits.minEdgeOverFeesPct)} margin`, data);
  },
};
