import type { RiskCheck } from "../types";
import { allow, deny, fallsShort, num, r } from "./verdict";

/**
 * Reward to risk (master plan: ≥ 2): the entry's target must be at least minRewardToRisk times as far
 * from its price as its stop. Stated levels are judged as stated; missing ones as the engine will place
 * them (defaultStopLossPct / defaultTakeProfitPct). Together with edge-over-fees this is the plan's
 * "profit must beat fees, and the win must be worth the risk".
 */
export const rewardToRiskCheck: RiskCheck = {
  id: "reward-to-risk",
  appliesTo: "entry",
  description: "Target distance at least minRewardToRisk × the stop distance.",
  evaluate({ request, limits, metrics }) {
    const ref = metrics.referencePrice() ?? Number.NaN;
    const reward = Math.abs(metrics.takeProfitPrice() - ref);
    const risk = Math.abs(ref - metrics.stopPrice());
    const ratio = risk > 0 ? reward / risk : Number.NaN;
    const data = {
      price: r(ref),
      targetDistance: r(reward),
      stopDistance: r(risk),
      rewardToRisk: r(ratio, 6),
      minRewardToRisk: limits.minRewardToRisk,
      takeProfitStated: request.takeProfit !== undefined,
      stopStated: request.stopLoss !== undefined,
    };
    if (!Number.isFinite(ratio) || fallsShort(ratio, limits.minRewardToRisk)) {
      return deny(
        "REWARD_TO_RISK_LOW",
        `reward to risk ${Number.isFinite(ratio) ? num(Number(ratio.toFixed(2))) : "unknown"}:1 is below ${limits.minRewardToRisk}:1: the target is ${num(reward)} away and the stop ${num(risk)} away`,
        data,
      );
    }
    return allow("REWARD_TO_RISK_OK", `reward to risk ${num(Number(ratio.toFixed(2)))}:1 (at least ${limits.minRewardToRisk}:1)`, data);
  },
};
