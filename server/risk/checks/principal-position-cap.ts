import { maxPositionNotional, profitOf } from "../../futures";
import type { RiskCheck } from "../types";
import { perpTarget, positionAfterOrder, resultingNotional } from "./perp-view";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * Perps: the position this entry leaves (net, at the order's price, plus working entries on its side)
 * stays within principal + maxPositionProfitSharePct % of profit (the master plan's 70 %); while the
 * account is below its principal, within equity.
 */
export const principalPositionCapCheck: RiskCheck = {
  id: "principal-position-cap",
  appliesTo: "entry",
  description: "Perp position within principal + a share of the profit.",
  evaluate(input) {
    const { futures } = perpTarget(input)!;
    const q = input.ctx.quoteCurrency;
    const figures = { principal: futures.principal, equity: input.ctx.equity };
    const cap = maxPositionNotional(figures, input.limits.maxPositionProfitSharePct);
    const notional = resultingNotional(input, positionAfterOrder(input));
    const data = { positionNotional: r(notional), capQuote: r(cap), principal: r(futures.principal), profit: r(profitOf(figures)), maxPositionProfitSharePct: input.limits.maxPositionProfitSharePct };
    if (!Number.isFinite(notional)) return deny("MAX_POSITION_PRINCIPAL", `the value of the ${input.request.symbol} position cannot be computed (no reference price)`, data);
    if (exceeds(notional, cap)) {
      const profit = profitOf(figures);
      return deny(
        "MAX_POSITION_PRINCIPAL",
        profit >= 0
          ? `position value ${money(notional, q)} would exceed principal ${money(futures.principal, q)} + ${input.limits.maxPositionProfitSharePct}% of the profit ${money(profit, q)} = ${money(cap, q)}`
          : `position value ${money(notional, q)} would exceed the equity ${money(cap, q)} (the account is ${money(-profit, q)} below its principal)`,
        data,
      );
    }
    return allow("MAX_POSITION_PRINCIPAL_OK", `position value ${money(notional, q)} within ${money(cap, q)}`, data);
  },
};
