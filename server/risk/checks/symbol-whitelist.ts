import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

/** Entries only on whitelisted symbols; an empty whitelist allows every symbol of the venue. */
export const symbolWhitelistCheck: RiskCheck = {
  id: "symbol-whitelist",
  appliesTo: "entry",
  description: "Entries only on whitelisted symbols (empty list = all).",
  evaluate({ request, limits }) {
    const list = limits.symbolWhitelist;
    if (list.length === 0) return allow("SYMBOL_ALLOWED", "no whitelist: every symbol is allowed");
    if (!list.includes(request.symbol)) {
      return deny("SYMBOL_NOT_WHITELISTED", `${request.symbol} is not on the whitelist (${list.join(", ")})`, {
        symbol: request.symbol,
        whitelist: list.join(","),
      });
    }
    return allow("SYMBOL_ALLOWED", `${request.symbol} is whitelisted`);
  },
};
