import { AppError } from "../core/errors";
import { sumMoney } from "../core/decimal";
import type { RiskContext, StrategyBudget, StrategyBudgetLimits } from "./types";

/**
 * The per-instance budgets the risk engine keeps (set when the strategy factory starts an instance,
 * cleared when it stops it) and the view of one of them the strategy-budget check reads: its limits
 * and the instance's realized P&L in the account, in total and since the start of today.
 */

/** Checks a budget before it is kept: a bad number would make every entry of the instance fail closed. */
export function parseStrategyBudget(instanceId: string, limits: StrategyBudgetLimits): StrategyBudgetLimits {
  const bad = (field: string, value: unknown, rule: string) =>
    new AppError("STRATEGY_BUDGET_INVALID", `strategy ${instanceId}: ${field} must be ${rule} (got ${String(value)})`, 400, { field, value: value as never });
  if (typeof instanceId !== "string" || instanceId.length === 0) throw new AppError("STRATEGY_BUDGET_INVALID", "a strategy budget needs the instance id", 400);
  if (typeof limits.capital !== "number" || !Number.isFinite(limits.capital) || limits.capital <= 0) throw bad("capital", limits.capital, "a positive amount of quote currency");
  const out: StrategyBudgetLimits = { capital: limits.capital };
  for (const field of ["maxLossQuote", "dailyLossQuote"] as const) {
    const value = limits[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw bad(field, value, "a positive amount of quote currency, or absent for no limit");
    out[field] = value;
  }
  return out;
}

/** The budget of one instance at `now`: its limits plus its realized P&L (total, and today from dayStart). */
export function strategyBudgetView(instanceId: string, limits: StrategyBudgetLimits, ctx: RiskContext, dayStart: number): StrategyBudget {
  const today: number[] = [];
  const all: number[] = [];
  for (const t of ctx.recentClosedTrades) {
    if (t.strategyInstanceId !== instanceId) continue;
    all.push(t.pnl);
    if (t.closedAt >= dayStart) today.push(t.pnl);
  }
  const realizedPnl = ctx.strategyRealizedPnl ? ctx.strategyRealizedPnl(instanceId) : sumMoney(all);
  return { ...limits, realizedPnl, realizedPnlToday: sumMoney(today) };
}
