import { AppError } from "../core/errors";

/**
 * Calendar buckets (local day, local hour) of epoch-ms instants in an IANA time zone, with the
 * platform's Intl time-zone data. Days may be 23 or 25 hours long across DST changes; bucket ends are
 * computed from the next bucket's start, never by adding a fixed length.
 */

export type BucketUnit = "day" | "hour";

interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      throw new AppError("INVALID_TIME_ZONE", `unknown time zone "${timeZone}" (expected an IANA name such as "UTC" or "Europe/Berlin")`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws INVALID_TIME_ZONE for a name the platform does not know. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

function zonedParts(t: number, timeZone: string): ZonedParts {
  const parts: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timeZone).formatToParts(t)) {
    if (p.type in parts) parts[p.type as keyof ZonedParts] = Number(p.value);
  }
  return parts;
}

/** Local wall-clock time minus UTC at instant t, ms. */
function offsetAt(t: number, timeZone: string): number {
  const p = zonedParts(t, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Start (epoch ms) of the local day containing t. */
export function startOfZonedDay(t: number, timeZone: string): number {
  const p = zonedParts(t, timeZone);
  const wallMidnight = Date.UTC(p.year, p.month - 1, p.day);
  const guess = wallMidnight - offsetAt(t, timeZone);
  // The offset at midnight can differ from the one at t when DST changed during the day.
  const refined = wallMidnight - offsetAt(guess, timeZone);
  const check = zonedParts(refined, timeZone);
  return check.day === p.day && check.hour === 0 ? refined : guess;
}

/** Start (epoch ms) of the local hour containing t (zones with :30 or :45 offsets included). */
export function startOfZonedHour(t: number, timeZone: string): number {
  const p = zonedParts(t, timeZone);
  return Math.floor(t / 1000) * 1000 - (p.minute * 60 + p.second) * 1000;
}

export interface ZonedBucket {
  start: number;
  /** Exclusive end: the next bucket's start. */
  end: number;
  /** "2023-03-01" for a day, "2023-03-01 14:00" for an hour, in the bucket's time zone. */
  label: string;
}

export function zonedBucket(t: number, unit: BucketUnit, timeZone: string): ZonedBucket {
  if (unit === "hour") {
    const start = startOfZonedHour(t, timeZone);
    const end = startOfZonedHour(start + 90 * 60_000, timeZone);
    const p = zonedParts(start, timeZone);
    return { start, end, label: `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:00` };
  }
  const start = startOfZonedDay(t, timeZone);
  const end = startOfZonedDay(start + 36 * 3_600_000, timeZone);
  const p = zonedParts(start, timeZone);
  return { start, end, label: `${p.year}-${pad(p.month)}-${pad(p.day)}` };
}

/**
 * Bucket lookup for many instants: remembers the last bucket, so sorted input costs one Intl call per
 * bucket rather than per instant.
 */
export class ZonedBucketer {
  private last: ZonedBucket | null = null;
  constructor(
    readonly unit: BucketUnit,
    readonly timeZone: string,
  ) {
    assertTimeZone(timeZone);
  }

  bucketOf(t: number): ZonedBucket {
    const last = this.last;
    if (last !== null && t >= last.start && t < last.end) return last;
    this.last = zonedBucket(t, this.unit, this.timeZone);
    return this.last;
  }
}
