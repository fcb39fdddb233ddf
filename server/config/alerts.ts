import { z } from "zod";

/**
 * Alerts (server/alerts): channels configured from the config file or the environment, plus the
 * routing, rate limits, quiet hours and summary times. Channels added in Settings are stored in the
 * database (secrets sealed like exchange keys) and come on top of these.
 */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time "HH:MM", e.g. "20:00"');
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, "expected an http:// or https:// URL");

export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

export const alertsConfigSchema = z
  .strictObject({
    /** Local time zone of quiet hours and summaries; default: the risk calendar's (risk.timeZone). */
    timeZone: z.string().min(1).optional(),
    /** "HH:MM-HH:MM": only critical alerts are sent in this window (it may wrap midnight). */
    quietHours: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'expected "HH:MM-HH:MM", e.g. "23:00-07:00"')
      .optional(),
    /** Daily summary (P&L, trades, win rate, drawdown) at this local time; weekly on weeklySummaryDay. */
    dailySummaryAt: hhmm.default("20:00"),
    weeklySummaryDay: z.enum(WEEKDAYS).default("sun"),
    /** A closed trade whose P&L is at least this % of equity is reported as large (and sent at once). */
    largeTradePnlPct: z.number().positive().max(100).default(1),
    /** Performance alert: win rate of the last `winRateTrades` trades below this percentage. */
    minWinRatePct: z.number().min(0).max(100).default(35),
    winRateTrades: z.number().int().min(5).max(1000).default(20),
    /** Unusual volume: a closed 1m candle with this many times the average volume of the previous hour. */
    unusualVolumeFactor: z.number().min(2).max(1000).default(8),
    /** The same alert (kind + subject) is sent at most once in this window; repeats are counted. */
    dedupeWindowMin: z.number().min(0).max(24 * 60).default(15),
    /** At most this many non-critical messages per channel and hour; the rest are logged as suppressed. */
    maxPerHour: z.number().int().min(1).max(10_000).default(30),
    webhook: z
      .strictObject({
        url: httpUrl.optional(),
        secret: z.string().min(16, "must be at least 16 characters").optional(),
      })
      .prefault({}),
    telegram: z
      .strictObject({
        botToken: z.string().regex(/^\d+:[\w-]+$/, "expected a bot token such as 123456:ABC-DEF1234").optional(),
        chatIds: z.array(z.string().regex(/^-?\d+$/, "expected a numeric chat id such as 123456789")).default([]),
        apiRoot: httpUrl.default("https://api.telegram.org"),
      })
      .prefault({}),
    email: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535).default(587),
        secure: z.boolean().default(false),
        user: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        from: z.string().min(3).optional(),
        to: z.array(z.string().regex(/^[^\s@]+@[^\s@]+$/, "expected an e-mail address")).default([]),
      })
      .prefault({}),
  })
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
