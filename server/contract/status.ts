import { z } from "zod";
import { modeSchema, timeLikeSchema, tradingStateNameSchema } from "./common";
import { exitAlarmSchema } from "./exit-alarms";

export const feedStateSchema = z.enum(["connecting", "live", "reconnecting", "down"]);
export type FeedState = z.infer<typeof feedStateSchema>;

export const venueLabelSchema = z.enum(["SIMULATED", "TESTNET", "REAL MONEY"]);
export type VenueLabel = z.infer<typeof venueLabelSchema>;

export const venueInfoSchema = z.object({
  id: z.string(),
  label: venueLabelSchema,
  simulated: z.boolean(),
  testnet: z.boolean(),
});
export type VenueInfo = z.infer<typeof venueInfoSchema>;

/** The market history warm-up (issue 20), in the background after start-up: `status.warmup`. */
export const warmupSchema = z.object({
  /** Every symbol's history is complete. */
  done: z.boolean(),
  /** Mean of the symbols' progress, 0-1. */
  progress: z.number(),
  /** Progress 0-1 by 1m open time, warm-up start → the venue's newest minute. */
  symbols: z.array(z.object({ symbol: z.string(), done: z.boolean(), progress: z.number() })),
  /** Strategy instances still waiting for their symbols' history. */
  strategiesWarming: z.number(),
});
export type WarmupDto = z.infer<typeof warmupSchema>;

/** `GET /api/status` and the `status` event. */
/** The capabilities a server lists in `GET /api/status` → `features` (docs/api.md "Dashboard requests"). */
export const SERVER_FEATURES = ["orders.preview", "orders.cancel", "positions.partialClose", "signals.execution", "feed.trades"] as const;
export type ServerFeature = (typeof SERVER_FEATURES)[number];

export const statusSchema = z.object({
  mode: modeSchema,
  venue: venueInfoSchema,
  tradingState: tradingStateNameSchema,
  tradingStateReason: z.string().nullable(),
  equity: z.number().nullable(),
  cash: z.number().nullable(),
  realizedPnl: z.number().nullable(),
  unrealizedPnl: z.number().nullable(),
  todayPnl: z.number().nullable(),
  change24hPct: z.number().nullable(),
  quoteCurrency: z.string(),
  feed: z.object({ state: feedStateSchema, lastMessageAgeMs: z.number().nullable() }),
  reconciliation: z.object({ ok: z.boolean(), at: timeLikeSchema.nullable(), message: z.string().nullable() }).nullable(),
  liveArmed: z.boolean(),
  startedAt: timeLikeSchema.nullable(),
  /** The engine's clock: ahead of the wall clock when the simulator runs faster than real time. */
  marketTime: z.number().nullable().optional(),
  /** Positions the bot failed to get out of (issue 12); absent on older servers. */
  exitAlarms: z.array(exitAlarmSchema).optional(),
  /** Capabilities beyond the original contract (issue 21), SERVER_FEATURES; absent on older servers (a newer one may list more). */
  features: z.array(z.string()).optional(),
  /** The market history warm-up; null when the engine does not report one, absent on older servers. */
  warmup: warmupSchema.nullable().optional(),
});
export type StatusDto = z.infer<typeof statusSchema>;

/** The `trading-state` event. */
export const tradingStateEventSchema = z.object({ mode: modeSchema.optional(), tradingState: tradingStateNameSchema, reason: z.string().nullable() });
export type TradingStateEventDto = z.infer<typeof tradingStateEventSchema>;
