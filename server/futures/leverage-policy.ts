import { Decimal, QUOTE_DP } from "../core/decimal";

/**
 * The master plan's capital rules for futures, as pure functions of the account's numbers.
 *
 * Profit = equity − principal (quote); profit % = profit / principal × 100.
 *
 * Maximum position (perps): the notional of one position stays within
 *   principal + maxPositionProfitSharePct % of profit (70 %)    when profit ≥ 0,
 *   equity (principal + profit)                                   when the account is in loss.
 *
 * Leverage unlock (opt-in): spot only at first; from +stepPct % profit (100 %) futures unlock at 2×,
 * each further stepPct % one more × (3× from +200 %, 4× from +300 %), up to maxLeverage (4×); the
 * margin futures may use is profitSharePct % (50 %) of the profit. When the futures book's losses
 * (realised, unrealised, fees and funding, since the policy applied) reach lossCutPct % (30 %) of the
 * profit, the leverage is cut one step (2× falls back to spot only). The rule is stateless: it is
 * recomputed from these numbers on every order, so the next step unlocks again as soon as they allow it.
 */

export interface LeverageUnlockPolicy {
  readonly stepPct: number;
  readonly maxLeverage: number;
  readonly profitSharePct: number;
  readonly lossCutPct: number;
}

export const DEFAULT_LEVERAGE_UNLOCK: LeverageUnlockPolicy = { stepPct: 100, maxLeverage: 4, profitSharePct: 50, lossCutPct: 30 };

export interface CapitalFigures {
  /** Capital the trader put in (quote). */
  readonly principal: number;
  /** Account equity now (quote). */
  readonly equity: number;
}

const money = (d: Decimal): number => {
  const n = d.toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber();
  return n === 0 ? 0 : n;
};

/** equity − principal (quote, 8 dp). */
export function profitOf(c: CapitalFigures): number {
  return money(new Decimal(c.equity).minus(c.principal));
}

/** The largest notional of one perp position: principal + share % of profit, or equity in a loss. */
export function maxPositionNotional(c: CapitalFigures, profitSharePct: number): number {
  const profit = new Decimal(c.equity).minus(c.principal);
  if (profit.lt(0)) return money(new Decimal(c.equity));
  return money(new Decimal(c.principal).plus(profit.mul(profitSharePct).div(100)));
}

export interface UnlockState {
  /** Leverage futures may use now; 0 = spot only (no futures entry). */
  leverage: number;
  /** Margin futures may use (quote): profitSharePct % of the profit; 0 when locked. */
  marginBudget: number;
  profit: number;
  profitPct: number;
  /** Futures losses (≥ 0) and the threshold at which they cut the leverage. */
  futuresLoss: number;
  lossCutAt: number;
  /** True when the loss rule cut the leverage one step. */
  cut: boolean;
  /** The leverage the profit alone unlocks (before the cut). */
  unlockedByProfit: number;
  /** A sentence: where the policy stands and why. */
  reason: string;
}

/** Where the leverage-unlock policy stands for these figures (futuresPnl: net P&L of the futures book, negative = loss). */
export function leverageUnlockState(policy: LeverageUnlockPolicy, c: CapitalFigures & { readonly futuresPnl: number }): UnlockState {
  const profitD = new Decimal(c.equity).minus(c.principal);
  const profit = money(profitD);
  const profitPct = c.principal > 0 ? profitD.div(c.principal).mul(100).toNumber() : 0;
  const steps = profit > 0 && policy.stepPct > 0 ? Math.floor(new Decimal(profitPct).div(policy.stepPct).toNumber()) : 0;
  const unlockedByProfit = steps >= 1 ? Math.min(policy.maxLeverage, 1 + steps) : 0;
  const futuresLoss = c.futuresPnl < 0 ? money(new Decimal(c.futuresPnl).neg()) : 0;
  const lossCutAt = profit > 0 ? money(profitD.mul(policy.lossCutPct).div(100)) : 0;
  const cut = unlockedByProfit > 0 && futuresLoss > 0 && futuresLoss >= lossCutAt;
  const leverage = cut ? (unlockedByProfit - 1 >= 2 ? unlockedByProfit - 1 : 0) : unlockedByProfit;
  const marginBudget = leverage > 0 ? money(profitD.mul(policy.profitSharePct).div(100)) : 0;
  const pctText = `${profitPct.toFixed(2)}%`;
  let reason: string;
  if (unlockedByProfit === 0) reason = `profit ${pctText} of principal is below the +${policy.stepPct}% that unlocks futures: spot only`;
  else if (cut)
    reason = `futures losses ${futuresLoss.toFixed(2)} reached ${policy.lossCutPct}% of the profit (${lossCutAt.toFixed(2)}): leverage cut from ${unlockedByProfit}× to ${leverage === 0 ? "spot only" : `${leverage}×`}`;
  else reason = `profit ${pctText} of principal unlocks ${leverage}× on ${policy.profitSharePct}% of the profit (${marginBudget.toFixed(2)} of margin)`;
  return { leverage, marginBudget, profit, profitPct, futuresLoss, lossCutAt, cut, unlockedByProfit, reason };
}
