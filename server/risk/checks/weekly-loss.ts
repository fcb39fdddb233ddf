import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/** Weekly loss budget (ISO week from Monday 00:00 local): this week's loss plus this trade's loss at its stop. */
export const weeklyLossCheck: RiskCheck = {
  id: "weekly-loss",
  appliesTo: "entry",
  description: "This week's loss plus this trade's loss at its stop within the weekly loss limit.",
  evaluate({ ctx, limits, metrics }) {
    const q = ctx.quoteCurrency;
    const lost = Math.max(0, -metrics.weekPnl());
    const atRisk = metrics.orderRisk();
    const limit = metrics.weekLossLimitQuote();
    const data = { lossThisWeek: r(lost), tradeLossAtStop: r(atRisk), weeklyLossLimit: r(limit), weeklyLossPct: limits.weeklyLossPct };
    if (exceeds(lost + atRisk, limit)) {
      return deny(
        "WEEKLY_LOSS_LIMIT",
        `weekly loss limit: ${money(lost, q)} lost this week + up to ${money(atRisk, q)} on this trade would exceed ${money(limit, q)} (${limits.weeklyLossPct}% of the week's opening equity)`,
        data,
      );
    }
    return allow("WEEKLY_LOSS_OK", `${money(lost, q)} lost this week, ${money(limit - lost, q)} of the weekly budget left`, data);
  },
};
