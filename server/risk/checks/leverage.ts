import type { RiskCheck } from "../types";
import { allow, deny, exceeds, r } from "./verdict";

/** Gross exposure (positions at mark + working entries + this order) / equity stays within maxLeverage. */
export const leverageCheck: RiskCheck = {
  id: "leverage",
  appliesTo: "entry",
  description: "Total exposure / equity within the leverage cap.",
  evaluate({ ctx, limits, metrics }) {
    const exposureAfter = metrics.exposure() + metrics.orderNotional();
    const leverage = exposureAfter / ctx.equity;
    const data = { exposureAfter: r(exposureAfter), equity: r(ctx.equity), leverage: r(leverage, 6), maxLeverage: limits.maxLeverage };
    if (exceeds(leverage, limits.maxLeverage)) {
      return deny(
        "MAX_LEVERAGE",
        `exposure would be ${leverage.toFixed(2)}× equity (${exposureAfter.toFixed(2)} / ${ctx.equity.toFixed(2)} ${ctx.quoteCurrency}); the cap is ${limits.maxLeverage}×`,
        data,
      );
    }
    return allow("LEVERAGE_OK", `exposure ${leverage.toFixed(2)}× equity after this order`, data);
  },
};
