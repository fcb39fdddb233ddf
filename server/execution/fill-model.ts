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

// ------------------------------------------------------------------ prints derived from a candle

/** Prints per 1-minute candle when only the candle is known (one per 5-second sub-step). */
export const CANDLE_PRINTS = 12;
export const CANDLE_PRINT_MS = 60_000 / CANDLE_PRINTS;

export interface CandlePrint {
  /** Time of the print after the candle's open (k x 5 s, k = 0 … 11). */
  offsetMs: number;
  price: number;
  /** Base quantity of the print (a whole number of steps). */
  quantity: number;
}

/** Decimals of a grid step such as 0.01 or 0.00001 (at most 12). */
function decimalsOf(step: number): number {
  for (let d = 0; d <= 12; d++) if (Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) < 1e-9) return d;
  return 12;
}

/**
 * The market prints a 1-minute candle stands for, when only the candle is known: the one place both
 * the simulator's CSV replay (simulator/price-model.ts) and the paper venue's fallback (a closed
 * candle whose minute brought no prints) derive them, so both offer resting orders the same trades.
 * - 12 prints, one every 5 s from the open: the price walks open -> low -> high -> close for an up
 *   candle (close >= open), open -> high -> low -> close for a down one, reaching the first extreme at
 *   print 3, the second at print 8 and the close at print 11, linearly in between, on the tick grid
 *   (never below one tick).
 * - The candle's volume, in whole steps, is split evenly: floor(volume / 12) per print and the rest on
 *   the close.
 * The simulator splits each print into several smaller market trades (its calibrated trade flow); the
 * queue model gives a resting order the same fill from one print as from the same quantity at the
 * same price in parts, so the two agree.
 */
export function candlePrints(
  candle: { open: number; high: number; low: number; close: number; volume: number },
  grid: { tickSize: number; stepSize: number },
): CandlePrint[] {
  const tick = grid.tickSize > 0 ? grid.tickSize : 1e-8;
  const step = grid.stepSize > 0 ? grid.stepSize : 1e-8;
  const pd = decimalsOf(tick);
  const qd = decimalsOf(step);
  const toTicks = (p: number) => Math.max(1, Math.round(p / tick));
  const price = (ticks: number) => Number((ticks * tick).toFixed(pd));
  const up = candle.close >= candle.open;
  const anchors: Array<[number, number]> = [
    [0, toTicks(candle.open)],
    [3, toTicks(up ? candle.low : candle.high)],
    [8, toTicks(up ? candle.high : candle.low)],
    [CANDLE_PRINTS - 1, toTicks(candle.close)],
  ];
  const ticks: number[] = [];
  for (let a = 0; a < anchors.length - 1; a++) {
    const [k0, t0] = anchors[a];
    const [k1, t1] = anchors[a + 1];
    for (let k = k0; k < k1; k++) ticks.push(Math.round(t0 + ((t1 - t0) * (k - k0)) / (k1 - k0)));
  }
  ticks.push(anchors[anchors.length - 1][1]);
  const units = Math.max(0, Math.floor(candle.volume / step + 1e-7));
  const per = Math.floor(units / CANDLE_PRINTS);
  return ticks.map((t, k) => ({
    offsetMs: k * CANDLE_PRINT_MS,
    price: price(t),
    quantity: Number(((k === CANDLE_PRINTS - 1 ? units - per * (CANDLE_PRINTS - 1) : per) * step).toFixed(qd)),
  }));
}
