import type { RiskCheck } from "../types";
import { allow, deny, exceeds, num } from "./verdict";

/**
 * The venue's cap on one market order's quantity (Binance MARKET_LOT_SIZE maxQty, which follows the
 * pair's volume and is much lower than LOT_SIZE's). A larger market order is refused by the venue
 * (-1013 "Filter failure: MARKET_LOT_SIZE"); the check refuses it first, exits included.
 */
export const venueMarketLotCheck: RiskCheck = {
  id: "venue-market-lot",
  appliesTo: "all",
  description: "A market order's quantity is within the venue's market lot cap (MARKET_LOT_SIZE).",
  evaluate({ request, metrics }) {
    const inst = metrics.instrument();
    const max = inst?.venueRules?.marketMaxQty;
    if (request.type !== "market" || max === undefined) return allow("VENUE_MARKET_LOT_NA", "no market lot cap applies to this order");
    if (exceeds(request.quantity, max)) {
      return deny(
        "VENUE_MARKET_LOT_SIZE",
        `market order of ${num(request.quantity)} ${inst!.base} is above the venue's market lot cap of ${num(max)} ${inst!.base}: the venue would refuse it (MARKET_LOT_SIZE); use a limit order or split it`,
        { quantity: request.quantity, marketMaxQty: max },
      );
    }
    return allow("VENUE_MARKET_LOT_OK", "within the venue's market lot cap");
  },
};
