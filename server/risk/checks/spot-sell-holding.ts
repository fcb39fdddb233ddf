import { gtQty, sumQty } from "../../core/quantity";
import type { RiskCheck } from "../types";
import { allow, deny, num } from "./verdict";

/**
 * On a spot account (no shorting) a sell can only hand over coins the bot holds for the order's owner:
 * the long position of the same symbol and strategy instance, or the unattributed (manual) position
 * when the order names no instance — the same key the ledger books the fill under. A larger sell would
 * be executed by the venue (selling coins the bot does not own, or another strategy's) and then refused
 * by the ledger, so the bot and the venue drift apart. Exits are exit-sanity's job; this check catches
 * the sells that arrive as entries (a manual sell with no long, or larger than it). Quantities are
 * summed and compared exactly on the 8-decimal grid (core/quantity, as the ledger and exit-sanity do):
 * a sell of exactly the held quantity passes, whatever float sum produced it; a unit more is refused.
 */
export const spotSellHoldingCheck: RiskCheck = {
  id: "spot-sell-holding",
  appliesTo: "entry",
  description: "Without shorting, a sell is no larger than the long position of its symbol and owner.",
  evaluate({ request, ctx }) {
    if (request.side !== "sell") return allow("NOT_A_SELL", "a buy sells nothing");
    if (ctx.allowShort === true) return allow("SHORTING_ALLOWED", "the account allows shorting: a sell may open a short");
    const owner = request.strategyInstanceId;
    const held = sumQty(
      ctx.positions
        .filter((p) => p.symbol === request.symbol && p.side === "long" && p.strategyInstanceId === owner && p.quantity > 0)
        .map((p) => p.quantity),
    );
    const whose = owner === undefined ? "unattributed (manual)" : `strategy instance ${owner}'s`;
    const data = { symbol: request.symbol, requested: request.quantity, held, strategyInstanceId: owner ?? null };
    if (gtQty(request.quantity, held)) {
      const what =
        held === 0
          ? `there is no ${whose} long ${request.symbol} position to sell`
          : `it is larger than the ${whose} long ${request.symbol} position of ${num(held)}`;
      return deny(
        "SPOT_SELL_WITHOUT_HOLDING",
        `sell of ${num(request.quantity)} ${request.symbol} refused: ${what}, and this spot account cannot short (the venue would sell coins the bot does not hold for it)`,
        data,
      );
    }
    return allow("SELL_COVERED_BY_HOLDING", `sells ${num(request.quantity)} of the ${whose} long ${request.symbol} position of ${num(held)}`, data);
  },
};
