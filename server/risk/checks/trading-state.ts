import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

/**
 * The circuit-breaker gate. ACTIVE: everything passes. REDUCING: exits only. HALTED: nothing, except
 * the kill switch's own reduce-only closes during its run (the engine verifies that capability
 * before the checks run; here it is a boolean that no request field can set) and a reduce-only close
 * a person asked for (exitReason "manual": the Close button, the exit alarm's close at market).
 */
export const tradingStateCheck: RiskCheck = {
  id: "trading-state",
  appliesTo: "all",
  description: "REDUCING lets only exits through; HALTED lets nothing through but the kill switch's closes and a person's reduce-only close.",
  evaluate({ request, tradingState, orderClass, killSwitchBypass, latches }) {
    const why = latches.map((l) => l.reason).join("; ");
    const data = { state: tradingState, latches: latches.map((l) => l.code).join(",") };
    if (killSwitchBypass && orderClass !== "exit") {
      return deny("KILL_SWITCH_BYPASS_MISUSE", "the kill switch bypass only covers reduce-only closes, never an entry", data);
    }
    if (tradingState === "HALTED") {
      if (killSwitchBypass) return allow("KILL_SWITCH_CLOSE", "trading is HALTED; the kill switch's reduce-only close passes", data);
      // A person closing a position only removes exposure: the bot is halted, the owner is not (a kill
      // switch that left a position behind must not also lock its "close at market" button).
      if (orderClass === "exit" && request.reduceOnly && request.exitReason === "manual") {
        return allow("MANUAL_CLOSE_WHILE_HALTED", `trading is HALTED; a person's reduce-only close passes (${why})`, data);
      }
      return deny("TRADING_HALTED", `trading is HALTED: nothing new goes out (${why})`, data);
    }
    if (tradingState === "REDUCING" && orderClass === "entry") {
      return deny("TRADING_REDUCING", `trading is REDUCING: only exits are allowed (${why})`, data);
    }
    return allow("TRADING_STATE_OK", `trading is ${tradingState}`, data);
  },
};
