import { z } from "zod";
import { venueInfoSchema } from "./status";

/** `GET /api/system` (the System page): what the server sends, names as it sends them. */

/** One market-data stream of `GET /api/system` → `feed.streams` (the stream's type is `stream`). */
export const streamSchema = z.object({
  symbol: z.string(),
  stream: z.string(),
  state: z.string(),
  stateSince: z.number().optional(),
  lastMessageAt: z.number().optional(),
  /** Absent before the stream's first message. */
  lastMessageAgeMs: z.number().nullable().optional(),
  latencyMs: z.number().nullable().optional(),
  failures: z.number().optional(),
  reconnects: z.number(),
});
export type StreamDto = z.infer<typeof streamSchema>;

export const latencyStatsSchema = z.object({ p50: z.number().nullable(), p99: z.number().nullable(), count: z.number().optional() });
export type LatencyStats = z.infer<typeof latencyStatsSchema>;

export const systemSchema = z.object({
  uptimeS: z.number(),
  memory: z.object({ rssMb: z.number(), heapUsedMb: z.number() }),
  db: z.object({ kind: z.string(), ok: z.boolean(), latencyMs: z.number().nullable() }),
  feed: z.object({
    streams: z.array(streamSchema),
    lastCandleAgeMs: z.record(z.string(), z.number().nullable()),
  }),
  venue: venueInfoSchema.extend({
    errors: z.array(z.object({ at: z.union([z.number(), z.string()]), message: z.string() })),
    orderLatencyMs: latencyStatsSchema,
  }),
  engine: z.object({
    /** Candles processed since start. */
    candles: z.number(),
    signals: z.number(),
    orders: z.number(),
    denials: z.number().optional(),
    marketTime: z.number().optional(),
    simulatorSpeed: z.number().nullable().optional(),
    /** Candle close → order sent; not measured by the server yet (docs/api.md "Requests from the UI"). */
    lastCandleToOrderMs: latencyStatsSchema.optional(),
  }),
  persistence: z.object({ pending: z.number(), lastError: z.string().nullable().optional() }).optional(),
});
export type SystemDto = z.infer<typeof systemSchema>;
