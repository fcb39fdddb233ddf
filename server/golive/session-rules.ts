/**
 * A trading session's stop rules measured the way the plans mean them: after the costs of getting
 * out. A session that shows +6.10 unrealized but would pay 0.20 in exit fees has made 5.90, not its
 * +6 target; a session at −14.90 that would pay 0.20 to close has lost 15.10, past its −15 limit.
 * Pure: the session manager calls sessionNetPnl on every mark update (not on a 1 s poll).
 */
export interface SessionOpenPosition {
  quantity: number;
  markPrice: number;
  /** Unrealized P&L at the mark (before exit costs). */
  unrealizedPnl: number;
  /** Realized part of the open position (its entry fee, partial exits). */
  realizedPnl: number;
}

export interface SessionPnl {
  realized: number;
  unrealized: number;
  /** Taker fee of closing every open position at its mark. */
  exitCosts: number;
  /** realized + unrealized − exitCosts: what the session keeps if it ended now. */
  net: number;
}

export function sessionNetPnl(input: { realized: number; open: readonly SessionOpenPosition[]; takerFee: number }): SessionPnl {
  let unrealized = 0;
  let exitCosts = 0;
  for (const p of input.open) {
    unrealized += p.unrealizedPnl + p.realizedPnl;
    exitCosts += Math.abs(p.quantity) * p.markPrice * input.takerFee;
  }
  const round = (n: number) => Math.round(n * 1e8) / 1e8;
  return { realized: round(input.realized), unrealized: round(unrealized), exitCosts: round(exitCosts), net: round(input.realized + unrealized - exitCosts) };
}

export type SessionStop = "profit_target" | "max_loss" | "time" | null;

export function sessionStopReason(rules: { profitTarget: number; maxLoss: number }, pnl: SessionPnl, now: number, endsAt: number): SessionStop {
  if (pnl.net >= rules.profitTarget) return "profit_target";
  if (pnl.net <= -rules.maxLoss) return "max_loss";
  if (now >= endsAt) return "time";
  return null;
}
