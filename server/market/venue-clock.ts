import { errorMessage } from "../core/errors";
import type { Clock } from "../core/clock";
import type { Logger } from "../core/logger";

/**
 * The venue's clock, followed from here: its time and speed sampled over the network with
 * round-trip correction (NTP-style: the venue's answer is taken to describe the midpoint of the
 * request, the sample with the smallest round trip wins), kept fresh by re-sampling every
 * `refreshMs` of real time, and never running backwards.
 *
 * - A real exchange: speed 1, `fetchTime` = ccxt's fetchTime(); now() − a message's venue timestamp
 *   is the message's latency whatever the local clock's offset (no negative latencies).
 * - A standalone simulator (SIM_URL): `fetchTime` = GET /admin/clock ({ now, speed }); the speed is
 *   the simulator's, read on every refresh (POST /admin/speed changes it at run time).
 *
 * Error of now(): within ± (best round trip / 2) × speed of the venue's own clock, plus the drift
 * between refreshes (status().uncertaintyMs says how much).
 */
export interface VenueTimeAnswer {
  /** The venue's time, ms. */
  now: number;
  /** Venue ms per real ms (a simulator's speed); 1 when absent. */
  speed?: number;
}

export interface VenueClockOptions {
  fetchTime(): Promise<VenueTimeAnswer>;
  /** Real, monotonic time in ms. Default: performance.timeOrigin + performance.now(). */
  wall?: Clock;
  /** Samples per sync (the smallest round trip is kept). Default 5. */
  samples?: number;
  /** Real ms between re-syncs. Default 10 000; 0 = never (tests call sync()). */
  refreshMs?: number;
  logger?: Logger;
  /** Shown in logs. */
  name?: string;
}

export interface VenueClockStatus {
  name: string;
  speed: number;
  /** Venue time minus local wall time at the last sync, ms (venue ahead > 0). */
  offsetMs: number | null;
  /** Round trip of the sample the anchor came from, real ms. */
  rttMs: number | null;
  /** ± error of now() in venue ms right after the sync (rtt / 2 × speed). */
  uncertaintyMs: number | null;
  syncedAt: number | null;
  syncs: number;
  lastError: string | null;
}

const monotonicWall: Clock = { now: () => performance.timeOrigin + performance.now() };

export class VenueClock implements Clock {
  readonly #fetchTime: () => Promise<VenueTimeAnswer>;
  readonly #wall: Clock;
  readonly #samples: number;
  readonly #refreshMs: number;
  readonly #logger: Logger | undefined;
  readonly #name: string;
  #anchorVenue: number | null = null;
  #anchorWall = 0;
  #speed = 1;
  #rtt: number | null = null;
  #syncedAt: number | null = null;
  #syncs = 0;
  #lastError: string | null = null;
  #lastReturned = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setInterval> | null = null;
  #syncing: Promise<void> | null = null;

  constructor(options: VenueClockOptions) {
    this.#fetchTime = options.fetchTime;
    this.#wall = options.wall ?? monotonicWall;
    this.#samples = Math.max(1, Math.floor(options.samples ?? 5));
    this.#refreshMs = options.refreshMs ?? 10_000;
    this.#logger = options.logger;
    this.#name = options.name ?? "venue";
  }

  /** First sync (throws when the venue never answers), then periodic refreshes. */
  async start(): Promise<void> {
    await this.sync();
    if (this.#anchorVenue === null) throw new Error(`${this.#name} clock: no time answer (${this.#lastError ?? "unknown"})`);
    if (this.#refreshMs > 0 && !this.#timer) {
      this.#timer = setInterval(() => void this.sync(), this.#refreshMs);
      this.#timer.unref?.();
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Sample the venue `samples` times; re-anchor on the sample with the smallest round trip. */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => (this.#syncing = null));
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    let best: { venue: number; wall: number; rtt: number; speed: number } | null = null;
    let error: string | null = null;
    for (let i = 0; i < this.#samples; i++) {
      const sentAt = this.#wall.now();
      let answer: VenueTimeAnswer;
      try {
        answer = await this.#fetchTime();
      } catch (err) {
        error = errorMessage(err);
        continue;
      }
      const receivedAt = this.#wall.now();
      const speed = typeof answer?.speed === "number" && Number.isFinite(answer.speed) && answer.speed > 0 ? answer.speed : 1;
      if (typeof answer?.now !== "number" || !Number.isFinite(answer.now)) {
        error = `unreadable time answer ${JSON.stringify(answer)}`;
        continue;
      }
      const rtt = Math.max(0, receivedAt - sentAt);
      if (!best || rtt < best.rtt) best = { venue: answer.now, wall: (sentAt + receivedAt) / 2, rtt, speed };
    }
    if (!best) {
      this.#lastError = error ?? "no sample";
      this.#logger?.warn({ clock: this.#name, err: this.#lastError }, "venue clock sync failed; keeping the previous estimate");
      return;
    }
    this.#anchorVenue = best.venue;
    this.#anchorWall = best.wall;
    this.#speed = best.speed;
    this.#rtt = best.rtt;
    this.#syncedAt = this.#wall.now();
    this.#syncs++;
    this.#lastError = error;
  }

  /** The venue's time now: anchored estimate, never below a value already returned. */
  now(): number {
    if (this.#anchorVenue === null) return Math.max(this.#lastReturned, this.#wall.now());
    const estimate = Math.round(this.#anchorVenue + (this.#wall.now() - this.#anchorWall) * this.#speed);
    if (estimate > this.#lastReturned) this.#lastReturned = estimate;
    return this.#lastReturned;
  }

  get speed(): number {
    return this.#speed;
  }

  /**
   * Latency of a message stamped `venueTimestamp` by the venue, in real ms (venue ms / speed),
   * never negative (a negative value is within the clock's error: 0).
   */
  latencyOf(venueTimestamp: number): number {
    return Math.max(0, (this.now() - venueTimestamp) / this.#speed);
  }

  status(): VenueClockStatus {
    const offset = this.#anchorVenue === null ? null : Math.round(this.#anchorVenue - this.#anchorWall);
    return {
      name: this.#name,
      speed: this.#speed,
      offsetMs: this.#speed === 1 ? offset : null,
      rttMs: this.#rtt,
      uncertaintyMs: this.#rtt === null ? null : (this.#rtt / 2) * this.#speed,
      syncedAt: this.#syncedAt,
      syncs: this.#syncs,
      lastError: this.#lastError,
    };
  }
}

/** A standalone simulator's clock: GET {url}/admin/clock (falls back to /admin/state). */
export function simulatorTimeSource(url: string, fetchImpl: typeof fetch = fetch): () => Promise<VenueTimeAnswer> {
  let path = "/admin/clock";
  return async () => {
    let res = await fetchImpl(`${url}${path}`);
    if (res.status === 404 && path === "/admin/clock") {
      path = "/admin/state";
      res = await fetchImpl(`${url}${path}`);
    }
    if (!res.ok) throw new Error(`GET ${url}${path}: HTTP ${res.status}`);
    const body = (await res.json()) as { now?: unknown; speed?: unknown };
    return { now: Number(body.now), speed: typeof body.speed === "number" ? body.speed : undefined };
  };
}

/** A ccxt exchange's clock (fetchTime; speed 1). */
export function exchangeTimeSource(exchange: { fetchTime(): Promise<number | undefined> }): () => Promise<VenueTimeAnswer> {
  return async () => {
    const now = await exchange.fetchTime();
    if (typeof now !== "number") throw new Error("the exchange did not report its time");
    return { now, speed: 1 };
  };
}
