import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * Live rulebook (Phase 5): at live.dailyLossQuote lost today (realized and unrealized, since the
 * local day began) plus what this entry loses at its stop, live trading stops for the day. Live only.
 */
export const liveDailyLossCheck: RiskCheck = {
  id: "live-daily-loss",
  appliesTo: "entry",
  description: "Live mode: today's loss plus this trade's loss at its stop within the live daily cap (quote).",
  evaluate({ ctx, limits, metrics, mode }) {
    if (mode !== "live") return allow("LIVE_RULES_NOT_LIVE", "not trading real money");
    const q = ctx.quoteCurrency;
    const lost = Math.max(0, -metrics.dayPnl());
    const atRisk = metrics.orderRisk();
    const cap = limits.live.dailyLossQuote;
    const data = { lossToday: r(lost), tradeLossAtStop: r(atRisk), dailyLossQuote: cap };
    if (!Number.isFinite(lost + atRisk) || exceeds(lost + atRisk, cap)) {
      return deny(
        "LIVE_DAILY_LOSS",
        `live rulebook: ${money(lost, q)} lost today + up to ${money(atRisk, q)} on this trade would pass the ${money(cap, q)} daily cap; live trading stops for today (${limits.timeZone})`,
        data,
      );
    }
    return allow("LIVE_DAILY_LOSS_OK", `${money(lost, q)} lost today of the ${money(cap, q)} live daily cap`, data);
  },
};
