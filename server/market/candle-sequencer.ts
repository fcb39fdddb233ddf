import type { Candle } from "../model/types";
import { AbortedError, backoffDelay, sleep, type BackoffPolicy } from "./retry";
import { MINUTE_MS } from "./timeframes";
import type { BackfillReport, CandleSource, InvalidDataReport, OHLCV } from "./types";
import { candleFromOhlcv, candleProblem } from "./validation";

/**
 * What to do with a minute the venue has no candle for (a venue outage; Binance publishes a
 * zero-volume candle for a minute without trades, so this is rare):
 * - "fill-flat": deliver a candle at the previous close with zero volume (freqtrade does the same), so
 *   indicators see an unbroken series; the BackfillReport counts it as `filled`.
 * - "skip": deliver nothing for that minute; the BackfillReport counts it as `skipped`.
 */
export type HolePolicy = "fill-flat" | "skip";

export interface CandleSequencerDeps {
  symbol: string;
  /** Closed 1m candles with `from <= openTime < until` from REST, validated and in order. */
  fetchClosedRange(from: number, until: number, signal: AbortSignal): Promise<Candle[]>;
  /** The next closed 1m candle, in order, exactly once. */
  deliver(candle: Candle, source: CandleSource): void;
  /** The forming 1m candle changed; `caughtUp` is false while older minutes still wait for a backfill. */
  onForming(candle: Candle, caughtUp: boolean): void;
  /** Minutes were skipped under holePolicy "skip": the series is final before `until`. */
  onSkipped(until: number): void;
  onInvalid(report: InvalidDataReport): void;
  /**
   * A stream row for a minute that is closed already: a re-sent row after a reconnect (ccxt returns
   * its cache), or the minute's final update arriving after the venue clock closed the minute (a busy
   * event loop, a fast simulator). Normal stream behaviour, not invalid data: counted (stats.duplicates,
   * stats.late), never a warning. The minute's values come from REST or the stream's proven finals.
   */
  onStale?(report: InvalidDataReport): void;
  onBackfill(report: BackfillReport): void;
  /** A backfill request failed; it will be retried. */
  onBackfillError(err: unknown): void;
  holePolicy: HolePolicy;
  backoff: BackoffPolicy;
  random: () => number;
  /** REST may trail the stream by a moment: retries before a missing recent minute counts as a hole. */
  restLagRetries: number;
}

interface Forming {
  candle: Candle;
  /** Its values are the venue's latest (seen on the live subscription, no invalid update since). */
  trusted: boolean;
}

/**
 * Turns the 1m candle stream of one symbol into closed candles delivered exactly once, in order, with
 * no holes.
 *
 * A forming candle is closed when a newer open time arrives on the stream, or when `closeBy` says the
 * venue's clock has passed its end. The stream's last values are used only when they are known to be
 * the venue's final ones: the candle was superseded on the same subscription and no invalid update for
 * it was dropped. Every other closed minute (after a (re)subscription, a jump in open times, an invalid
 * update, a close by the clock) is fetched over REST before anything later is delivered. Closed
 * candles arriving again on the stream are reported and dropped.
 */
