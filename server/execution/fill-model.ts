/**
 * The one fill model for resting limit orders, shared by the paper venue (execution/paper-venue.ts,
 * limitFillRule "queue") and the simulator's matching engine (simulator/matching-engine.ts), so the
 * same orders on the same prices fill the same way in paper and in live-on-simulator.
 *
 * Price-time queue:
 * - An order that rests at price P joins the back of the queue at P: the quantity the book shows on
 *   its side at exactly P when it arrives is ahead of it (`queueAheadAt`). Inside the spread or at a
 *   price the book does not show, nothing is ahead.
 * - Each market trade (a print: price and quantity) is offered to the resting orders in time order,
 *   each taking from what the previous ones left (`restingFill`):
 *   - traded THROUGH P (a buy: the print is below P; a sell: above P): everything at P was taken,
 *     the queue ahead is gone and the order fills up to the print's quantity;
 *   - traded AT P (a touch): the print's quantity first consumes the queue ahead, what remains fills
 *     the order: a touch fills once the queue ahead has traded, partially when the print is small;
 *   - traded away from P: nothing.
 * - So a large order fills in parts over several prints, and an order at a crowded level waits for
 *   the level to trade. Fills are at the order's own price, as maker.
 * Quantities are whole units (lot steps, or 1e-8 of the base asset): callers convert, so the model
 * is exact on both sides.
 */

export type FillSide = "buy" | "sell";

export interface RestingQueueOrder {
  side: FillSide;
  /** Limit price, in the caller's units (ticks or price: compared only with the print's price). */
  limit: number;
  /** Units still to fill. */
  remaining: number;
  /** Units ahead of the order in the queue at its price. */
  queueAhead: number;
}

export interface Print {
  price: number;
  /** Units traded (what resting orders before this one have not taken yet). */
  units: number;
}

export interface RestingFill {
  /** Units that fill the order. */
  fill: number;
  /** The queue ahead after the print. */
  queueAhead: number;
  /** Units of the print used (queue consumed + fill): what the next resting order cannot use. */
  used: number;
}

export type PrintRelation = "through" | "touch" | "away";

export function printRelation(side: FillSide, limit: number, price: number): PrintRelation {
  if (price === limit) return "touch";
  if (side === "buy") return price < limit ? "through" : "away";
  return price > limit ? "through" : "away";
}

export function restingFill(order: RestingQueueOrder, print: Print): RestingFill {
  const units = Math.max(0, print.units);
  const remaining = Math.max(0, order.remaining);
  switch (printRelation(order.side, order.limit, print.price)) {
    case "through": {
      const fill = Math.min(remaining, units);
      return { fill, queueAhead: 0, used: fill };
    }
    case "touch": {
      const consumed = Math.min(order.queueAhead, units);
      const fill = Math.min(remaining, units - consumed);
      return { fill, queueAhead: order.queueAhead - consumed, used: consumed + fill };
    }
    default:
      return { fill: 0, queueAhead: order.queueAhead, used: 0 };
  }
}

/**
 * Units ahead of a new resting order: the book's quantity on the order's own side at exactly its price
 * (bids for a buy, asks for a sell), in the caller's units; 0 inside the spread or off the book's levels.
 */
export function queueAheadAt(side: FillSide, limit: number, levels: { bids: ReadonlyArray<{ price: number; units: number }>; asks: ReadonlyArray<{ price: number; units: number }> }): number {
  const own = side === "buy" ? levels.bids : levels.asks;
  return own.find((l) => l.price === limit)?.units ?? 0;
}
