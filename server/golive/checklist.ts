/**
 * The go-live checklist of the plans (master plan "before real money"), each item passed or not with
 * the figure behind it, from stored history only:
 *  1. a backtest of the strategy exists;
 *  2. paper: at least 5 closed trades, a 4-hour run that ended without a crash, P&L verified (every
 *     paper trade's P&L recomputed from its prices, quantity and fees);
 *  3. ghost: at least 100 signals with an outcome, accuracy above 55 %;
 *  4. testnet (live mode on a testnet venue): at least 20 trades, win rate above 50 %, profit factor
 *     above 1.3;
 *  5. the risk limits acknowledged (the limits in force, as they are now).
 * Pure: the loader (load-history.ts) reads the database; this file decides.
 */

export const GO_LIVE_THRESHOLDS = {
  paperMinTrades: 5,
  paperRunMinutes: 240,
  ghostMinSignals: 100,
  ghostMinAccuracyPct: 55,
  testnetMinTrades: 20,
  testnetMinWinRatePct: 50,
  testnetMinProfitFactor: 1.3,
  /** Tolerance of the paper P&L re-computation, quote. */
  pnlToleranceQuote: 0.01,
} as const;

export interface HistoryTrade {
  id: string;
  side: "long" | "short";
  quantity: number;
  entryPrice: number;
  exitPrice: number;
  fees: number;
  pnl: number;
}

export interface HistoryRun {
  startedAt: number;
  endedAt: number | null;
  /** "time" | "profit_target" | "max_loss" | "manual" | a crash reason; null while running. */
  endReason: string | null;
  status: string;
}

export interface GoLiveHistory {
  backtests: number;
  paperTrades: readonly HistoryTrade[];
  paperRuns: readonly HistoryRun[];
  ghostSignals: { withOutcome: number; wins: number };
  testnetTrades: readonly Pick<HistoryTrade, "pnl">[];
  /** The risk limits acknowledgement stored, and whether it matches the limits in force now. */
  acknowledgement: { at: number; by: string; matchesCurrent: boolean } | null;
}

export type GoLiveItemId =
  | "backtest"
  | "paper_trades"
  | "paper_run"
  | "paper_pnl"
  | "ghost_signals"
  | "ghost_accuracy"
  | "testnet_trades"
  | "testnet_win_rate"
  | "testnet_profit_factor"
  | "risk_acknowledged";

export interface GoLiveItem {
  id: GoLiveItemId;
  stage: "backtest" | "paper" | "ghost" | "testnet" | "risk";
  label: string;
  passed: boolean;
  /** The figure from history, e.g. "3 of 5 trades". */
  figure: string;
  value: number | null;
  required: number | null;
}

export interface GoLiveChecklist {
  ready: boolean;
  items: GoLiveItem[];
  failing: GoLiveItem[];
}

const pct = (n: number) => `${n.toFixed(1)} %`;

/** Recompute a closed trade's P&L from its prices, quantity and fees. */
export function recomputedPnl(t: HistoryTrade): number {
  const gross = (t.side === "long" ? t.exitPrice - t.entryPrice : t.entryPrice - t.exitPrice) * t.quantity;
  return gross - t.fees;
}

