import { remainingQuantity } from "../metrics";
import type { RiskLimits } from "../../config/risk-limits";
import type { LiveRampState, RiskCheck } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * The live position ramp (Phase 5 plan): the first live trades are capped at live.ramp.firstCapQuote,
 * after live.ramp.tradesToSecondStage winning live trades at secondCapQuote, full size only after a
 * profitable week; a losing week steps back (server/golive/ramp.ts decides the stage from history).
 * Runs before the position-size caps so the trader reads why the size is small. Live mode only.
 */
/** The ramp's cap on one live position at its stage, quote (null = full size: only the other limits). */
export function liveRampCap(limits: Readonly<RiskLimits>, ramp: LiveRampState): number | null {
  if (ramp.stage === "first") return limits.live.ramp.firstCapQuote;
  if (ramp.stage === "second") return limits.live.ramp.secondCapQuote;
  return null;
}

export const liveRampCheck: RiskCheck = {
  id: "live-ramp",
  appliesTo: "entry",
  description: "Live mode: position value within the ramp's cap for its stage.",
  evaluate({ request, ctx, limits, metrics, mode, liveRamp }) {
    if (mode !== "live") return allow("LIVE_RAMP_NOT_LIVE", "not trading real money: no ramp");
    const cap = liveRampCap(limits, liveRamp);
    if (cap === null) return allow("LIVE_RAMP_FULL", `ramp at full size: ${liveRamp.reason}`, { stage: liveRamp.stage });
    const q = ctx.quoteCurrency;
    let resulting = metrics.orderNotional();
    for (const p of metrics.positionsAddedTo()) resulting += metrics.positionNotional(p);
    for (const o of metrics.pendingEntries()) {
      if (o.symbol === request.symbol && o.side === request.side && o.strategyInstanceId === request.strategyInstanceId) {
        resulting += remainingQuantity(o) * metrics.pendingPrice(o);
      }
    }
    const next =
      liveRamp.stage === "first"
        ? `after ${limits.live.ramp.tradesToSecondStage} winning live trades (${liveRamp.winningTrades} so far) the cap rises to ${money(limits.live.ramp.secondCapQuote, q)}`
        : "full size comes after one profitable week at this stage";
    const data = { stage: liveRamp.stage, capQuote: cap, positionNotional: r(resulting), winningTrades: liveRamp.winningTrades };
    if (!Number.isFinite(resulting) || exceeds(resulting, cap)) {
      return deny(
        "LIVE_RAMP_CAP",
        `live ramp (${liveRamp.stage} stage): a position of ${money(resulting, q)} is above the ramp's cap of ${money(cap, q)}; ${next}`,
        data,
      );
    }
    return allow("LIVE_RAMP_OK", `live ramp (${liveRamp.stage} stage): ${money(resulting, q)} within ${money(cap, q)}`, data);
  },
};
