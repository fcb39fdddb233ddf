import type { RiskCheck } from "../types";
import { isPerpRequest, perpTarget } from "./perp-view";
import { allow, deny } from "./verdict";

/**
 * Registers a futures rule so it applies only to perpetual instruments (issue 15): on a spot
 * instrument it allows with NOT_PERP and does nothing else, so spot trading is unchanged. A perp the
 * snapshot does not describe (no ctx.futures contract for it) is refused with PERP_CONTEXT_MISSING:
 * the rule cannot be checked, so it fails closed.
 */
export function perpOnly(check: RiskCheck): RiskCheck {
  // One verdict for every spot order (the engine copies its fields): nothing allocated on the spot path.
  const notPerp = Object.freeze(allow("NOT_PERP", `spot instrument: ${check.id} applies to perpetuals only`));
  return {
    id: check.id,
    appliesTo: check.appliesTo,
    description: `${check.description} (perpetuals only)`,
    evaluate(input) {
      if (perpTarget(input)) return check.evaluate(input);
      if (isPerpRequest(input))
        return deny("PERP_CONTEXT_MISSING", `${input.request.symbol} is a perpetual but the engine gave no futures account (leverage, margin mode, brackets) to check ${check.id} against`, {
          symbol: input.request.symbol,
        });
      return notPerp;
    },
  };
}
