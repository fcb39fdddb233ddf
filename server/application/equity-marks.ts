import type { EventBus } from "../core/event-bus";
import type { EngineEvents } from "../engine";
import type { EquityPoint } from "../db";
import type { KernelMode } from "../model/types";

/**
 * The equity-curve points GET /api/status needs (the first point of today, the last point 24 h ago),
 * answered from memory instead of two database queries per request. Per mode, the recent stretch of
 * the curve is read once from the database, then kept current from the engine's `equity` events (the
 * same events the event recorder writes), so a fill's snapshot counts at once, before it is stored.
 *
 * A mode's memory is complete from `from` on (every stored point with timestamp >= from, plus every
 * point published since), and `before` is the last point older than that. A question about an older
 * instant (the clock set back, a day longer than the kept window) falls back to the database.
 */

export interface EquityHistorySource {
  range(mode: KernelMode, from: number | undefined, to: number | undefined, limit: number): Promise<EquityPoint[]>;
  firstSince(mode: KernelMode, at: number): Promise<number | null>;
  lastBefore(mode: KernelMode, at: number): Promise<number | null>;
}

interface Point {
  timestamp: number;
  equity: number;
}

interface ModeMarks {
  /** Complete from here on. */
  from: number;
  /** The last point before `from`, or null when there is none. */
  before: Point | null;
  /** Ascending by timestamp. */
  points: Point[];
}

/** Kept before the oldest instant asked about, so a slightly older question still hits memory. */
const SLACK_MS = 2 * 60 * 60_000;
/** Kept behind the newest point without being asked (a calendar day plus a 24 h look-back fit in it). */
const KEEP_MS = 26 * 60 * 60_000 + SLACK_MS;
/** More stored points than this in the window: keep only the newest (`from` moves up accordingly). */
const LOAD_LIMIT = 20_000;

export class EquityMarks {
  private readonly modes = new Map<KernelMode, ModeMarks>();
  private readonly loading = new Map<KernelMode, { promise: Promise<ModeMarks>; pending: Point[] }>();
  private readonly off: () => void;

  constructor(
    private readonly source: EquityHistorySource,
    bus: Pick<EventBus<EngineEvents>, "on">,
  ) {
    this.off = bus.on("equity", (e) => this.add(e.mode, { timestamp: e.timestamp, equity: e.equity }));
  }

  stop(): void {
    this.off();
  }

  /** Equity of the first point at or after `dayStart`, and of the last point at or before `dayAgo`. */
  async marks(mode: KernelMode, dayStart: number, dayAgo: number): Promise<{ firstToday: number | null; dayAgo: number | null }> {
    const oldest = Math.min(dayStart, dayAgo);
    let marks = this.modes.get(mode);
    if (!marks || oldest < marks.from) {
      if (marks) {
        // Asked about an instant before the kept window: the database answers this one.
        const [firstToday, ago] = await Promise.all([this.source.firstSince(mode, dayStart), this.source.lastBefore(mode, dayAgo)]);
        return { firstToday, dayAgo: ago };
      }
      marks = await this.load(mode, oldest - SLACK_MS);
      if (oldest < marks.from) {
        const [firstToday, ago] = await Promise.all([this.source.firstSince(mode, dayStart), this.source.lastBefore(mode, dayAgo)]);
        return { firstToday, dayAgo: ago };
      }
    }
    this.prune(marks, oldest - SLACK_MS);
    return { firstToday: firstAtOrAfter(marks, dayStart), dayAgo: lastAtOrBefore(marks, dayAgo) };
  }

  private add(mode: KernelMode, point: Point): void {
    if (!Number.isFinite(point.timestamp) || !Number.isFinite(point.equity)) return;
    const loading = this.loading.get(mode);
    if (loading) loading.pending.push(point);
    const marks = this.modes.get(mode);
    if (!marks) return;
    insert(marks, point);
    // A mode nobody asks about still gets its points: forget what is far older than any question.
    const horizon = point.timestamp - KEEP_MS;
    if (marks.points.length > 0 && marks.points[0].timestamp < horizon - 60 * 60_000) this.prune(marks, horizon);
  }

  private load(mode: KernelMode, from: number): Promise<ModeMarks> {
    const existing = this.loading.get(mode);
    if (existing) return existing.promise;
    const pending: Point[] = [];
    const promise = (async () => {
      try {
        const rows = await this.source.range(mode, from, undefined, LOAD_LIMIT);
        // A full page: only the newest points were read, so memory is complete after the oldest of them.
        const start = rows.length >= LOAD_LIMIT && rows.length > 0 ? rows[0].timestamp + 1 : from;
        const beforeEquity = rows.length >= LOAD_LIMIT && rows.length > 0 ? rows[0].equity : await this.source.lastBefore(mode, start - 1);
        const marks: ModeMarks = {
          from: start,
          before: beforeEquity === null ? null : { timestamp: start - 1, equity: beforeEquity },
          points: rows.filter((r) => r.timestamp >= start).map((r) => ({ timestamp: r.timestamp, equity: r.equity })),
        };
        // Published while the database was read: possibly stored too (a duplicate changes no answer).
        for (const p of pending) insert(marks, p);
        this.modes.set(mode, marks);
        return marks;
      } finally {
        this.loading.delete(mode);
      }
    })();
    this.loading.set(mode, { promise, pending });
    return promise;
  }

  /** Forgets points older than `keepFrom`, remembering the last of them as `before`. */
  private prune(marks: ModeMarks, keepFrom: number): void {
    if (keepFrom <= marks.from) return;
    let n = 0;
    while (n < marks.points.length && marks.points[n].timestamp < keepFrom) n++;
    if (n > 0) {
      marks.before = marks.points[n - 1];
      marks.points.splice(0, n);
    }
    marks.from = keepFrom;
  }
}

function insert(marks: ModeMarks, point: Point): void {
  if (point.timestamp < marks.from) {
    if (!marks.before || point.timestamp >= marks.before.timestamp) marks.before = point;
    return;
  }
  const points = marks.points;
  let i = points.length;
  while (i > 0 && points[i - 1].timestamp > point.timestamp) i--;
  points.splice(i, 0, point);
}

function firstAtOrAfter(marks: ModeMarks, at: number): number | null {
  const points = marks.points;
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].timestamp < at) lo = mid + 1;
    else hi = mid;
  }
  return lo < points.length ? points[lo].equity : null;
}

function lastAtOrBefore(marks: ModeMarks, at: number): number | null {
  const points = marks.points;
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].timestamp <= at) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0) return points[lo - 1].equity;
  return marks.before ? marks.before.equity : null;
}
