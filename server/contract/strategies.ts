import { z } from "zod";
import { timeLikeSchema, timeframeSchema } from "./common";

/** `GET /api/strategies/kinds` (names as the server sends them) and the strategy instances. */

export const strategyParamSchema = z.object({
  name: z.string(),
  type: z.enum(["integer", "number", "boolean", "string", "enum"]),
  label: z.string(),
  description: z.string().optional(),
  /** False: the parameter may be left empty. */
  required: z.boolean(),
  default: z.union([z.number(), z.boolean(), z.string()]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().optional(),
  options: z.array(z.string()).optional(),
});
export type StrategyParamDto = z.infer<typeof strategyParamSchema>;

export const strategyPresetSchema = z.object({ id: z.string(), label: z.string(), timeframe: timeframeSchema, params: z.record(z.string(), z.unknown()) });
export type StrategyPresetDto = z.infer<typeof strategyPresetSchema>;

export const strategyKindSchema = z.object({
  kind: z.string(),
  title: z.string(),
  description: z.string(),
  defaultTimeframe: timeframeSchema,
  params: z.array(strategyParamSchema),
  presets: z.array(strategyPresetSchema),
  source: z.enum(["builtin", "user"]).optional(),
  file: z.string().optional(),
});
export type StrategyKindDto = z.infer<typeof strategyKindSchema>;

export const strategyInstanceSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  params: z.record(z.string(), z.unknown()),
  symbols: z.array(z.string()),
  timeframe: timeframeSchema,
  capital: z.number().nullable(),
  /** The instance's own loss limits, quote currency (null = none), on top of the account's. */
  maxLossQuote: z.number().nullable().optional(),
  dailyLossQuote: z.number().nullable().optional(),
  status: z.enum(["active", "paused"]),
  running: z.boolean().optional(),
  createdAt: timeLikeSchema,
  stats: z.object({ trades: z.number(), pnl: z.number().nullable(), winRate: z.number().nullable() }).nullable(),
});
export type StrategyInstanceDto = z.infer<typeof strategyInstanceSchema>;

/** Body of `POST /api/strategies` (and `PATCH /api/strategies/{id}`). */
export const strategyInputSchema = z.object({
  name: z.string(),
  kind: z.string(),
  params: z.record(z.string(), z.unknown()),
  symbols: z.array(z.string()),
  timeframe: timeframeSchema,
  capital: z.number().nullable().optional(),
  maxLossQuote: z.number().nullable().optional(),
  dailyLossQuote: z.number().nullable().optional(),
});
export type StrategyInput = z.infer<typeof strategyInputSchema>;

/** A user strategy file that did not load (file, line and reason). */
export const strategyFileProblemSchema = z.object({
  file: z.string(),
  /** Path relative to the strategies folder, for display. */
  name: z.string(),
  phase: z.enum(["compile", "load", "validate", "smoke", "run"]),
  line: z.number().optional(),
  column: z.number().optional(),
  message: z.string(),
  /** The kind, when the file got far enough to declare one. */
  kind: z.string().optional(),
  at: z.number(),
});
export type StrategyFileProblemDto = z.infer<typeof strategyFileProblemSchema>;

/** A call into a loaded user strategy that failed while it ran (thrown, or stopped on its time budget). */
export const strategyRuntimeFaultSchema = strategyFileProblemSchema.extend({
  instanceId: z.string(),
  /** The instance was stopped: it returns no more signals until it is re-created. */
  stopped: z.boolean(),
});
export type StrategyRuntimeFaultDto = z.infer<typeof strategyRuntimeFaultSchema>;

/** `GET /api/strategies/kinds?include=errors`: the kinds, the strategies folder, the files that did not load and recent faults. */
export const strategyKindsReportSchema = z.object({
  kinds: z.array(strategyKindSchema),
  dir: z.string(),
  present: z.boolean(),
  errors: z.array(strategyFileProblemSchema),
  faults: z.array(strategyRuntimeFaultSchema),
});
export type StrategyKindsReportDto = z.infer<typeof strategyKindsReportSchema>;
