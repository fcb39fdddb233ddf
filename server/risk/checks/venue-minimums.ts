import { floorToStep, roundToTick } from "../../core/decimal";
import type { RiskCheck } from "../types";
import { allow, deny, num, r } from "./verdict";

function offGrid(value: number, step: number, round: (v: number, s: number) => number): boolean {
  if (!(step > 0)) return false;
  return Math.abs(value - round(value, step)) > step * 1e-6;
}

/**
 * The venue's instrument rules, checked before sending so a doomed order never becomes a venue error
 * (venue errors feed a breaker): minimum and maximum quantity, lot step, minimum notional and the
 * price tick. Exits are checked too (a venue rejects a dust close just the same) but an exit on a
 * symbol whose instrument is unknown is let through rather than trapping the position.
 */
export const venueMinimumsCheck: RiskCheck = {
  id: "venue-minimums",
  appliesTo: "all",
  description: "Quantity, lot step, notional and price tick meet the venue's instrument rules.",
  evaluate({ request, orderClass, metrics }) {
    const inst = metrics.instrument();
    if (!inst) {
      if (orderClass === "exit") return allow("VENUE_RULES_UNCHECKED", `no instrument rules for ${request.symbol}; exit not blocked`);
      return deny("UNKNOWN_INSTRUMENT", `no instrument rules for ${request.symbol}: the venue does not list it or they were not loaded`, {
        symbol: request.symbol,
      });
    }
    const qty = request.quantity;
    if (qty < inst.minQty) {
      return deny("VENUE_MIN_QTY", `quantity ${num(qty)} is below the venue minimum of ${num(inst.minQty)} ${inst.base}`, {
        quantity: qty,
        minQty: inst.minQty,
      });
    }
    if (inst.maxQty > 0 && qty > inst.maxQty) {
      return deny("VENUE_MAX_QTY", `quantity ${num(qty)} is above the venue maximum of ${num(inst.maxQty)} ${inst.base}`, {
        quantity: qty,
        maxQty: inst.maxQty,
      });
    }
    if (offGrid(qty, inst.stepSize, floorToStep)) {
      return deny("VENUE_LOT_STEP", `quantity ${num(qty)} is not a multiple of the lot step ${num(inst.stepSize)}`, {
        quantity: qty,
        stepSize: inst.stepSize,
      });
    }
    if (request.price !== undefined && offGrid(request.price, inst.tickSize, roundToTick)) {
      return deny("VENUE_PRICE_TICK", `price ${num(request.price)} is not a multiple of the tick size ${num(inst.tickSize)}`, {
        price: request.price,
        tickSize: inst.tickSize,
      });
    }
    const price = metrics.referencePrice() ?? (orderClass === "exit" ? metrics.positionsReduced()[0]?.avgEntryPrice : undefined);
    if (price !== undefined && inst.minNotional > 0) {
      const notional = qty * price;
      if (notional < inst.minNotional) {
        return deny(
          "VENUE_MIN_NOTIONAL",
          `order value ${num(notional)} ${inst.quote} is below the venue minimum of ${num(inst.minNotional)} ${inst.quote}`,
          { notional: r(notional), minNotional: inst.minNotional },
        );
      }
    }
    return allow("VENUE_RULES_OK", "meets the venue's quantity, step, notional and tick rules");
  },
};
