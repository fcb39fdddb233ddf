import { z } from "zod";

/** `GET /api/kill-switch` → `{ status }`, `POST /api/kill-switch` and the `kill-switch` event. */

/** The run as a whole; the detailed step is per account (`accounts[mode].phase`). */
export const killSwitchPhaseSchema = z.enum(["idle", "running", "completed", "incomplete"]);
export type KillSwitchPhase = z.infer<typeof killSwitchPhaseSchema>;

/** One account's step: halting → cancelling_orders → closing_positions → confirming → completed | incomplete. */
export const killSwitchAccountPhaseSchema = z.enum(["idle", "halting", "cancelling_orders", "closing_positions", "confirming", "completed", "incomplete"]);
export type KillSwitchAccountPhase = z.infer<typeof killSwitchAccountPhaseSchema>;

export const killSwitchActionSchema = z.enum(["flatten", "stop-entries"]);
export type KillSwitchAction = z.infer<typeof killSwitchActionSchema>;

/** Per account (mode): the risk engine's own run (more fields than listed may be sent). */
export const killSwitchAccountSchema = z.looseObject({
  phase: killSwitchAccountPhaseSchema,
  ordersCancelled: z.number(),
  positionsClosed: z.number(),
  flatConfirmed: z.boolean(),
});

export const killSwitchStatusSchema = z.object({
  phase: killSwitchPhaseSchema,
  action: killSwitchActionSchema.nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  ordersCancelled: z.number(),
  positionsClosed: z.number(),
  flatConfirmed: z.boolean(),
  /**
   * What the kill switch could not clear, each with the venue's words in `reason`; `confirmed` is false
   * when the venue could not be listed at the end.
   */
  remaining: z.object({
    orders: z.array(z.object({ mode: z.string(), clientOrderId: z.string(), symbol: z.string(), reason: z.string() })),
    positions: z.array(z.object({ mode: z.string(), symbol: z.string(), side: z.string(), quantity: z.number(), reason: z.string() })),
    confirmed: z.boolean().optional(),
  }),
  errors: z.array(z.object({ mode: z.string(), step: z.string(), message: z.string(), at: z.number() })),
  accounts: z.record(z.string(), killSwitchAccountSchema.optional()),
});
export type KillSwitchStatusDto = z.infer<typeof killSwitchStatusSchema>;
