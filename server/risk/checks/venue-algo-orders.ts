import type { RiskCheck, RiskOpenOrder } from "../types";
import { allow, deny } from "./verdict";

const STOP_TYPES = new Set(["stop_loss_limit", "take_profit_limit"]);

function isOpen(o: RiskOpenOrder): boolean {
  return o.status === undefined || !["filled", "cancelled", "rejected", "expired"].includes(o.status);
}

/**
 * The venue's cap on open stop orders per symbol (Binance MAX_NUM_ALGO_ORDERS, 5 on spot): a sixth
 * stop-limit or take-profit-limit on the symbol would be refused (-1013 "Filter failure:
 * MAX_NUM_ALGO_ORDERS"), so it is refused here first. Plain limit orders are not counted.
 */
export const venueAlgoOrdersCheck: RiskCheck = {
  id: "venue-algo-orders",
  appliesTo: "all",
  description: "Open stop orders on the symbol stay within the venue's cap (MAX_NUM_ALGO_ORDERS).",
  evaluate({ request, ctx, metrics }) {
    const max = metrics.instrument()?.venueRules?.maxAlgoOrders;
    if (!STOP_TYPES.has(request.type) || max === undefined) return allow("VENUE_ALGO_ORDERS_NA", "not a stop order, or the venue states no cap");
    const open = ctx.openOrders.filter((o) => o.symbol === request.symbol && STOP_TYPES.has(o.type) && isOpen(o) && o.clientOrderId !== request.clientOrderId).length;
    if (open >= max) {
      return deny(
        "VENUE_MAX_ALGO_ORDERS",
        `${request.symbol} already has ${open} open stop orders, the venue's cap is ${max}: the venue would refuse another (MAX_NUM_ALGO_ORDERS)`,
        { open, maxAlgoOrders: max },
      );
    }
    return allow("VENUE_ALGO_ORDERS_OK", `${open} of ${max} stop orders open on ${request.symbol}`);
  },
};
