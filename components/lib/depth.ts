import type { BookLevel } from "./types";
import { isNum } from "./format";

/** One price level of the ladder with the running total from the best price outwards. */
export interface DepthLevel {
  price: number;
  quantity: number;
  cumulative: number;
  /** Running total of quote value (price × quantity). */
  cumulativeQuote: number;
}

export interface Depth {
  bids: DepthLevel[]; // best (highest) first
  asks: DepthLevel[]; // best (lowest) first
  /** Largest cumulative quantity of either side: the scale of the depth bars. */
  maxCumulative: number;
  bestBid: number | null;
  bestAsk: number | null;
  spread: number | null;
  /** Spread as percentage points of the mid price. */
  spreadPct: number | null;
  mid: number | null;
}

/**
 * Cleans and accumulates one side of a book. Levels with a non-finite or non-positive price or quantity
 * are dropped; the rest are sorted best first (bids descending, asks ascending) whatever order they came in.
 */
export function accumulateSide(levels: readonly BookLevel[], side: "bids" | "asks", depth = Infinity): DepthLevel[] {
  const clean = levels
    .filter((l) => Array.isArray(l) && isNum(l[0]) && isNum(l[1]) && l[0] > 0 && l[1] > 0)
    .map(([price, quantity]) => ({ price, quantity }))
    .sort((a, b) => (side === "bids" ? b.price - a.price : a.price - b.price))
    .slice(0, depth);
  let cumulative = 0;
  let cumulativeQuote = 0;
  return clean.map(({ price, quantity }) => {
    cumulative += quantity;
    cumulativeQuote += price * quantity;
    return { price, quantity, cumulative, cumulativeQuote };
  });
}

export function buildDepth(bids: readonly BookLevel[], asks: readonly BookLevel[], depth = Infinity): Depth {
  const b = accumulateSide(bids, "bids", depth);
  const a = accumulateSide(asks, "asks", depth);
  const bestBid = b[0]?.price ?? null;
  const bestAsk = a[0]?.price ?? null;
  const spread = bestBid !== null && bestAsk !== null ? bestAsk - bestBid : null;
  const mid = bestBid !== null && bestAsk !== null ? (bestBid + bestAsk) / 2 : null;
  const spreadPct = spread !== null && mid ? (spread / mid) * 100 : null;
  const maxCumulative = Math.max(b[b.length - 1]?.cumulative ?? 0, a[a.length - 1]?.cumulative ?? 0);
  return { bids: b, asks: a, maxCumulative, bestBid, bestAsk, spread, spreadPct, mid };
}

/**
 * Points of a stepped depth curve for an SVG path, in price/cumulative space: bids from the best bid
 * down, asks from the best ask up, each starting at zero depth at the best price.
 */
export function depthCurve(levels: readonly DepthLevel[]): { price: number; cumulative: number }[] {
  const points: { price: number; cumulative: number }[] = [];
  let prev = 0;
  for (const level of levels) {
    points.push({ price: level.price, cumulative: prev });
    points.push({ price: level.price, cumulative: level.cumulative });
    prev = level.cumulative;
  }
  return points;
}
