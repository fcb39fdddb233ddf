import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

/**
 * Caps on the number of open positions, in total and per symbol. Working entry orders count as the
 * positions they would open; an entry that adds to its own strategy's open position opens none.
 */
export const openPositionsCheck: RiskCheck = {
  id: "open-positions",
  appliesTo: "entry",
  description: "Maximum open positions, in total and per symbol.",
  evaluate({ request, limits, metrics }) {
    const addsToExisting =
      metrics.positionsAddedTo().length > 0 ||
      metrics
        .pendingEntries()
        .some((o) => o.symbol === request.symbol && o.side === request.side && o.strategyInstanceId === request.strategyInstanceId);
    const total = metrics.openPositionCount();
    const onSymbol = metrics.openPositionCount(request.symbol);
    const data = { openPositions: total, openOnSymbol: onSymbol, maxOpenPositions: limits.maxOpenPositions };
    if (addsToExisting) return allow("OPEN_POSITIONS_OK", `adds to an open ${request.symbol} position`, data);
    if (total + 1 > limits.maxOpenPositions) {
      return deny("MAX_OPEN_POSITIONS", `${total} positions are open or pending; the limit is ${limits.maxOpenPositions}`, data);
    }
    if (onSymbol + 1 > limits.maxOpenPositionsPerSymbol) {
      return deny(
        "MAX_OPEN_POSITIONS_PER_SYMBOL",
        `${onSymbol} ${request.symbol} position(s) are open or pending; the limit is ${limits.maxOpenPositionsPerSymbol} per symbol`,
        { ...data, maxOpenPositionsPerSymbol: limits.maxOpenPositionsPerSymbol },
      );
    }
    return allow("OPEN_POSITIONS_OK", `${total + 1} of ${limits.maxOpenPositions} positions after this entry`, data);
  },
};
