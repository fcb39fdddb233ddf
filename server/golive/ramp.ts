import type { LiveRules } from "../config/risk-limits";
import { TradingCalendar, type LiveRampState } from "../risk";

/**
 * The live position ramp (Phase 5 plan), decided from live trade history alone, so a restart or a
 * fresh process computes the same stage:
 *  - "first": every live position capped at ramp.firstCapQuote ($50) until ramp.tradesToSecondStage
 *    (3) winning live trades;
 *  - "second": capped at ramp.secondCapQuote ($100) until one complete calendar week spent entirely at
 *    this stage ends profitable;
 *  - "full": only the other limits.
 * A complete week that ends with a net loss steps back one stage (full → second, second → first with
 * the winning count starting again). Weeks are the risk calendar's (ISO weeks in limits.timeZone).
 */
export interface RampTrade {
  /** Net of fees. */
  pnl: number;
  closedAt: number;
}

export function computeLiveRamp(
  trades: readonly RampTrade[],
  now: number,
  ramp: LiveRules["ramp"],
  timeZone = "UTC",
): LiveRampState {
  const calendar = new TradingCalendar(timeZone);
  const sorted = [...trades].filter((t) => Number.isFinite(t.pnl) && t.closedAt <= now).sort((a, b) => a.closedAt - b.closedAt);
  let stage: LiveRampState["stage"] = "first";
  let wins = 0;
  let since: number | null = null;
  let reason = sorted.length === 0 ? "no live trade yet: the first stage of the ramp" : "";
  let i = 0;
  // Walk week by week from the first trade's week to the current one.
  let week = sorted.length ? calendar.week(sorted[0].closedAt) : calendar.week(now);
  for (;;) {
    const stageAtWeekStart = stage;
    const startedBeforeWeek = since === null || since <= week.start;
    let weekPnl = 0;
    let weekTrades = 0;
    while (i < sorted.length && sorted[i].closedAt < week.end) {
      const t = sorted[i++];
      weekPnl += t.pnl;
      weekTrades++;
      if (stage === "first" && t.pnl > 0) {
        wins++;
        if (wins >= ramp.tradesToSecondStage) {
          stage = "second";
          since = t.closedAt;
          reason = `${wins} winning live trades: the cap rose to ${ramp.secondCapQuote}`;
          wins = 0;
        } else reason = `${wins} of ${ramp.tradesToSecondStage} winning live trades at the first stage`;
      } else if (stage === "first") reason = `${wins} of ${ramp.tradesToSecondStage} winning live trades at the first stage`;
    }
    if (week.end > now) break; // the current week is not complete: it decides nothing yet
    if (weekTrades > 0 && weekPnl < 0) {
      if (stage === "full") {
        stage = "second";
        reason = `the week of ${week.key.slice(1)} lost ${weekPnl.toFixed(2)}: back to the second stage`;
      } else if (stage === "second") {
        stage = "first";
        wins = 0;
        reason = `the week of ${week.key.slice(1)} lost ${weekPnl.toFixed(2)}: back to the first stage`;
      }
      since = week.end;
    } else if (stage === "second" && stageAtWeekStart === "second" && startedBeforeWeek && weekTrades > 0 && weekPnl > 0) {
      stage = "full";
      since = week.end;
      reason = `the week of ${week.key.slice(1)} made ${weekPnl.toFixed(2)} at the second stage: full size`;
    }
    week = calendar.week(week.end);
  }
  return { stage, winningTrades: stage === "first" ? wins : 0, reason, since };
}
