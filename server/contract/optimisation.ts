import { z } from "zod";
import { backtestStatusSchema } from "./backtest";

/** `GET /api/optimisations` (list) and `GET /api/optimisations/{id}` (the job with its report). */

export const objectiveSchema = z.enum(["sharpe", "sortino", "profitFactor", "returnOverDrawdown"]);
export type Objective = z.infer<typeof objectiveSchema>;

/** The figures of one parameter set's run (`*Pct` in percentage points). */
export const evaluationMetricsSchema = z.object({
  trades: z.number(),
  winRatePct: z.number().nullable(),
  totalReturnPct: z.number().nullable(),
  maxDrawdownPct: z.number().nullable(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  profitFactor: z.number().nullable(),
  profitFactorInfinite: z.boolean(),
  expectancy: z.number().nullable(),
  feesPaid: z.number(),
});

/** One parameter set run by the optimiser. */
export const evaluationSchema = z.object({
  params: z.record(z.string(), z.unknown()),
  /** The objective's value; null when it is undefined for the run (no trades, no drawdown...). */
  objective: z.number().nullable(),
  /** True when the objective is unbounded (no loss at all). */
  objectiveInfinite: z.boolean(),
  /** Below minTrades: ranked after every run that traded enough. */
  tooFewTrades: z.boolean(),
  metrics: evaluationMetricsSchema,
  candles: z.number(),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

const indexRangeSchema = z.object({ start: z.number(), end: z.number(), from: z.number(), to: z.number() });

export const optimisationReportSchema = z.object({
  kind: z.string(),
  strategyIndex: z.number(),
  method: z.enum(["grid", "random"]),
  objective: objectiveSchema,
  space: z.array(
    z.object({
      name: z.string(),
      values: z.array(z.union([z.number(), z.string(), z.boolean()])).optional(),
      range: z.object({ min: z.number(), max: z.number(), step: z.number(), integer: z.boolean() }).optional(),
    }),
  ),
  evaluations: z.number(),
  invalid: z.object({ count: z.number(), example: z.string().nullable() }),
  execution: z.object({ mode: z.enum(["workers", "in-process", "bullmq"]), workers: z.number() }),
  ranked: z.array(evaluationSchema),
  best: evaluationSchema.nullable(),
  walkForward: z
    .object({
      anchored: z.boolean(),
      folds: z.array(
        z.object({
          index: z.number(),
          inSample: indexRangeSchema,
          outOfSample: indexRangeSchema,
          evaluated: z.number(),
          best: evaluationSchema.nullable(),
          outOfSampleResult: evaluationSchema.nullable(),
        }),
      ),
      summary: z.object({
        meanInSampleObjective: z.number().nullable(),
        meanOutOfSampleObjective: z.number().nullable(),
        outOfSampleReturnPct: z.number().nullable(),
        efficiency: z.number().nullable(),
      }),
    })
    .optional(),
  durationMs: z.number(),
});
export type OptimisationReportDto = z.infer<typeof optimisationReportSchema>;

export const optimisationStatusSchema = backtestStatusSchema;
export type OptimisationStatus = z.infer<typeof optimisationStatusSchema>;

/** `GET /api/optimisations/{id}`: status, progress { done, total, stage } and, when completed, the report. */
export const optimisationJobSchema = z.object({
  id: z.string(),
  status: optimisationStatusSchema,
  kind: z.string(),
  progress: z.object({ done: z.number(), total: z.number(), stage: z.string() }).nullable(),
  report: optimisationReportSchema.nullable(),
  error: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type OptimisationJob = z.infer<typeof optimisationJobSchema>;

/** `GET /api/optimisations`: the jobs of this server run, newest first, each with its best parameter set. */
export const optimisationListSchema = z.object({ items: z.array(optimisationJobSchema.omit({ report: true }).extend({ best: evaluationSchema.nullable() })) });
export type OptimisationListDto = z.infer<typeof optimisationListSchema>;

/** `DELETE /api/optimisations/{id}`. */
export const optimisationCancelledSchema = z.object({ id: z.string(), status: optimisationStatusSchema, cancelled: z.boolean() });
