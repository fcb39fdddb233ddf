import { z } from "zod";
import { modeSchema, positionSideSchema } from "./common";

export const exitAlarmCodeSchema = z.enum(["EXIT_REJECTED", "STOP_PASSED_OPEN", "POSITIONS_LEFT_OPEN"]);
export type ExitAlarmCode = z.infer<typeof exitAlarmCodeSchema>;

/** A failed exit: `GET /api/exit-alarms`, the `exit:alarm` event and `GET /api/status` carry the full current list. */
export const exitAlarmSchema = z.object({
  /** Stable per (mode, position). */
  id: z.string(),
  mode: modeSchema,
  /** Null when the position is no longer known by id. */
  positionId: z.string().nullable(),
  symbol: z.string(),
  side: positionSideSchema,
  /** The strategy instance holding the position; null for a position of no instance. */
  strategyInstanceId: z.string().nullable().optional(),
  /** Position quantity still open. */
  quantity: z.number(),
  /** What a close at market would send now: min(position, venue free), floored to the step. */
  closableQuantity: z.number(),
  code: exitAlarmCodeSchema,
  /** The venue's reason, e.g. "INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free". */
  reason: z.string(),
  /** Exit attempts so far. */
  attempts: z.number(),
  /** Epoch ms when it was raised. */
  since: z.number(),
  updatedAt: z.number(),
});
export type ExitAlarmDto = z.infer<typeof exitAlarmSchema>;

/** `exit:alarm` event and `GET /api/exit-alarms`: always the full current list (empty = all resolved). */
export const exitAlarmsSchema = z.object({ alarms: z.array(exitAlarmSchema) });
export type ExitAlarmsDto = z.infer<typeof exitAlarmsSchema>;
