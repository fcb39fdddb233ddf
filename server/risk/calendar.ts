/**
 * Local-calendar periods (day, ISO week starting Monday) in an IANA time zone, computed with
 * Intl.DateTimeFormat so daylight-saving days (23 h or 25 h long) start at the real local midnight.
 * Boundaries are cached: the hot path pays one comparison until the period rolls over.
 */
export interface CalendarPeriod {
  /** Stable key of the period, e.g. "2024-03-10" (day) or "W2024-03-04" (week of that Monday). */
  key: string;
  /** First instant of the period (epoch ms, inclusive). */
  start: number;
  /** First instant of the next period (epoch ms, exclusive). */
  end: number;
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** UTC fast path for years 1971..9998 (Intl formats other years with eras or signs; those keep the Intl path). */
const UTC_FAST_FROM = Date.UTC(1971, 0, 1);
const UTC_FAST_TO = Date.UTC(9998, 0, 1);

export class InvalidTimeZoneError extends RangeError {
  constructor(readonly timeZone: string) {
    super(`unknown IANA time zone "${timeZone}" (expected a name such as "UTC" or "Europe/Berlin")`);
    this.name = "InvalidTimeZoneError";
  }
}

export class TradingCalendar {
  private readonly dateFormat: Intl.DateTimeFormat;
  /** The zone is UTC (the default): dates and midnights by arithmetic, the same as Intl's. */
  private readonly utc: boolean;
  private dayCache: CalendarPeriod | null = null;
  private weekCache: CalendarPeriod | null = null;

  constructor(readonly timeZone: string) {
    try {
      this.dateFormat = new Intl.DateTimeFormat("en-US", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      });
    } catch {
      throw new InvalidTimeZoneError(timeZone);
    }
    this.utc = this.dateFormat.resolvedOptions().timeZone === "UTC";
  }

  localDate(t: number): LocalDate {
    if (this.utc && t >= UTC_FAST_FROM && t < UTC_FAST_TO) {
      const d = new Date(t);
      const weekday = d.getUTCDay();
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), isoWeekday: weekday === 0 ? 7 : weekday };
    }
    let year = 0;
    let month = 0;
    let day = 0;
    for (const part of this.dateFormat.formatToParts(t)) {
      if (part.type === "year") year = Number(part.value);
      else if (part.type === "month") month = Number(part.value);
      else if (part.type === "day") day = Number(part.value);
    }
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    return { year, month, day, isoWeekday: weekday === 0 ? 7 : weekday };
  }

  dateKey(t: number): string {
    const d = this.localDate(t);
    return `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
  }

  /** The local day containing t. */
  day(t: number): CalendarPeriod {
    assertFiniteTime(t);
    const cached = this.dayCache;
    if (cached && t >= cached.start && t < cached.end) return cached;
    const start = this.startOfLocalDay(t);
    // 26 h after the start is inside the next local day whether this one lasts 23, 24 or 25 hours.
    const end = this.startOfLocalDay(start + 26 * HOUR_MS);
    const period = { key: this.dateKey(start), start, end };
    this.dayCache = period;
    return period;
  }

  /** The ISO week (Monday 00:00 local to the next Monday 00:00 local) containing t. */
  week(t: number): CalendarPeriod {
    assertFiniteTime(t);
    const cached = this.weekCache;
    if (cached && t >= cached.start && t < cached.end) return cached;
    const dayStart = this.startOfLocalDay(t);
    const { isoWeekday } = this.localDate(dayStart);
    // Noon of the Monday: far enough from midnight that a DST shift cannot move it to another day.
    const start = this.startOfLocalDay(dayStart - (isoWeekday - 1) * DAY_MS + 12 * HOUR_MS);
    const end = this.startOfLocalDay(start + 7 * DAY_MS + 12 * HOUR_MS);
    const period = { key: `W${this.dateKey(start)}`, start, end };
    this.weekCache = period;
    return period;
  }

  /**
   * First instant whose local date equals the local date of t. Binary search over the 50 hours
   * before t: the local date never goes backwards, so the predicate is monotonic.
   */
  private startOfLocalDay(t: number): number {
    if (this.utc && t >= UTC_FAST_FROM && t < UTC_FAST_TO) return Math.floor(t / DAY_MS) * DAY_MS;
    const key = this.dateKey(t);
    let before = t - 50 * HOUR_MS; // local date strictly earlier than key
    let inside = t; // local date equals key
    while (inside - before > 1) {
      const mid = Math.floor((before + inside) / 2);
      if (this.dateKey(mid) === key) inside = mid;
      else before = mid;
    }
    return inside;
  }
}

function assertFiniteTime(t: number): void {
  if (!Number.isFinite(t)) throw new RangeError(`not a finite time: ${t}`);
}
