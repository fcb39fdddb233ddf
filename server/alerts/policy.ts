import type { Alert } from "./types";

/**
 * Whether an alert goes out: deduplication (the same key inside the window is one alert, repeats are
 * counted on the first), a per-channel hourly budget for non-critical alerts, and quiet hours when
 * only critical alerts are sent. Pure bookkeeping on the times it is given (the injected clock's).
 */
export interface PolicyOptions {
  dedupeWindowMs: number;
  maxPerHour: number;
  /** Minutes after local midnight [start, end); end < start wraps midnight. */
  quietHours?: { start: number; end: number };
  /** Local minute of the day (0..1439) of an instant, in the alerts' time zone. */
  minuteOfDay: (t: number) => number;
}

const HOUR_MS = 3_600_000;

export type Admission = { kind: "new" } | { kind: "repeat"; logId: string; repeats: number };
export type ChannelVerdict = "send" | "rate_limited" | "quiet_hours";

export class AlertPolicy {
  private readonly recent = new Map<string, { at: number; logId: string; repeats: number }>();
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly options: PolicyOptions) {}

  /** First sight of the key in the window, or a repeat of the log entry that already went out. */
  admit(alert: Alert, now: number): Admission {
    const seen = this.recent.get(alert.key);
    if (seen && now - seen.at < this.options.dedupeWindowMs) {
      seen.repeats += 1;
      return { kind: "repeat", logId: seen.logId, repeats: seen.repeats };
    }
    return { kind: "new" };
  }

  /** Records the log entry of a newly admitted alert (the one repeats fold into). */
  remember(alert: Alert, logId: string, now: number): void {
    this.recent.set(alert.key, { at: now, logId, repeats: 0 });
    if (this.recent.size > 5_000) {
      for (const [key, entry] of this.recent) if (now - entry.at >= this.options.dedupeWindowMs) this.recent.delete(key);
    }
  }

  /** For one channel: critical alerts always go; others respect quiet hours and the hourly budget. */
  channel(alert: Alert, channelId: string, now: number): ChannelVerdict {
    if (alert.severity === "critical" || alert.kind === "test") {
      this.record(channelId, now);
      return "send";
    }
    if (this.inQuietHours(now)) return "quiet_hours";
    const times = (this.sent.get(channelId) ?? []).filter((t) => now - t < HOUR_MS);
    this.sent.set(channelId, times);
    if (times.length >= this.options.maxPerHour) return "rate_limited";
    times.push(now);
    return "send";
  }

  inQuietHours(now: number): boolean {
    const q = this.options.quietHours;
    if (!q || q.start === q.end) return false;
    const m = this.options.minuteOfDay(now);
    return q.start < q.end ? m >= q.start && m < q.end : m >= q.start || m < q.end;
  }

  private record(channelId: string, now: number): void {
    const times = (this.sent.get(channelId) ?? []).filter((t) => now - t < HOUR_MS);
    times.push(now);
    this.sent.set(channelId, times);
  }
}

export function parseQuietHours(text: string | undefined): { start: number; end: number } | undefined {
  if (!text) return undefined;
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(text);
  if (!m) return undefined;
  return { start: Number(m[1]) * 60 + Number(m[2]), end: Number(m[3]) * 60 + Number(m[4]) };
}

/** Local wall-clock parts of an instant in an IANA zone (minute of day, weekday, date key). */
export function localClock(timeZone: string): { minuteOfDay(t: number): number; weekday(t: number): number; dateKey(t: number): string } {
  const format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short", hourCycle: "h23" });
  const parts = (t: number) => Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  return {
    minuteOfDay: (t) => {
      const p = parts(t);
      return (Number(p.hour) % 24) * 60 + Number(p.minute);
    },
    weekday: (t) => days.indexOf(parts(t).weekday) + 1,
    dateKey: (t) => {
      const p = parts(t);
      return `${p.year}-${p.month}-${p.day}`;
    },
  };
}
