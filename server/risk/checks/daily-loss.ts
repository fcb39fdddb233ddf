import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * Daily loss budget. Today's realized + unrealized loss (equity change since the local day began)
 * plus what this entry loses at its stop must stay within dailyLossPct of the day's opening equity.
 * (Once the loss itself reaches the limit the daily-loss breaker moves trading to REDUCING.)
 */
export const dailyLossCheck: RiskCheck = {
  id: "daily-loss",
  appliesTo: "entry",
  description: "Today's loss plus this trade's loss at its stop within the daily loss limit.",
  evaluate({ ctx, limits, metrics }) {
    const q = ctx.quoteCurrency;
    const lost = Math.max(0, -metrics.dayPnl());
    const atRisk = metrics.orderRisk();
    const limit = metrics.dayLossLimitQuote();
    const data = { lossToday: r(lost), tradeLossAtStop: r(atRisk), dailyLossLimit: r(limit), dailyLossPct: limits.dailyLossPct };
    if (exceeds(lost + atRisk, limit)) {
      return deny(
        "DAILY_LOSS_LIMIT",
        `daily loss limit: ${money(lost, q)} lost today + up to ${money(atRisk, q)} on this trade would exceed ${money(limit, q)} (${limits.dailyLossPct}% of the day's opening equity, ${limits.timeZone})`,
        data,
      );
    }
    return allow("DAILY_LOSS_OK", `${money(lost, q)} lost today, ${money(limit - lost, q)} of the daily budget left`, data);
  },
};
