import { z } from "zod";
import type { SignalStatsDto } from "../contract";
import { modeOr, type UseCaseDeps } from "./context";

/** Signals the strategies raised and how their entries turned out. */

export const signalsQuery = z.object({ mode: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });

export function signalUseCases({ engine, repos }: UseCaseDeps) {
  return {
    list(q: z.infer<typeof signalsQuery>) {
      return repos.signals.latest(modeOr(engine, q.mode), q.limit);
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
