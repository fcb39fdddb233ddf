import { liquidationPrice, liquidationRiskPct, priceAtLiquidationRisk } from "../../futures";
import type { RiskCheck } from "../types";
import { marginContextAfter, perpTarget, positionAfterOrder } from "./perp-view";
import { allow, deny, exceeds, num, pct, r } from "./verdict";

/**
 * Perps: the entry's stop (stated, or defaultStopLossPct away) must trigger well before the position
 * could be liquidated: at least minStopLiquidationDistancePct % of the distance from the entry to the
 * liquidation price stays between the stop and the liquidation price, i.e. the stop's liquidation
 * risk (server/futures liquidationRiskPct) is at most 100 − that. The liquidation price is the one of
 * the position this entry leaves (Binance's formula, with its isolated wallet or the cross account).
 */
export const stopLiquidationDistanceCheck: RiskCheck = {
  id: "stop-liquidation-distance",
  appliesTo: "entry",
  description: "The stop sits far enough from the liquidation price.",
  evaluate(input) {
    const target = perpTarget(input)!;
    const after = positionAfterOrder(input);
    if (after === null) return allow("STOP_LIQUIDATION_OK", `the order leaves no ${input.request.symbol} position: nothing to liquidate`);
    const liq = liquidationPrice(after, marginContextAfter(input, target, after));
    const minDistance = input.limits.minStopLiquidationDistancePct;
    if (liq === null) return allow("STOP_LIQUIDATION_OK", `the ${after.side} cannot be liquidated at ${target.contract.leverage}×`, { minStopLiquidationDistancePct: minDistance });
    const stop = input.metrics.stopPrice();
    const stopRisk = liquidationRiskPct(after.side, after.entryPrice, stop, liq);
    const maxRisk = 100 - minDistance;
    const data = {
      entryPrice: r(after.entryPrice),
      stopPrice: stop,
      liquidationPrice: liq,
      stopLiquidationRiskPct: r(stopRisk, 6),
      minStopLiquidationDistancePct: minDistance,
    };
    if (!Number.isFinite(stop)) return deny("STOP_LIQUIDATION_UNKNOWN", "the entry has no stop price to compare with the liquidation price", data);
    if (exceeds(stopRisk, maxRisk)) {
      const furthest = priceAtLiquidationRisk(after.entryPrice, liq, maxRisk);
      return deny(
        "STOP_TOO_CLOSE_TO_LIQUIDATION",
        `the stop at ${num(stop)} is ${pct(stopRisk)} of the way from the entry ${num(after.entryPrice)} to the liquidation price ${num(liq)}; it must leave at least ${pct(minDistance)} (stop no further than ${num(furthest)}, or lower the leverage)`,
        { ...data, furthestStop: furthest },
      );
    }
    return allow("STOP_LIQUIDATION_OK", `the stop at ${num(stop)} is ${pct(stopRisk)} of the way to the liquidation price ${num(liq)}`, data);
  },
};
