import type { RiskCheck } from "../types";
import { gtQty, sumQty } from "../../core/quantity";
import { allow, deny, num } from "./verdict";

/** An exit must reduce a real position by no more than it holds, so it can never open or flip one. */
export const exitSanityCheck: RiskCheck = {
  id: "exit-sanity",
  appliesTo: "exit",
  description: "An exit reduces an open position on its side by no more than the position's quantity.",
  evaluate({ request, ctx, metrics }) {
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
    return allow("EXIT_REDUCES_POSITION", `reduces the ${side} ${request.symbol} position of ${num(held)} by ${num(request.quantity)}`, {
      quantity: request.quantity,
      position: held,
    });
  },
};
