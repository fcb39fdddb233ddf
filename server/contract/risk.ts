import { z } from "zod";
import { tradingStateNameSchema } from "./common";

export const riskUsageSchema = z.object({
  key: z.string(),
  label: z.string(),
  used: z.number().nullable(),
  limit: z.number().nullable(),
  unit: z.string().nullable(),
  /** "max": used must stay below limit; "min": used must stay above it (e.g. a reserve). */
  direction: z.enum(["max", "min"]).optional(),
  ratio: z.number().nullable(),
});
export type RiskUsageDto = z.infer<typeof riskUsageSchema>;

export const riskLimitsSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number()]))]));
export type RiskLimitsDto = z.infer<typeof riskLimitsSchema>;

/** A breaker or stop holding the account (GET /api/risk → latches). */
export const riskLatchSchema = z.object({
  id: z.string(),
  state: z.enum(["REDUCING", "HALTED"]),
  code: z.string(),
  reason: z.string(),
  since: z.number(),
  until: z.number().nullable(),
  actor: z.string().optional(),
  data: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
});
export type RiskLatchDto = z.infer<typeof riskLatchSchema>;

/** `GET /api/risk`. */
export const riskSchema = z.object({
  tradingState: tradingStateNameSchema,
  reason: z.string().nullable(),
  /** The breakers and stops holding the account (each with its code, sentence and numbers). */
  latches: z.array(riskLatchSchema).optional(),
  limits: riskLimitsSchema,
  usage: z.array(riskUsageSchema),
  /** Which direction tightens each numeric limit (requested from the API; absent on older servers). */
  tighter: z.record(z.string(), z.enum(["lower", "higher"])).optional(),
  /**
   * Futures accounts only (TRADING_MARKET=futures; absent for spot): initial margin of the open perp
   * positions at mark as % of the margin balance (wallet + unrealised P&L), and the highest liquidation
   * risk % of any perp position (0 when flat). The guard warns at limits.liquidationWarnPct and closes
   * at limits.liquidationClosePct.
   */
  marginUtilisationPct: z.number().optional(),
  liquidationRiskPct: z.number().optional(),
  futures: z.object({ walletBalance: z.number(), marginBalance: z.number(), marginUsed: z.number() }).optional(),
});
export type RiskDto = z.infer<typeof riskSchema>;

export const riskEventKindSchema = z.enum(["denial", "state_change", "warning", "breaker", "kill_switch"]);
export type RiskEventKind = z.infer<typeof riskEventKindSchema>;

export const riskEventSchema = z.object({
  id: z.string(),
  timestamp: z.number(),
  kind: riskEventKindSchema,
  code: z.string(),
  severity: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
});
export type RiskEventDto = z.infer<typeof riskEventSchema>;
