import { ExchangeNotAvailable, NetworkError, type OHLCV } from "ccxt";
import type { Clock } from "../../core/clock";
import type { Candle } from "../../model/types";
import type { MarketExchange } from "../types";
import { seededRandom } from "../../core/random";

export const MINUTE = 60_000;

export { seededRandom } from "../../core/random";

interface MinutePath {
  openTime: number;
  /** Cumulative candle after each intra-minute update; the last one is the minute's final candle. */
  updates: OHLCV[];
}

/**
 * A venue with a deterministic 1m price series per symbol, a clock the test moves in steps of
 * 1/updatesPerMinute minute, REST klines and a kline stream with ccxt's `watchOHLCV` semantics
 * (each call resolves on the next message with every candle updated since the previous call; the
 * cache outlives reconnects). Faults are switched on by the test.
 */
export class FakeVenue {
  readonly clock: Clock;
  private nowMs: number;
  private readonly paths = new Map<string, Map<number, MinutePath>>();
  private readonly lastClose = new Map<string, number>();
  private readonly random: () => number;
  /** Minutes the venue has no candle for at all (an outage): neither REST nor stream. */
  readonly holes = new Map<string, Set<number>>();
  private generatedUntil: number;

  constructor(
    readonly symbols: readonly string[],
    historyStart: number,
    now: number,
    seed: number,
    readonly updatesPerMinute = 4,
  ) {
    this.random = seededRandom(seed);
    this.nowMs = now;
    this.clock = { now: () => this.nowMs };
    for (const symbol of symbols) {
      this.paths.set(symbol, new Map());
      this.holes.set(symbol, new Set());
      this.lastClose.set(symbol, 100 + this.random() * 1000);
    }
    this.generatedUntil = historyStart;
    this.generateThrough(now);
  }

  get now(): number {
    return this.nowMs;
  }

  /** Open time of the forming minute. */
  get currentMinute(): number {
    return Math.floor(this.nowMs / MINUTE) * MINUTE;
  }

  /** Index (0-based) of the current update within the forming minute. */
  get stepInMinute(): number {
    return Math.floor((this.nowMs - this.currentMinute) / (MINUTE / this.updatesPerMinute));
  }

  advanceStep(): void {
    this.nowMs += MINUTE / this.updatesPerMinute;
    this.generateThrough(this.nowMs);
  }

  isHole(symbol: string, openTime: number): boolean {
    return this.holes.get(symbol)?.has(openTime) ?? false;
  }

  /** The candle as the venue shows it now (partial for the forming minute), undefined in a hole. */
  candleNow(symbol: string, openTime: number): OHLCV | undefined {
    if (this.isHole(symbol, openTime) || openTime > this.currentMinute) return undefined;
    const path = this.paths.get(symbol)?.get(openTime);
    if (!path) return undefined;
    if (openTime < this.currentMinute) return [...path.updates[path.updates.length - 1]];
    return [...path.updates[Math.min(this.stepInMinute, path.updates.length - 1)]];
  }

  /** The venue's final closed candles in [from, to), skipping holes. */
  closedCandles(symbol: string, from: number, to: number): Candle[] {
    const out: Candle[] = [];
    for (let t = from; t < to && t < this.currentMinute; t += MINUTE) {
      const row = this.candleNow(symbol, t);
      if (!row) continue;
      out.push({ symbol, timeframe: "1m", openTime: t, open: row[1] as number, high: row[2] as number, low: row[3] as number, close: row[4] as number, volume: row[5] as number, closed: true });
    }
    return out;
  }

  private generateThrough(time: number): void {
    const until = Math.floor(time / MINUTE) * MINUTE;
    for (let t = this.generatedUntil; t <= until; t += MINUTE) {
      for (const symbol of this.symbols) {
        const open = this.lastClose.get(symbol) as number;
        let high = open;
        let low = open;
        let price = open;
        let volume = 0;
        const updates: OHLCV[] = [];
        for (let i = 0; i < this.updatesPerMinute; i++) {
          price = Math.max(1, price * (1 + (this.random() - 0.5) * 0.004));
          high = Math.max(high, price);
          low = Math.min(low, price);
          volume += this.random() * 3;
          updates.push([t, open, high, low, price, volume]);
        }
        this.lastClose.set(symbol, price);
        this.paths.get(symbol)?.set(t, { openTime: t, updates });
      }
      this.generatedUntil = t + MINUTE;
    }
  }
}

interface StreamState {
  connected: boolean;
  /** ccxt's OHLCV cache: openTime → row, in insertion order. */
  cache: Map<number, OHLCV>;
  /** Open times updated since the last batch was handed out (ccxt's sizeTracker). */
  updated: Set<number>;
  waiter?: { resolve: (rows: OHLCV[]) => void; reject: (err: unknown) => void };
  /** A close with nobody waiting: the next watch call fails (ccxt stores such rejections). */
  pendingError?: unknown;
  failNextWatches: number;
  watchCalls: number;
}

