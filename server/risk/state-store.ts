import { z } from "zod";
import { riskLimitsSchema, type RiskLimits } from "../config/risk-limits";
import type { TradingState } from "../model/types";
import type { RiskLatch } from "./types";
import { riskLatchSchema } from "../contract";

/**
 * Everything the risk engine must remember across restarts, saved as one document so a save is
 * atomic. The integrator stores it wherever it likes (e.g. one row of the settings table).
 */
export interface PersistedRiskState {
  version: 1;
  savedAt: number;
  /** Derived from the latches; stored too so a person reading the row sees it at once. */
  tradingState: TradingState;
  latches: RiskLatch[];
  /** The configured limits the effective ones derive from (to tell a config change from a restart). */
  configuredLimits: RiskLimits;
  effectiveLimits: RiskLimits;
  /** High-water mark of equity used by the drawdown breaker (rebased when a person resets it). */
  equityPeak: { equity: number; at: number } | null;
  /** Equity at the first observation of the current local day / ISO week (loss-limit baselines). */
  dayAnchor: PeriodAnchor | null;
  weekAnchor: PeriodAnchor | null;
  /** Losing trades closed at or before this time no longer count toward the streak (person reset). */
  lossStreakResetAt: number | null;
  /** Day key for which the daily-loss warning was already raised. */
  dailyWarningKey: string | null;
}

export interface PeriodAnchor {
  /** Time zone and calendar period key, e.g. "Europe/Berlin|2024-03-10". */
  key: string;
  start: number;
  equity: number;
  at: number;
}

/** Load/save of the risk engine's durable state. The integrator adds a Prisma implementation. */
export interface RiskStateStore {
  /** null when nothing was ever saved. Returns the stored JSON as is; the engine validates it. */
  load(): Promise<unknown | null>;
  save(state: PersistedRiskState): Promise<void>;
}

// The stored latch is the wire shape (GET /api/risk → latches) with its id checked against the known breakers.
const latchSchema = riskLatchSchema.extend({
  id: z.enum([
    "kill_switch",
    "manual_stop",
    "daily_loss",
    "weekly_loss",
    "drawdown",
    "consecutive_losses",
    "venue_errors",
    "reconciliation",
    "state_unreadable",
    "exit_failure",
  ]),
});

const anchorSchema = z.object({
  key: z.string(),
  start: z.number(),
  equity: z.number().min(0),
  at: z.number(),
});

export const persistedRiskStateSchema = z.object({
  version: z.literal(1),
  savedAt: z.number(),
  tradingState: z.enum(["ACTIVE", "REDUCING", "HALTED"]),
  latches: z.array(latchSchema),
  configuredLimits: riskLimitsSchema.nullable(),
  effectiveLimits: riskLimitsSchema,
  equityPeak: z.object({ equity: z.number().min(0), at: z.number() }).nullable(),
  dayAnchor: anchorSchema.nullable(),
  weekAnchor: anchorSchema.nullable(),
  lossStreakResetAt: z.number().nullable(),
  dailyWarningKey: z.string().nullable(),
});

/** In-process store: tests, backtests, and any mode that needs no durability. Copies on the way in and out. */
export class InMemoryRiskStateStore implements RiskStateStore {
  private stored: PersistedRiskState | null = null;

  async load(): Promise<PersistedRiskState | null> {
    return this.stored ? structuredClone(this.stored) : null;
  }

  async save(state: PersistedRiskState): Promise<void> {
    this.stored = structuredClone(state);
  }

  /** What a restart would read (for inspection). */
  peek(): PersistedRiskState | null {
    return this.stored ? structuredClone(this.stored) : null;
  }
}
