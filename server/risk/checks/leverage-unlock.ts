import { leverageUnlockState } from "../../futures";
import type { RiskCheck } from "../types";
import { marginUse, perpTarget } from "./perp-view";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * Perps, opt-in (leverageUnlockEnabled): the master plan's leverage unlock. Spot only until the profit
 * reaches leverageUnlockStepPct % of principal (FUTURES_LOCKED); then the contract's leverage must stay
 * within what the profit unlocked (LEVERAGE_NOT_UNLOCKED) and futures margin within
 * leverageUnlockProfitSharePct % of the profit (UNLOCK_MARGIN_BUDGET); futures losses of
 * leverageUnlockLossCutPct % of the profit cut one step (LEVERAGE_CUT_BY_LOSSES when the contract is
 * above the cut level, or FUTURES_LOCKED when the cut leaves spot only). See server/futures/leverage-policy.ts.
 */
export const leverageUnlockCheck: RiskCheck = {
  id: "leverage-unlock",
  appliesTo: "entry",
  description: "Opt-in leverage unlock: futures leverage earned by profit.",
  evaluate(input) {
    const { limits } = input;
    if (!limits.leverageUnlockEnabled) return allow("LEVERAGE_UNLOCK_OFF", "the leverage unlock policy is off: the leverage cap alone applies");
    const { contract, futures } = perpTarget(input)!;
    const q = input.ctx.quoteCurrency;
    const state = leverageUnlockState(
      {
        stepPct: limits.leverageUnlockStepPct,
        maxLeverage: Math.min(limits.leverageUnlockMaxLeverage, limits.maxLeverage),
        profitSharePct: limits.leverageUnlockProfitSharePct,
        lossCutPct: limits.leverageUnlockLossCutPct,
      },
      { principal: futures.principal, equity: input.ctx.equity, futuresPnl: futures.futuresPnl },
    );
    const data = {
      leverage: r(contract.leverage),
      unlockedLeverage: state.leverage,
      unlockedByProfit: state.unlockedByProfit,
      profit: r(state.profit),
      profitPct: r(state.profitPct, 6),
      futuresLoss: r(state.futuresLoss),
      lossCutAt: r(state.lossCutAt),
      marginBudget: r(state.marginBudget),
    };
    if (state.leverage === 0) return deny("FUTURES_LOCKED", state.reason, data);
    if (exceeds(contract.leverage, state.leverage)) {
      return deny(state.cut ? "LEVERAGE_CUT_BY_LOSSES" : "LEVERAGE_NOT_UNLOCKED", `${contract.symbol} is set to ${contract.leverage}×, above the ${state.leverage}× unlocked: ${state.reason}`, data);
    }
    const use = marginUse(input, futures);
    if (!Number.isFinite(use.used) || exceeds(use.used, state.marginBudget)) {
      return deny(
        "UNLOCK_MARGIN_BUDGET",
        `futures margin would be ${money(use.used, q)}; the unlock allows ${limits.leverageUnlockProfitSharePct}% of the profit ${money(state.profit, q)} = ${money(state.marginBudget, q)}`,
        { ...data, marginUsed: r(use.used) },
      );
    }
    return allow("LEVERAGE_UNLOCKED", state.reason, { ...data, marginUsed: r(use.used) });
  },
};
