import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/** Live rulebook (Phase 5): one live trade may lose at most live.maxTradeLossQuote at its stop. Live mode only. */
export const liveTradeLossCheck: RiskCheck = {
  id: "live-trade-loss",
  appliesTo: "entry",
  description: "Live mode: loss at the stop within the live per-trade cap (quote).",
  evaluate({ ctx, limits, metrics, mode }) {
    if (mode !== "live") return allow("LIVE_RULES_NOT_LIVE", "not trading real money");
    const q = ctx.quoteCurrency;
    const risk = metrics.orderRisk();
    const cap = limits.live.maxTradeLossQuote;
    const data = { lossAtStop: r(risk), maxTradeLossQuote: cap, stopLoss: r(metrics.stopPrice()) };
    if (!Number.isFinite(risk) || exceeds(risk, cap)) {
      return deny("LIVE_MAX_TRADE_LOSS", `live rulebook: this trade could lose ${money(risk, q)} at its stop; a live trade may lose at most ${money(cap, q)}`, data);
    }
    return allow("LIVE_TRADE_LOSS_OK", `loses at most ${money(risk, q)} of the ${money(cap, q)} live cap`, data);
  },
};
