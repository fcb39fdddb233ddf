import type { RiskCheck } from "../types";
import { allow, deny, exceeds, fallsShort, money, r } from "./verdict";

/**
 * Free quote balance: the entry must be payable (its margin at maxLeverage plus the entry fee) and
 * must leave at least minAccountBalance free.
 */
export const accountBalanceCheck: RiskCheck = {
  id: "account-balance",
  appliesTo: "entry",
  description: "Enough free quote balance to pay for the entry, leaving the minimum account balance.",
  evaluate({ ctx, limits, metrics }) {
    const q = ctx.quoteCurrency;
    const notional = metrics.orderNotional();
    const required = notional / limits.maxLeverage + notional * metrics.entryFeeRate();
    const after = ctx.freeQuote - required;
    const data = { freeQuote: r(ctx.freeQuote), required: r(required), freeAfter: r(after), minAccountBalance: limits.minAccountBalance };
    if (exceeds(required, ctx.freeQuote)) {
      return deny("INSUFFICIENT_BALANCE", `this entry needs ${money(required, q)} but only ${money(ctx.freeQuote, q)} is free`, data);
    }
    if (fallsShort(after, limits.minAccountBalance)) {
      return deny(
        "MIN_ACCOUNT_BALANCE",
        `this entry would leave ${money(after, q)} free, below the minimum account balance of ${money(limits.minAccountBalance, q)}`,
        data,
      );
    }
    return allow("ACCOUNT_BALANCE_OK", `${money(after, q)} stays free after this entry`, data);
  },
};
