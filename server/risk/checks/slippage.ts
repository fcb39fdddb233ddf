import type { OrderBookLevel } from "../../model/types";
import type { RiskCheck } from "../types";
import { allow, deny, num, pct, r } from "./verdict";

/** A book older than this no longer tells where a market order fills. */
export const MAX_ORDER_BOOK_AGE_MS = 30_000;

/** Volume-weighted price of taking `quantity` from `levels` (best first); null if the book is too thin. */
export function expectedFillPrice(levels: readonly OrderBookLevel[], quantity: number): number | null {
  let left = quantity;
  let cost = 0;
  for (const level of levels) {
    if (!(level.price > 0) || !(level.quantity > 0)) continue;
    const take = Math.min(left, level.quantity);
    cost += take * level.price;
    left -= take;
    if (left <= quantity * 1e-12) return cost / quantity;
  }
  return null;
}

/**
 * Slippage guard for market entries: walk the order book for the order's quantity and deny when the
 * expected fill deviates more than maxSlippagePct from the last price, or the book cannot fill it.
 * Without a fresh book the order passes with SLIPPAGE_UNCHECKED (the verdict says so). Exits are
 * never held back by slippage: getting out matters more than the price.
 */
export const slippageCheck: RiskCheck = {
  id: "slippage",
  appliesTo: "entry",
  description: "Expected market fill (order book walk) within the slippage cap of the last price.",
  evaluate({ now, request, ctx, limits, metrics }) {
    if (request.type !== "market") return allow("SLIPPAGE_NOT_APPLICABLE", "not a market order");
    const last = metrics.lastPrice(request.symbol);
    const book = ctx.orderBooks?.get(request.symbol);
    if (!book || last === undefined) return allow("SLIPPAGE_UNCHECKED", `no order book for ${request.symbol}: slippage not estimated`);
    const ageMs = now - book.timestamp;
    if (!(ageMs <= MAX_ORDER_BOOK_AGE_MS)) {
      return allow("SLIPPAGE_UNCHECKED", `the ${request.symbol} order book is ${Math.round(ageMs / 1000)} s old: slippage not estimated`, {
        bookAgeMs: ageMs,
      });
    }
    const levels = request.side === "buy" ? book.asks : book.bids;
    const fill = expectedFillPrice(levels, request.quantity);
    if (fill === null) {
      const depth = levels.reduce((sum, l) => sum + (l.quantity > 0 ? l.quantity : 0), 0);
      return deny("ORDER_BOOK_TOO_THIN", `the ${request.symbol} book holds ${num(depth)} on the ${request.side === "buy" ? "ask" : "bid"} side, less than the ${num(request.quantity)} ordered`, {
        bookDepth: r(depth),
        quantity: request.quantity,
      });
    }
    const deviationPct = (Math.abs(fill - last) / last) * 100;
    const data = { expectedFill: r(fill), lastPrice: last, slippagePct: r(deviationPct, 8), maxSlippagePct: limits.maxSlippagePct };
    if (deviationPct > limits.maxSlippagePct) {
      return deny(
        "SLIPPAGE_TOO_HIGH",
        `expected fill ${num(fill)} is ${pct(deviationPct)} from the last price ${num(last)}; the limit is ${pct(limits.maxSlippagePct)}`,
        data,
      );
    }
    return allow("SLIPPAGE_OK", `expected fill ${num(fill)}, ${pct(deviationPct)} from the last price`, data);
  },
};
