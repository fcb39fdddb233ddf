import type { RiskCheck } from "../types";
import { marginUse, perpTarget } from "./perp-view";
import { allow, deny, exceeds, money, pct, r } from "./verdict";

/**
 * Perps: initial margin in use (every perp position at mark / its leverage + working perp entries +
 * this order) as a share of the futures margin balance (wallet + unrealised P&L) stays within
 * maxMarginUtilisationPct (50 %, issue 15).
 */
export const marginUtilisationCheck: RiskCheck = {
  id: "margin-utilisation",
  appliesTo: "entry",
  description: "Initial margin in use within the margin utilisation cap of the margin balance.",
  evaluate(input) {
    const { futures } = perpTarget(input)!;
    const q = input.ctx.quoteCurrency;
    const use = marginUse(input, futures);
    const cap = input.limits.maxMarginUtilisationPct;
    const utilisation = use.balance > 0 ? (use.used / use.balance) * 100 : Number.POSITIVE_INFINITY;
    const data = {
      marginUsed: r(use.used),
      orderMargin: r(use.orderMargin),
      marginBalance: r(use.balance),
      marginUtilisationPct: r(utilisation, 6),
      maxMarginUtilisationPct: cap,
    };
    if (!Number.isFinite(use.used)) return deny("MARGIN_UNKNOWN", `the margin of this order cannot be computed (no reference price for ${input.request.symbol})`, data);
    if (!(use.balance > 0)) return deny("MARGIN_UTILISATION", `the futures margin balance is ${money(use.balance, q)}: no margin is available`, data);
    if (exceeds(utilisation, cap)) {
      return deny(
        "MARGIN_UTILISATION",
        `margin in use would be ${money(use.used, q)}, ${pct(utilisation)} of the margin balance ${money(use.balance, q)}; the cap is ${pct(cap)} (${money((cap / 100) * use.balance, q)})`,
        data,
      );
    }
    return allow("MARGIN_UTILISATION_OK", `margin in use ${pct(utilisation)} of the margin balance after this order (cap ${pct(cap)})`, data);
  },
};