/** The ccxt-like exchange object the service sees; the test drives the venue and faults through it. */
export class FakeExchange implements MarketExchange {
  readonly id = "fake";
  rateLimit = 1;
  has: Record<string, boolean> = { watchOHLCV: true, fetchOHLCV: true };
  private readonly streams = new Map<string, StreamState>();
  private readonly replacements = new Map<string, (openTime: number) => OHLCV>();
  failNextRest = 0;
  restCalls = 0;
  restErrorFactory: () => Error = () => new ExchangeNotAvailable("fake 503 Service Unavailable");
  /** Per symbol: minutes whose stream updates are never sent (the stream jumps over them). */
  readonly streamSkips = new Map<string, Set<number>>();
  /** Per symbol: minutes REST returns a corrupted row for. */
  readonly restCorrupt = new Map<string, Set<number>>();

  constructor(readonly venue: FakeVenue) {
    for (const symbol of venue.symbols) {
      this.streams.set(symbol, { connected: false, cache: new Map(), updated: new Set(), failNextWatches: 0, watchCalls: 0 });
      this.streamSkips.set(symbol, new Set());
      this.restCorrupt.set(symbol, new Set());
    }
  }

  async fetchOHLCV(symbol: string, timeframe = "1m", since?: number, limit = 500): Promise<OHLCV[]> {
    this.restCalls++;
    await Promise.resolve();
    if (timeframe !== "1m") throw new Error(`fake venue serves 1m only, got ${timeframe}`);
    if (this.failNextRest > 0) {
      this.failNextRest--;
      throw this.restErrorFactory();
    }
    const current = this.venue.currentMinute;
    const start = since === undefined ? current - (limit - 1) * MINUTE : Math.ceil(since / MINUTE) * MINUTE;
    const rows: OHLCV[] = [];
    for (let t = start; t <= current && rows.length < limit; t += MINUTE) {
      const row = this.venue.candleNow(symbol, t);
      if (!row) continue;
      if (this.restCorrupt.get(symbol)?.has(t)) rows.push([t, row[1], (row[3] as number) * 0.5, row[3], row[4], row[5]]);
      else rows.push(row);
    }
    return rows;
  }

  async watchOHLCV(symbol: string, timeframe = "1m"): Promise<OHLCV[]> {
    if (timeframe !== "1m") throw new Error(`fake venue streams 1m only, got ${timeframe}`);
    const stream = this.stream(symbol);
    stream.watchCalls++;
    await Promise.resolve();
    if (stream.pendingError) {
      const err = stream.pendingError;
      stream.pendingError = undefined;
      throw err;
    }
    if (stream.failNextWatches > 0) {
      stream.failNextWatches--;
      throw new NetworkError("fake: connection refused");
    }
    stream.connected = true;
    return new Promise<OHLCV[]>((resolve, reject) => {
      stream.waiter = { resolve, reject };
    });
  }

  /** The venue sends the current update of every symbol's forming minute. */
  publishCurrent(): void {
    for (const symbol of this.venue.symbols) {
      const t = this.venue.currentMinute;
      if (this.streamSkips.get(symbol)?.has(t)) continue;
      const replacement = this.replacements.get(symbol);
      if (replacement) {
        this.replacements.delete(symbol);
        this.publish(symbol, replacement(t));
        continue;
      }
      const row = this.venue.candleNow(symbol, t);
      if (row) this.publish(symbol, row);
    }
  }

  /** The symbol's next stream update is this row instead of the real one (a corrupted message). */
  replaceNextUpdate(symbol: string, row: (openTime: number) => OHLCV): void {
    this.replacements.set(symbol, row);
  }

  /** Sends any row on the symbol's stream (used for duplicates and corrupted updates). */
  publish(symbol: string, row: OHLCV): void {
    const stream = this.stream(symbol);
    if (!stream.connected) return; // nobody subscribed: the message is lost, as on a real socket
    const key = row[0] as number;
    stream.cache.set(key, row);
    stream.updated.add(key);
    const waiter = stream.waiter;
    if (waiter) {
      stream.waiter = undefined;
      waiter.resolve(this.takeBatch(stream));
    }
  }

  /** The websocket drops: the pending watch call fails with a NetworkError. */
  dropConnection(symbol: string): void {
    const stream = this.stream(symbol);
    if (!stream.connected) return;
    stream.connected = false;
    const err = new NetworkError("fake: connection closed by remote server, code 1006");
    const waiter = stream.waiter;
    stream.waiter = undefined;
    if (waiter) waiter.reject(err);
    else stream.pendingError = err;
  }

  failWatches(symbol: string, count: number): void {
    this.stream(symbol).failNextWatches += count;
  }

  isConnected(symbol: string): boolean {
    return this.stream(symbol).connected;
  }

  private takeBatch(stream: StreamState): OHLCV[] {
    const rows: OHLCV[] = [];
    for (const [t, row] of stream.cache) if (stream.updated.has(t)) rows.push(row);
    stream.updated.clear();
    return rows;
  }

  private stream(symbol: string): StreamState {
    const stream = this.streams.get(symbol);
    if (!stream) throw new Error(`fake venue has no symbol ${symbol}`);
    return stream;
  }
}
