import { remainingQuantity } from "../metrics";
import type { RiskCheck } from "../types";
import { allow, deny, exceeds, fallsShort, money, pct, r } from "./verdict";

/**
 * Size of one position: the order must be worth opening (minPositionQuote), and the position it
 * opens or grows (existing same-strategy position + working entries + this order) must stay within
 * maxPositionQuote and maxPositionPctEquity of equity.
 */
export const positionSizeCheck: RiskCheck = {
  id: "position-size",
  appliesTo: "entry",
  description: "Position notional within the quote and %-of-equity caps, and above the minimum.",
  evaluate({ request, ctx, limits, metrics }) {
    const q = ctx.quoteCurrency;
    const notional = metrics.orderNotional();
    if (fallsShort(notional, limits.minPositionQuote)) {
      return deny("POSITION_TOO_SMALL", `order value ${money(notional, q)} is below the minimum position of ${money(limits.minPositionQuote, q)}`, {
        notional: r(notional),
        minPositionQuote: limits.minPositionQuote,
      });
    }
    let resulting = notional;
    for (const p of metrics.positionsAddedTo()) resulting += metrics.positionNotional(p);
    for (const o of metrics.pendingEntries()) {
      if (o.symbol === request.symbol && o.side === request.side && o.strategyInstanceId === request.strategyInstanceId) {
        resulting += remainingQuantity(o) * metrics.pendingPrice(o);
      }
    }
    const data = { notional: r(notional), positionNotional: r(resulting), equity: r(ctx.equity) };
    if (limits.maxPositionQuote !== null && exceeds(resulting, limits.maxPositionQuote)) {
      return deny("MAX_POSITION_QUOTE", `position value ${money(resulting, q)} would exceed the cap of ${money(limits.maxPositionQuote, q)}`, {
        ...data,
        maxPositionQuote: limits.maxPositionQuote,
      });
    }
    const capQuote = (limits.maxPositionPctEquity / 100) * ctx.equity;
    if (exceeds(resulting, capQuote)) {
      return deny(
        "MAX_POSITION_PCT_EQUITY",
        `position value ${money(resulting, q)} is ${pct((resulting / ctx.equity) * 100)} of equity; the cap is ${pct(limits.maxPositionPctEquity)} (${money(capQuote, q)})`,
        { ...data, maxPositionPctEquity: limits.maxPositionPctEquity, capQuote: r(capQuote) },
      );
    }
    return allow("POSITION_SIZE_OK", `position value ${money(resulting, q)} is within ${money(Math.min(capQuote, limits.maxPositionQuote ?? Infinity), q)}`, data);
  },
};
