import type { PerformanceDto } from "../lib/types";

/**
 * Week, month and weekday P&L from the daily P&L of GET /api/performance (days are local to the risk
 * calendar, "YYYY-MM-DD"): summed here with an exact cents grid so buckets add up to the daily total.
 */
/** One day of `GET /api/performance` → `daily` (the contract's shape; `start` is not needed here). */
export type DailyPnl = Pick<PerformanceDto["daily"][number], "day" | "pnl" | "trades">;

export interface PeriodBucket {
  key: string;
  label: string;
  pnl: number;
  trades: number;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

function parseDay(day: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

/** Monday-based weekday 0..6 of a calendar day. */
function weekdayOf(d: Date): number {
  return (d.getUTCDay() + 6) % 7;
}

/** ISO week label "2026-W49" of a calendar day. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 3 - weekdayOf(t));
  const firstThursday = new Date(Date.UTC(t.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((t.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + weekdayOf(firstThursday)) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

function bucket(days: readonly DailyPnl[], keyOf: (d: Date) => string, labelOf: (key: string) => string, order?: readonly string[]): PeriodBucket[] {
  const cents = new Map<string, { c: number; trades: number }>();
  for (const key of order ?? []) cents.set(key, { c: 0, trades: 0 });
  for (const d of days) {
    const date = parseDay(d.day);
    if (!date || !Number.isFinite(d.pnl)) continue;
    const key = keyOf(date);
    const b = cents.get(key) ?? { c: 0, trades: 0 };
    b.c += Math.round(d.pnl * 100);
    b.trades += d.trades ?? 0;
    cents.set(key, b);
  }
  const keys = order ? [...order] : [...cents.keys()].sort();
  return keys.map((key) => ({ key, label: labelOf(key), pnl: (cents.get(key)?.c ?? 0) / 100, trades: cents.get(key)?.trades ?? 0 }));
}

export function weeklyPnl(days: readonly DailyPnl[]): PeriodBucket[] {
  return bucket(days, isoWeek, (k) => k.slice(5));
}

export function monthlyPnl(days: readonly DailyPnl[]): PeriodBucket[] {
  return bucket(days, (d) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`, (k) => k);
}

export function weekdayPnl(days: readonly DailyPnl[]): PeriodBucket[] {
  return bucket(days, (d) => WEEKDAYS[weekdayOf(d)]!, (k) => k, WEEKDAYS);
}
