import type { RiskCheck, RiskOpenOrder, RiskPosition } from "../types";
import { TERMINAL_ORDER_STATUSES } from "../../model/types";
import { gtQty, subQty, sumQty } from "../../core/quantity";
import { allow, deny, num } from "./verdict";

/**
 * What the working orders that reduce these positions still have to sell (or buy back): reduce-only or
 * exit orders of the symbol on the request's side, of the positions' owners, not finished. Each such
 * order's remainder is already committed at the venue, so it is not free to sell again. Conditional
 * orders (stop-loss / take-profit limits not yet triggered) and the request itself do not count.
 */
export function workingReduction(request: { symbol: string; side: string; clientOrderId?: string }, reduced: readonly RiskPosition[], openOrders: readonly RiskOpenOrder[]): number {
  const owners = new Set(reduced.map((p) => p.strategyInstanceId));
  const parts: number[] = [];
  for (const o of openOrders) {
    if (o.symbol !== request.symbol || o.side !== request.side || o.clientOrderId === request.clientOrderId) continue;
    // A resting stop or take-profit sells nothing until it triggers (then it is decided again, as itself).
    if (o.type !== "market" && o.type !== "limit") continue;
    if (!(o.reduceOnly || o.intent === "exit")) continue;
    if (o.status !== undefined && TERMINAL_ORDER_STATUSES.includes(o.status)) continue;
    if (!owners.has(o.strategyInstanceId)) continue;
    const remaining = subQty(o.quantity, o.filledQuantity ?? 0);
    if (remaining > 0) parts.push(remaining);
  }
  return sumQty(parts);
}

/**
 * An exit must reduce a real position by no more than it holds, so it can never open or flip one, and
 * by no more than what the exits already working leave free (position − working reducing orders): a
 * second full sell while the first is still working would ask the venue for coins already committed
 * (-2010 insufficient balance). The kill switch's own closes are exempt from the working rule: it
 * cancels the working orders first and sizes its close by the venue's free balance.
 */
export const exitSanityCheck: RiskCheck = {
  id: "exit-sanity",
  appliesTo: "exit",
  description: "An exit reduces an open position on its side by no more than the position's quantity minus the exits already working.",
  evaluate({ request, ctx, metrics, killSwitchBypass }) {
    const reduced = metrics.positionsReduced();
    if (reduced.length === 0) {
      const open = ctx.positions.filter((p) => p.symbol === request.symbol && p.quantity > 0);
      const reducibleSide = request.side === "sell" ? "long" : "short";
      const otherOwner = open.find((p) => p.side === reducibleSide);
      const detail = otherOwner
        ? `the open ${reducibleSide} ${request.symbol} position belongs to strategy instance ${otherOwner.strategyInstanceId ?? "(none)"}, not ${request.strategyInstanceId}`
        : open.length > 0
          ? `the open ${request.symbol} position is ${open[0]!.side}, which a ${request.side} does not reduce`
          : `there is no open ${request.symbol} position`;
      return deny("NO_POSITION_TO_REDUCE", `exit refused: ${detail}`, { symbol: request.symbol, side: request.side });
    }
    const held = sumQty(reduced.map((p) => p.quantity));
    const side = reduced[0]!.side;
    // Exact: a close of exactly the position passes, a hair more is refused (quantities are on the 8-dp grid).
    if (gtQty(request.quantity, held)) {
      return deny(
        "EXIT_EXCEEDS_POSITION",
        `exit of ${num(request.quantity)} ${request.symbol} is larger than the ${side} position of ${num(held)}`,
        { quantity: request.quantity, position: held },
      );
    }
    const working = killSwitchBypass ? 0 : workingReduction(request, reduced, ctx.openOrders);
    const free = Math.max(0, subQty(held, working));
    if (working > 0 && gtQty(request.quantity, free)) {
      return deny(
        "EXIT_ALREADY_WORKING",
        `exit of ${num(request.quantity)} ${request.symbol} refused: an exit of ${num(working)} is already working on the ${side} position of ${num(held)}; ${num(free)} is free to ${request.side}`,
        { quantity: request.quantity, position: held, working, free },
      );
    }
    return allow("EXIT_REDUCES_POSITION", `reduces the ${side} ${request.symbol} position of ${num(held)} by ${num(request.quantity)}`, {
      quantity: request.quantity,
      position: held,
      ...(working > 0 ? { working, free } : {}),
    });
  },
};
