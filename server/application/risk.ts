import { z } from "zod";
import { AppError } from "../core/errors";
import { RISK_LIMIT_TIGHTER, riskLimitsSchema } from "../config/risk-limits";
import { RISK_LIMIT_TIGHTER_EXTRA } from "../risk";
import type { EngineRuntime } from "../engine";
import type { ExitAlarmsDto } from "../contract";
import { modeOr, modeSchema, type UseCaseDeps } from "./context";
import { exitAlarmDto } from "./system";

/** Risk: the trading state, limits and their usage, risk events, tightening a limit, the kill switch, exit alarms. */

export const riskEventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), kind: z.string().optional(), mode: z.string().optional() });
export const tightenSchema = riskLimitsSchema.partial().strict();
export const killSwitchSchema = z.object({
  action: z.enum(["flatten", "stop-entries"]),
  confirm: z.literal(true, { message: "the kill switch needs confirm: true" }),
});
export const resetSchema = z.object({ confirm: z.literal(true, { message: "resetting needs confirm: true" }) });

/** GET /api/risk for a mode (also what the insights service reads). */
export function riskView(engine: EngineRuntime, mode?: string) {
  const account = engine.kernel.accounts.get(modeOr(engine, mode));
  if (!account) throw new AppError("MODE_UNAVAILABLE", `mode ${mode} is not configured`, 404);
  return {
    mode: account.mode,
    tradingState: account.tradingState,
    reason: account.tradingStateReason,
    latches: account.risk.latches,
    limits: account.risk.limits,
    /** Which direction tightens each limit: the Risk page's form only offers those moves. */
    tighter: { ...RISK_LIMIT_TIGHTER, ...RISK_LIMIT_TIGHTER_EXTRA },
    usage: account.risk.getUsage(account.riskContext()),
    ...futuresRisk(account.futuresFigures()),
  };
}

/** The futures figures of GET /api/risk (nothing for a spot account: its answer is as before). */
function futuresRisk(f: ReturnType<EngineRuntime["kernel"]["activeAccount"]["futuresFigures"]>) {
  if (!f) return {};
  return {
    marginUtilisationPct: f.marginUtilisationPct,
    liquidationRiskPct: f.liquidationRiskPct,
    futures: { walletBalance: f.walletBalance, marginBalance: f.marginBalance, marginUsed: f.marginUsed },
  };
}

export function riskUseCases({ engine, repos, audit }: UseCaseDeps) {
  return {
    get: (mode?: string) => riskView(engine, mode),

    events(q: z.infer<typeof riskEventsQuery>) {
      return repos.riskEvents.latest({ mode: q.mode ? modeSchema.parse(q.mode) : undefined, kind: q.kind }, q.limit);
    },

    async tighten(partial: z.infer<typeof tightenSchema>, actor: string) {
      // Limits apply to every account: tighten all, so a mode switch cannot loosen them.
      let limits = engine.kernel.activeAccount.risk.limits;
      for (const account of engine.kernel.accounts.values()) limits = await account.risk.tightenLimits(partial, { actor });
      await audit?.({ actor, action: "risk.limits.tighten", data: { changes: partial } });
      return { limits };
    },

    killSwitchStatus: () => ({ status: engine.kernel.killSwitchStatus() }),

    startKillSwitch(input: z.infer<typeof killSwitchSchema>, actor: string) {
      return engine.kernel.startKillSwitch(input.action, actor, input.action === "flatten" ? `kill switch by ${actor}` : `stop new entries by ${actor}`);
    },

    /**
     * Reset to ACTIVE (every account), then an audit entry `trading.reset` with what it cleared and what
     * it kept (calendar latches such as the daily loss stay until they lift), per mode and in all.
     */
    async resetKillSwitch(actor: string) {
      const accounts = [...engine.kernel.accounts.values()];
      const before = new Map(accounts.map((a) => [a.mode, a.risk.latches.map((l) => l.id)]));
      const status = await engine.kernel.resetKillSwitch(actor);
      const modes: Record<string, { cleared: string[]; kept: string[] }> = {};
      for (const account of accounts) {
        const kept = account.risk.latches.map((l) => l.id);
        modes[account.mode] = { cleared: (before.get(account.mode) ?? []).filter((id) => !kept.includes(id)), kept };
      }
      const all = (key: "cleared" | "kept") => [...new Set(Object.values(modes).flatMap((m) => m[key]))];
      await audit?.({ actor, action: "trading.reset", data: { cleared: all("cleared"), kept: all("kept"), modes } });
      return status;
    },

    /** GET /api/exit-alarms: positions the bot tried and failed to get out of, every mode. */
    exitAlarms: () => ({ alarms: engine.kernel.exitAlarms().map(exitAlarmDto) }) satisfies ExitAlarmsDto,
  };
}
