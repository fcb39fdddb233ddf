import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * Live rulebook (Phase 5): at live.weeklyLossQuote lost this week (plus this entry's loss at its stop)
 * live entries stop and the strategy wants a review before the next week. Live mode only.
 */
export const liveWeeklyLossCheck: RiskCheck = {
  id: "live-weekly-loss",
  appliesTo: "entry",
  description: "Live mode: this week's loss plus this trade's loss at its stop within the live weekly cap (quote).",
  evaluate({ ctx, limits, metrics, mode }) {
    if (mode !== "live") return allow("LIVE_RULES_NOT_LIVE", "not trading real money");
    const q = ctx.quoteCurrency;
    const lost = Math.max(0, -metrics.weekPnl());
    const atRisk = metrics.orderRisk();
    const cap = limits.live.weeklyLossQuote;
    const data = { lossThisWeek: r(lost), tradeLossAtStop: r(atRisk), weeklyLossQuote: cap };
    if (!Number.isFinite(lost + atRisk) || exceeds(lost + atRisk, cap)) {
      return deny(
        "LIVE_WEEKLY_LOSS_REVIEW",
        `live rulebook: ${money(lost, q)} lost this week + up to ${money(atRisk, q)} on this trade would pass the ${money(cap, q)} weekly cap; live entries stop: review the strategy before next week`,
        data,
      );
    }
    return allow("LIVE_WEEKLY_LOSS_OK", `${money(lost, q)} lost this week of the ${money(cap, q)} live weekly cap`, data);
  },
};
