import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

/** After a position on a symbol closes, no new entry on that symbol until the cooldown passes. */
export const symbolCooldownCheck: RiskCheck = {
  id: "symbol-cooldown",
  appliesTo: "entry",
  description: "Per-symbol cooldown after an exit.",
  evaluate({ now, request, limits, metrics }) {
    const lastExit = metrics.lastExitAt(request.symbol);
    const cooldownMs = limits.symbolCooldownSec * 1000;
    if (lastExit === null || cooldownMs === 0) return allow("SYMBOL_COOLDOWN_OK", `no recent exit on ${request.symbol}`);
    if (now - lastExit < cooldownMs) {
      const waitSec = Math.ceil((cooldownMs - (now - lastExit)) / 1000);
      return deny(
        "SYMBOL_COOLDOWN",
        `${request.symbol} closed ${((now - lastExit) / 1000).toFixed(0)} s ago; it cools down for ${limits.symbolCooldownSec} s (wait ${waitSec} s)`,
        { symbol: request.symbol, lastExitAt: lastExit, symbolCooldownSec: limits.symbolCooldownSec, waitSec },
      );
    }
    return allow("SYMBOL_COOLDOWN_OK", `${request.symbol} is out of its cooldown`);
  },
};
