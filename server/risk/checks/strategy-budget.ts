import { remainingQuantity } from "../metrics";
import type { RiskCheck, RiskCheckInput, RiskPosition } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * A strategy instance's own budget, on top of the account's limits: its capital (all its open and
 * pending positions together stay within it) and its own loss limits (total since it started and
 * today), each counting the loss this entry could add at its stop. The risk engine fills
 * `strategyBudgets` from the budget the strategy factory set when it started the instance (capital and
 * loss limits from StrategyInstance) and the instance's realized P&L in the account. Instances
 * without a budget, and entries without an instance, are not this check's business.
 */
export type { StrategyBudget } from "../types";

/** RiskCheckInput carries the budgets now; the alias stays for the check's tests. */
export type StrategyBudgetInput = RiskCheckInput;

function unrealized(p: RiskPosition, mark: number | undefined): number {
  const price = p.markPrice ?? mark ?? p.avgEntryPrice;
  return (p.side === "long" ? price - p.avgEntryPrice : p.avgEntryPrice - price) * p.quantity;
}

export const strategyBudgetCheck: RiskCheck = {
  id: "strategy-budget",
  appliesTo: "entry",
  description: "Entries of a strategy instance within its own capital and its own total and daily loss limits.",
  evaluate(input) {
    const { request, ctx, metrics } = input;
    const id = request.strategyInstanceId;
    if (id === undefined) return allow("NO_STRATEGY_INSTANCE", "not a strategy order");
    const budget = input.strategyBudgets?.get(id);
    if (!budget) return allow("NO_STRATEGY_BUDGET", `strategy ${id} has no budget of its own`);
    const q = ctx.quoteCurrency;
    const mine = ctx.positions.filter((p) => p.strategyInstanceId === id);
    const pending = metrics.pendingEntries().filter((o) => o.strategyInstanceId === id);
    const notional = metrics.orderNotional();
    let committed = notional;
    for (const p of mine) committed += Math.abs(metrics.positionNotional(p));
    for (const o of pending) committed += remainingQuantity(o) * metrics.pendingPrice(o);
    let open = 0;
    for (const p of mine) open += unrealized(p, ctx.lastPrices.get(p.symbol));
    const atRisk = metrics.orderRisk();
    const lostTotal = Math.max(0, -(budget.realizedPnl + open));
    const lostToday = Math.max(0, -(budget.realizedPnlToday + open));
    const data = {
      strategyInstanceId: id,
      notional: r(notional),
      committed: r(committed),
      capital: budget.capital,
      unrealizedPnl: r(open),
      realizedPnl: r(budget.realizedPnl),
      realizedPnlToday: r(budget.realizedPnlToday),
      tradeLossAtStop: r(atRisk),
      maxLossQuote: budget.maxLossQuote ?? null,
      dailyLossQuote: budget.dailyLossQuote ?? null,
    };
    if (!Number.isFinite(committed) || exceeds(committed, budget.capital)) {
      return deny("STRATEGY_CAPITAL", `strategy ${id}: ${money(committed, q)} in positions would pass its capital of ${money(budget.capital, q)}`, data);
    }
    if (budget.maxLossQuote !== undefined && exceeds(lostTotal + atRisk, budget.maxLossQuote)) {
      return deny(
        "STRATEGY_MAX_LOSS",
        `strategy ${id}: ${money(lostTotal, q)} lost so far + up to ${money(atRisk, q)} on this trade would pass its loss limit of ${money(budget.maxLossQuote, q)}`,
        data,
      );
    }
    if (budget.dailyLossQuote !== undefined && exceeds(lostToday + atRisk, budget.dailyLossQuote)) {
      return deny(
        "STRATEGY_DAILY_LOSS",
        `strategy ${id}: ${money(lostToday, q)} lost today + up to ${money(atRisk, q)} on this trade would pass its daily loss limit of ${money(budget.dailyLossQuote, q)}`,
        data,
      );
    }
    return allow("STRATEGY_BUDGET_OK", `strategy ${id}: ${money(committed, q)} of ${money(budget.capital, q)} committed`, data);
  },
};
