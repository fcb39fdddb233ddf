import { addQty, cmpQty, floorQtyToStep, ltQty, minQty, subQty } from "../core/quantity";
import type { OrderBook, OrderBookLevel, OrderRequest, Side } from "../model/types";
import { VenueError } from "./errors";

/**
 * The paper venue's fill rules (paper-venue.ts composes them; the price-time queue of limitFillRule
 * "queue" is the shared model in fill-model.ts):
 * - taker executions walk the order book (`walkBook`), each level's quantity used once per snapshot,
 *   in whole lot steps; without a book they fill at the last price moved against the order by the
 *   slippage (`priceWithoutBook`), never beyond a limit;
 * - resting limits are reached when the price touches them ("touch") or trades through them
 *   ("cross"); stop-loss-limit / take-profit-limit trigger on the last price (`reachedAt`,
 *   `stopReached`).
 */

/** Rejects a book that is not sorted best first with positive prices and quantities. */
export function validateBook(book: OrderBook): void {
  const bad = (why: string) => new VenueError("INVALID_MARKET_DATA", `order book ${book?.symbol} @${book?.timestamp}: ${why}`);
  if (!book || !Array.isArray(book.bids) || !Array.isArray(book.asks)) throw bad("bids and asks must be arrays");
  if (!Number.isFinite(book.timestamp)) throw bad("timestamp is not a number");
  for (const [side, levels, descending] of [
    ["bids", book.bids, true],
    ["asks", book.asks, false],
  ] as const) {
    let previous = descending ? Number.POSITIVE_INFINITY : 0;
    for (const level of levels) {
      if (!(level.price > 0) || !Number.isFinite(level.price) || !(level.quantity >= 0) || !Number.isFinite(level.quantity)) {
        throw bad(`${side} level ${level.price} x ${level.quantity} is not a positive price and quantity`);
      }
      if (descending ? level.price >= previous : level.price <= previous) throw bad(`${side} are not sorted best first`);
      previous = level.price;
    }
  }
}

export interface BookWalk {
  /** Executable quantity (exact). */
  quantity: number;
  /** Sum of quantity x price over the levels used. */
  notional: number;
}

/**
 * Quantity executable against `levels` (the opposite side of the book) up to maxQuantity within limit.
 * `used` is what earlier executions took of each level in this snapshot; `strict` excludes the limit
 * level itself; `commit` uses the liquidity up; `step` is the lot step (0: none).
 */
export function walkBook(
  levels: readonly OrderBookLevel[],
  used: number[],
  side: Side,
  maxQuantity: number,
  limit: number | undefined,
  strict: boolean,
  commit: boolean,
  step: number,
): BookWalk {
  // Quantities exact; liquidity is taken in whole lot steps so the order stays on its grid.
  let quantity = 0;
  let notional = 0;
  for (let i = 0; i < levels.length && ltQty(quantity, maxQuantity); i++) {
    const level = levels[i];
    if (limit !== undefined) {
      const beyond = side === "buy" ? level.price > limit || (strict && level.price === limit) : level.price < limit || (strict && level.price === limit);
      if (beyond) break;
    }
    const available = subQty(level.quantity, used[i] ?? 0);
    if (cmpQty(available, 0) <= 0) continue;
    const take = floorQtyToStep(minQty(available, subQty(maxQuantity, quantity)), step);
    if (cmpQty(take, 0) <= 0) continue;
    quantity = addQty(quantity, take);
    notional += take * level.price;
    if (commit) used[i] = addQty(used[i] ?? 0, take);
  }
  return { quantity, notional };
}

/**
 * Taker price without a usable book: the last price moved against the order by `slip` (a fraction),
 * capped at the limit; undefined when a limit order is not marketable at the last price.
 */
export function priceWithoutBook(side: Side, lastPrice: number, slip: number, limit: number | undefined): number | undefined {
  const marketable = limit === undefined || (side === "buy" ? limit >= lastPrice : limit <= lastPrice);
  if (!marketable) return undefined;
  const slipped = side === "buy" ? lastPrice * (1 + slip) : lastPrice * (1 - slip);
  return limit === undefined ? slipped : side === "buy" ? Math.min(slipped, limit) : Math.max(slipped, limit);
}

/** A sell stop-loss and a buy take-profit trigger when the price falls to the stop; the other two when it rises. */
export function triggersOnFall(request: Pick<OrderRequest, "side" | "type">): boolean {
  return (request.side === "sell") === (request.type === "stop_loss_limit");
}

export function stopReached(request: Pick<OrderRequest, "side" | "type" | "stopPrice">, price: number): boolean {
  return triggersOnFall(request) ? price <= request.stopPrice! : price >= request.stopPrice!;
}

/**
 * Where on the move a -> b an order's trigger (inactive stop) or limit (active order) is reached, or
 * NaN. `strictCross`: a limit must be traded through, not only touched.
 */
export function reachedAt(order: { active: boolean; request: OrderRequest }, a: number, b: number, strictCross: boolean): number {
  const request = order.request;
  if (!order.active) {
    const stop = request.stopPrice!;
    if (triggersOnFall(request)) return a <= stop ? a : b <= stop ? stop : Number.NaN;
    return a >= stop ? a : b >= stop ? stop : Number.NaN;
  }
  const limit = request.price!;
  if (request.side === "buy") {
    if (strictCross) return a < limit ? a : b < limit ? limit : Number.NaN;
    return a <= limit ? a : b <= limit ? limit : Number.NaN;
  }
  if (strictCross) return a > limit ? a : b > limit ? limit : Number.NaN;
  return a >= limit ? a : b >= limit ? limit : Number.NaN;
}
