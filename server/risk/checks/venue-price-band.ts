import type { RiskCheck } from "../types";
import { allow, deny, num } from "./verdict";

/**
 * The venue's price band (Binance PERCENT_PRICE_BY_SIDE): a limit or stop-limit price must lie within
 * multiples of the market's average price (a buy within [avg × bidDown, avg × bidUp], a sell within
 * [avg × askDown, avg × askUp]). Binance compares with its 5-minute average; the check uses the last
 * price, which the average follows closely, so an order the venue would refuse (-1013 "Filter failure:
 * PERCENT_PRICE_BY_SIDE") is refused here first and never counts as a venue error.
 */
export const venuePriceBandCheck: RiskCheck = {
  id: "venue-price-band",
  appliesTo: "all",
  description: "A limit price lies within the venue's price band around the average price (PERCENT_PRICE_BY_SIDE).",
  evaluate({ request, metrics }) {
    const band = metrics.instrument()?.venueRules?.priceBand;
    if (!band || request.type === "market" || request.price === undefined) return allow("VENUE_PRICE_BAND_NA", "no price band applies to this order");
    const reference = metrics.lastPrice(request.symbol);
    if (reference === undefined) return allow("VENUE_PRICE_BAND_UNCHECKED", `no price for ${request.symbol} to check the venue's price band against`);
    const [up, down] = request.side === "buy" ? [band.bidUp, band.bidDown] : [band.askUp, band.askDown];
    const high = reference * up;
    const low = reference * down;
    if (request.price > high || request.price < low) {
      return deny(
        "VENUE_PRICE_BAND",
        `${request.side} price ${num(request.price)} is outside the venue's band ${num(low)}-${num(high)} (${down}× to ${up}× the price ${num(reference)}): the venue would refuse it (PERCENT_PRICE_BY_SIDE)`,
        { price: request.price, low, high, reference, multiplierUp: up, multiplierDown: down },
      );
    }
    return allow("VENUE_PRICE_BAND_OK", "price within the venue's band");
  },
};
