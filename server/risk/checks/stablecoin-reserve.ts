import type { RiskCheck } from "../types";
import { allow, deny, fallsShort, money, pct, r } from "./verdict";

/** A share of equity always stays in the quote stablecoin: the entry may not spend into it. */
export const stablecoinReserveCheck: RiskCheck = {
  id: "stablecoin-reserve",
  appliesTo: "entry",
  description: "Free quote balance after the entry stays at or above the reserve share of equity.",
  evaluate({ ctx, limits, metrics }) {
    const q = ctx.quoteCurrency;
    const notional = metrics.orderNotional();
    const after = ctx.freeQuote - (notional / limits.maxLeverage + notional * metrics.entryFeeRate());
    const reserve = (limits.stablecoinReservePct / 100) * ctx.equity;
    const data = { freeAfter: r(after), reserve: r(reserve), stablecoinReservePct: limits.stablecoinReservePct };
    if (fallsShort(after, reserve)) {
      return deny(
        "STABLECOIN_RESERVE",
        `this entry would leave ${money(after, q)} in ${q}, below the ${pct(limits.stablecoinReservePct)} reserve of ${money(reserve, q)}`,
        data,
      );
    }
    return allow("STABLECOIN_RESERVE_OK", `${money(after, q)} stays in ${q}, reserve ${money(reserve, q)}`, data);
  },
};
