import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, num, pct, r } from "./verdict";

/** What one trade can lose if its stop is hit (size × stop distance) stays within maxTradeLossPct of equity. */
export const tradeLossCheck: RiskCheck = {
  id: "trade-loss",
  appliesTo: "entry",
  description: "Per-trade loss at the stop within the % of equity cap.",
  evaluate({ request, ctx, limits, metrics }) {
    const risk = metrics.orderRisk();
    const riskPct = (risk / ctx.equity) * 100;
    const stop = metrics.stopPrice();
    const data = {
      lossAtStop: r(risk),
      lossPct: r(riskPct),
      stopLoss: r(stop),
      stopStated: request.stopLoss !== undefined,
      maxTradeLossPct: limits.maxTradeLossPct,
    };
    const stopText = request.stopLoss !== undefined ? `stop ${num(stop)}` : `default ${limits.defaultStopLossPct}% stop at ${num(stop)}`;
    if (exceeds(riskPct, limits.maxTradeLossPct)) {
      return deny(
        "MAX_TRADE_LOSS",
        `this trade could lose ${money(risk, ctx.quoteCurrency)} (${pct(riskPct)} of equity) at its ${stopText}; the limit is ${pct(limits.maxTradeLossPct)}`,
        data,
      );
    }
    return allow("TRADE_LOSS_OK", `loses at most ${money(risk, ctx.quoteCurrency)} (${pct(riskPct)}) at its ${stopText}`, data);
  },
};
