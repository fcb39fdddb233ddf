import type { RiskCheck } from "../types";
import { perpTarget } from "./perp-view";
import { allow, deny, exceeds, r } from "./verdict";

/**
 * Perps: the leverage the contract is set to stays within maxLeverage (1× by default, issue 15). The
 * account-wide exposure / equity rule (leverage.ts) applies on top.
 */
export const perpLeverageCheck: RiskCheck = {
  id: "perp-leverage",
  appliesTo: "entry",
  description: "The contract's leverage within the leverage cap.",
  evaluate(input) {
    const target = perpTarget(input)!;
    const { leverage, symbol } = target.contract;
    const data = { symbol, leverage: r(leverage), maxLeverage: input.limits.maxLeverage };
    if (!(leverage >= 1 && Number.isFinite(leverage))) return deny("PERP_LEVERAGE_INVALID", `${symbol} is set to an invalid leverage ${leverage}`, data);
    if (exceeds(leverage, input.limits.maxLeverage)) {
      return deny("PERP_LEVERAGE_OVER_CAP", `${symbol} is set to ${leverage}× leverage; the cap is ${input.limits.maxLeverage}×: lower the contract's leverage first`, data);
    }
    return allow("PERP_LEVERAGE_OK", `${symbol} at ${leverage}× is within the ${input.limits.maxLeverage}× cap`, data);
  },
};