export function evaluateGoLive(h: GoLiveHistory): GoLiveChecklist {
  const T = GO_LIVE_THRESHOLDS;
  const items: GoLiveItem[] = [];
  items.push({
    id: "backtest",
    stage: "backtest",
    label: "A backtest of the strategy exists",
    passed: h.backtests > 0,
    figure: `${h.backtests} completed backtest${h.backtests === 1 ? "" : "s"}`,
    value: h.backtests,
    required: 1,
  });
  const paperCount = h.paperTrades.length;
  items.push({
    id: "paper_trades",
    stage: "paper",
    label: `Paper: at least ${T.paperMinTrades} closed trades`,
    passed: paperCount >= T.paperMinTrades,
    figure: `${paperCount} of ${T.paperMinTrades} trades`,
    value: paperCount,
    required: T.paperMinTrades,
  });
  const clean = new Set(["time", "profit_target", "max_loss", "manual"]);
  const longest = Math.max(
    0,
    ...h.paperRuns.filter((r) => r.endedAt !== null && r.endReason !== null && clean.has(r.endReason)).map((r) => (r.endedAt! - r.startedAt) / 60_000),
  );
  items.push({
    id: "paper_run",
    stage: "paper",
    label: `Paper: a ${T.paperRunMinutes / 60}-hour run without a crash`,
    passed: longest >= T.paperRunMinutes - 1e-9,
    figure: longest > 0 ? `longest clean run ${(longest / 60).toFixed(1)} h` : "no completed paper run",
    value: Math.round(longest),
    required: T.paperRunMinutes,
  });
  const off = h.paperTrades.filter((t) => Math.abs(recomputedPnl(t) - t.pnl) > T.pnlToleranceQuote);
  items.push({
    id: "paper_pnl",
    stage: "paper",
    label: "Paper: P&L verified (every trade recomputed from prices, quantity and fees)",
    passed: paperCount > 0 && off.length === 0,
    figure: paperCount === 0 ? "no paper trade to verify" : off.length === 0 ? `${paperCount} trades agree` : `${off.length} of ${paperCount} trades disagree (first: ${off[0].id})`,
    value: off.length,
    required: 0,
  });
  const g = h.ghostSignals;
  items.push({
    id: "ghost_signals",
    stage: "ghost",
    label: `Ghost: at least ${T.ghostMinSignals} signals with an outcome`,
    passed: g.withOutcome >= T.ghostMinSignals,
    figure: `${g.withOutcome} of ${T.ghostMinSignals} signals`,
    value: g.withOutcome,
    required: T.ghostMinSignals,
  });
  const accuracy = g.withOutcome > 0 ? (g.wins / g.withOutcome) * 100 : 0;
  items.push({
    id: "ghost_accuracy",
    stage: "ghost",
    label: `Ghost: accuracy above ${T.ghostMinAccuracyPct} %`,
    passed: g.withOutcome > 0 && accuracy > T.ghostMinAccuracyPct,
    figure: g.withOutcome > 0 ? `${pct(accuracy)} (${g.wins} of ${g.withOutcome} right)` : "no ghost outcome yet",
    value: Number(accuracy.toFixed(2)),
    required: T.ghostMinAccuracyPct,
  });
  const tn = h.testnetTrades;
  items.push({
    id: "testnet_trades",
    stage: "testnet",
    label: `Testnet: at least ${T.testnetMinTrades} trades`,
    passed: tn.length >= T.testnetMinTrades,
    figure: `${tn.length} of ${T.testnetMinTrades} trades`,
    value: tn.length,
    required: T.testnetMinTrades,
  });
  const wins = tn.filter((t) => t.pnl > 0);
  const winRate = tn.length > 0 ? (wins.length / tn.length) * 100 : 0;
  items.push({
    id: "testnet_win_rate",
    stage: "testnet",
    label: `Testnet: win rate above ${T.testnetMinWinRatePct} %`,
    passed: tn.length > 0 && winRate > T.testnetMinWinRatePct,
    figure: tn.length > 0 ? `${pct(winRate)} (${wins.length} of ${tn.length})` : "no testnet trade yet",
    value: Number(winRate.toFixed(2)),
    required: T.testnetMinWinRatePct,
  });
  const grossWin = wins.reduce((s, t) => s + t.pnl, 0);
  const grossLoss = -tn.filter((t) => t.pnl < 0).reduce((s, t) => s + t.pnl, 0);
  const pf = grossLoss > 0 ? grossWin / grossLoss : grossWin > 0 ? Number.POSITIVE_INFINITY : 0;
  items.push({
    id: "testnet_profit_factor",
    stage: "testnet",
    label: `Testnet: profit factor above ${T.testnetMinProfitFactor}`,
    passed: tn.length > 0 && pf > T.testnetMinProfitFactor,
    figure: tn.length === 0 ? "no testnet trade yet" : Number.isFinite(pf) ? `profit factor ${pf.toFixed(2)}` : "profit factor ∞ (no losing trade)",
    value: Number.isFinite(pf) ? Number(pf.toFixed(4)) : null,
    required: T.testnetMinProfitFactor,
  });
  const ack = h.acknowledgement;
  items.push({
    id: "risk_acknowledged",
    stage: "risk",
    label: "The risk limits acknowledged (as they are now)",
    passed: ack !== null && ack.matchesCurrent,
    figure: ack === null ? "not acknowledged" : ack.matchesCurrent ? `acknowledged by ${ack.by} on ${new Date(ack.at).toISOString().slice(0, 16).replace("T", " ")} UTC` : "acknowledged, but the limits changed since: acknowledge again",
    value: null,
    required: null,
  });
  const failing = items.filter((i) => !i.passed);
  return { ready: failing.length === 0, items, failing };
}
