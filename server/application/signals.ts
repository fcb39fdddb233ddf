import { z } from "zod";
import { signalSchema, type Mode, type SignalDto, type SignalStatsDto } from "../contract";
import type { SignalRecord } from "../db";
import { modeOr, stored, type UseCaseDeps } from "./context";

/** Signals the strategies raised and how their entries turned out. */

export const signalsQuery = z.object({ mode: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });

const { timeframe, action, data, outcome, execution } = signalSchema.shape;

/** A stored signal as `GET /api/signals` sends it (the same SignalDto as the feed's `signal` event). */
export function signalRowDto(r: SignalRecord, mode: Mode): SignalDto {
  const what = `signal ${r.id}`;
  return {
    id: r.id,
    mode,
    timestamp: r.timestamp,
    strategyInstanceId: r.strategyInstanceId,
    symbol: r.symbol,
    timeframe: stored(timeframe, r.timeframe, `${what} timeframe`),
    action: stored(action, r.action, `${what} action`),
    price: r.price,
    reason: r.reason,
    data: stored(data, r.data, `${what} data`),
    outcome: stored(outcome, r.outcome, `${what} outcome`),
    exitPrice: r.exitPrice,
    outcomePct: r.outcomePct,
    outcomeAt: r.outcomeAt,
    execution: stored(execution, r.execution, `${what} execution`),
  } satisfies SignalDto;
}

export function signalUseCases({ engine, repos }: UseCaseDeps) {
  return {
    async list(q: z.infer<typeof signalsQuery>): Promise<SignalDto[]> {
      // Signals are stored for the trading modes only (a backtest reports through its own result).
      const mode = modeOr(engine, q.mode) as Mode;
      return (await repos.signals.latest(mode, q.limit)).map((r) => signalRowDto(r, mode));
    },

    async stats(mode?: string): Promise<SignalStatsDto> {
      const rows = await repos.signals.entryOutcomes(modeOr(engine, mode));
      const closed = rows.filter((r) => r.outcome === "win" || r.outcome === "loss");
      const wins = closed.filter((r) => r.outcome === "win").map((r) => r.outcomePct);
      const losses = closed.filter((r) => r.outcome === "loss").map((r) => r.outcomePct);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const avg = (xs: number[]) => (xs.length ? sum(xs) / xs.length : null);
      return {
        total: rows.length,
        closed: closed.length,
        wins: wins.length,
        losses: losses.length,
        accuracy: closed.length ? (wins.length / closed.length) * 100 : null,
        avgWinPct: avg(wins),
        avgLossPct: avg(losses),
        expectancyPct: closed.length ? sum([...wins, ...losses]) / closed.length : null,
        profitFactor: losses.length && sum(losses) !== 0 ? sum(wins) / Math.abs(sum(losses)) : null,
      } satisfies SignalStatsDto;
    },
  };
}