export class CandleSequencer {
  /** Open time of the next closed candle to deliver; undefined until the series starts. */
  private nextExpected: number | undefined;
  private lastClose: number | undefined;
  private forming: Forming | undefined;
  /** Every minute before this open time is closed at the venue. */
  private closeTarget = Number.NEGATIVE_INFINITY;
  /** Stream candles known final, waiting for their turn. */
  private readonly finals = new Map<number, Candle>();
  /** Stream candles closed without proof of being final: used only if REST has nothing for the minute. */
  private readonly fallbacks = new Map<number, Candle>();
  private freshSubscription = true;
  private gapReason = "stream resubscribed";
  private holeReason: string | undefined;
  private worker: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];

  readonly stats = { delivered: 0, fromStream: 0, backfilled: 0, filled: 0, skipped: 0, duplicates: 0, late: 0, invalid: 0 };

  constructor(private readonly deps: CandleSequencerDeps) {}

  get nextOpenTime(): number | undefined {
    return this.nextExpected;
  }

  get formingCandle(): Candle | undefined {
    return this.forming?.candle;
  }

  /** Warm-up: closed candles from the store or REST, in order (gaps handled by holePolicy). */
  deliverHistory(candles: readonly Candle[], source: CandleSource): void {
    this.deliverRange(candles, source, undefined);
  }

  /** A new subscription starts (first or after an error): values cached before it are not trusted. */
  onSubscribed(): void {
    this.freshSubscription = true;
    if (this.forming) this.forming.trusted = false;
    this.gapReason = "stream resubscribed";
  }

  /** A batch from watchOHLCV (ccxt returns every candle updated since the previous call, in order). */
  onStreamBatch(rows: readonly OHLCV[]): void {
    const { symbol } = this.deps;
    let newestOpenTime = Number.NEGATIVE_INFINITY;
    if (this.freshSubscription) {
      for (const row of rows) {
        const t = Array.isArray(row) ? row[0] : undefined;
        if (typeof t === "number" && t > newestOpenTime) newestOpenTime = t;
      }
    }
    let changed = false;
    for (const row of rows) {
      const candle = Array.isArray(row) ? candleFromOhlcv(row, symbol, "1m", false) : undefined;
      const problem = candle ? candleProblem(candle) : "row is not an array";
      if (problem || !candle) {
        this.stats.invalid++;
        // The dropped update may have been the minute's last: the forming values are stale from here on.
        if (this.forming) this.forming.trusted = false;
        this.gapReason = "a stream update was invalid";
        this.deps.onInvalid({
          kind: "candle",
          symbol,
          origin: "stream",
          reason: problem ?? "unreadable row",
          item: row,
          action: "dropped; the minute's final values will be fetched over REST",
        });
        continue;
      }
      if (candle.openTime < this.closeTarget) {
        // The minute is closed already (delivered, or waiting for its REST values).
        const when = new Date(candle.openTime).toISOString();
        const duplicate = this.nextExpected !== undefined && candle.openTime < this.nextExpected;
        if (duplicate) this.stats.duplicates++;
        else this.stats.late++;
        this.deps.onStale?.({
          kind: "candle",
          symbol,
          origin: "stream",
          reason: duplicate ? `duplicate of the already delivered ${when} candle` : `late update of the ${when} candle, which is already closed`,
          item: row,
          action: "dropped",
        });
        continue;
      }
      // After a (re)subscription only the newest row is surely from the new connection.
      const trusted = !this.freshSubscription || candle.openTime >= newestOpenTime;
      const forming = this.forming;
      if (forming === undefined || candle.openTime > forming.candle.openTime) {
        if (forming) this.closeStreamCandle(forming);
        if (forming && candle.openTime > forming.candle.openTime + MINUTE_MS && !this.freshSubscription) {
          this.gapReason = "stream skipped minutes";
        }
        this.forming = { candle, trusted };
        if (this.nextExpected === undefined) this.nextExpected = candle.openTime;
        this.requestClose(candle.openTime);
      } else {
        // Same minute (older ones are below closeTarget). Kline updates are cumulative: a valid update
        // on the live subscription makes the values current again.
        this.forming = { candle, trusted };
      }
      changed = true;
    }
    this.freshSubscription = false;
    if (changed && this.forming) {
      const caughtUp = this.nextExpected === this.forming.candle.openTime;
      this.deps.onForming(this.forming.candle, caughtUp);
    }
  }

  /**
   * The venue's clock says every minute before `boundary` has ended (and the grace has passed): close
   * them, over REST where the stream cannot vouch for the final values.
   */
  closeBy(boundary: number): void {
    if (boundary <= this.closeTarget || this.nextExpected === undefined) return;
    const forming = this.forming;
    if (forming && forming.candle.openTime < boundary) {
      this.fallbacks.set(forming.candle.openTime, { ...forming.candle, closed: true });
      this.forming = undefined;
    }
    this.gapReason = "closed by the exchange clock";
    this.requestClose(boundary);
  }

  /** Resolves when every closed minute known so far has been delivered. */
  whenIdle(): Promise<void> {
    if (!this.worker) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): boolean {
    return this.worker !== undefined;
  }

  /** The open time before which every minute is known closed at the venue. */
  get closedBefore(): number {
    return this.closeTarget;
  }

  stop(): void {
    this.abort.abort();
  }

  private closeStreamCandle(forming: Forming): void {
    const closed = { ...forming.candle, closed: true };
    if (forming.trusted) this.finals.set(closed.openTime, closed);
    else this.fallbacks.set(closed.openTime, closed);
  }

  private requestClose(boundary: number): void {
    if (boundary > this.closeTarget) this.closeTarget = boundary;
    this.kick();
  }

  private kick(): void {
    if (this.worker || this.abort.signal.aborted) return;
    // Fast path: the stream vouches for the next minute, deliver without waiting.
    this.deliverFinals();
    if (this.nextExpected !== undefined && this.nextExpected < this.closeTarget) {
      this.worker = this.runWorker().finally(() => {
        this.worker = undefined;
        // A close requested while the worker was finishing must not wait for the next stream message.
        if (this.nextExpected !== undefined && this.nextExpected < this.closeTarget) this.kick();
        if (!this.worker) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private deliverFinals(): void {
    while (this.nextExpected !== undefined && this.nextExpected < this.closeTarget) {
      const candle = this.finals.get(this.nextExpected);
      if (!candle) return;
      this.finals.delete(this.nextExpected);
      this.stats.fromStream++;
      this.emit(candle, "stream");
    }
  }

  private async runWorker(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    let lagRetries = 0;
    while (!signal.aborted) {
      this.prune();
      this.deliverFinals();
      const from = this.nextExpected;
      if (from === undefined || from >= this.closeTarget) return;
      let until = this.closeTarget;
      for (const t of this.finals.keys()) if (t > from && t < until) until = t;
      let fetched: Candle[];
      try {
        fetched = await this.deps.fetchClosedRange(from, until, signal);
        failures = 0;
      } catch (err) {
        if (err instanceof AbortedError || signal.aborted) return;
        this.deps.onBackfillError(err);
        await this.pause(backoffDelay(failures++, this.deps.backoff, this.deps.random, err));
        continue;
      }
      const before = { ...this.stats };
      const lastFetched = fetched.length > 0 ? fetched[fetched.length - 1].openTime : undefined;
      this.deliverRange(fetched, "backfill", until);
      if (this.nextExpected !== undefined && this.nextExpected > from) lagRetries = 0;
      // Minutes after REST's newest candle may only be missing because REST trails the stream.
      if (this.nextExpected !== undefined && this.nextExpected < until && lagRetries < this.deps.restLagRetries) {
        lagRetries++;
        this.report(from, this.nextExpected, before);
        await this.pause(backoffDelay(lagRetries - 1, this.deps.backoff, this.deps.random));
        continue;
      }
      if (this.nextExpected !== undefined && this.nextExpected < until) {
        this.fillHole(this.nextExpected, until, lastFetched === undefined ? "venue returned no candle" : "venue has no candle");
      }
      lagRetries = 0;
      this.report(from, until, before);
    }
  }

  /** Stream candles of minutes already delivered are no longer needed. */
  private prune(): void {
    const next = this.nextExpected;
    if (next === undefined) return;
    for (const t of this.finals.keys()) if (t < next) this.finals.delete(t);
    for (const t of this.fallbacks.keys()) if (t < next) this.fallbacks.delete(t);
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, this.abort.signal);
    } catch {
      // aborted: the loop condition ends the worker
    }
  }

  private report(from: number, to: number, before: CandleSequencer["stats"]): void {
    const fetched = this.stats.backfilled - before.backfilled;
    const filled = this.stats.filled - before.filled;
    const skipped = this.stats.skipped - before.skipped;
    const fromStream = this.stats.fromStream - before.fromStream;
    if (fetched + filled + skipped + fromStream === 0) return;
    const reason = filled + skipped > 0 && this.holeReason ? `${this.gapReason}; ${this.holeReason}` : this.gapReason;
    this.holeReason = undefined;
    this.deps.onBackfill({ symbol: this.deps.symbol, from, to, fetched, filled, skipped, reason });
  }

  /**
   * Delivers candles (ascending, validated) from nextExpected on; minutes missing between them are
   * holes. With `until`, candles at or after it are ignored (the caller has better values for them).
   */
  private deliverRange(candles: readonly Candle[], source: CandleSource, until: number | undefined): void {
    for (const candle of candles) {
      if (until !== undefined && candle.openTime >= until) break;
      if (this.nextExpected !== undefined && candle.openTime < this.nextExpected) continue;
      if (this.nextExpected !== undefined && candle.openTime > this.nextExpected) {
        this.fillHole(this.nextExpected, candle.openTime, "venue has no candle");
      }
      if (source === "backfill") this.stats.backfilled++;
      this.emit(candle, source);
    }
  }

  /** Minutes in [from, to) the venue has no candle for: stream values if any, else holePolicy. */
  private fillHole(from: number, to: number, reason: string): void {
    for (let t = from; t < to; t += MINUTE_MS) {
      const streamed = this.finals.get(t) ?? this.fallbacks.get(t);
      if (streamed) {
        this.stats.fromStream++;
        this.emit(streamed, "stream");
      } else if (this.deps.holePolicy === "fill-flat" && this.lastClose !== undefined) {
        this.stats.filled++;
        const price = this.lastClose;
        this.emit(
          { symbol: this.deps.symbol, timeframe: "1m", openTime: t, open: price, high: price, low: price, close: price, volume: 0, closed: true },
          "filled",
        );
      } else {
        this.stats.skipped++;
        this.nextExpected = t + MINUTE_MS;
        this.deps.onSkipped(this.nextExpected);
      }
    }
    this.holeReason = reason;
  }

  private emit(candle: Candle, source: CandleSource): void {
    const closed = candle.closed ? candle : { ...candle, closed: true };
    this.nextExpected = closed.openTime + MINUTE_MS;
    this.lastClose = closed.close;
    this.finals.delete(closed.openTime);
    this.fallbacks.delete(closed.openTime);
    this.stats.delivered++;
    this.deps.deliver(closed, source);
  }
}
