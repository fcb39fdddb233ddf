import { setMaxListeners } from "node:events";
import { systemClock, type Clock } from "../core/clock";
import { repeatEvery, schedulerOf, type ScheduledTask } from "../core/scheduler";
import { errorMessage } from "../core/errors";
import { EventBus } from "../core/event-bus";
import type { Logger } from "../core/logger";
import type { Candle, OrderBook, Timeframe } from "../model/types";
import { AGGREGATED_TIMEFRAMES, CandleAggregator } from "./aggregator";
import type { CandleStore } from "./candle-store";
import { CandleSequencer, type HolePolicy } from "./candle-sequencer";
import { guardCcxtWebsocketSends } from "./ccxt-guards";
import { fetchCandlePages, fetchClosedCandles, DEFAULT_PAGE_LIMIT } from "./rest-history";
import { CandlePersistQueue } from "./market-data-persistence";
import { runWatchLoop, type StreamRunnerDeps } from "./market-data-streams";
import { dayStatsOf, derivedTicker, type DayStats } from "./market-data-ticker";
import { AbortedError, backoffDelay, DEFAULT_BACKOFF, sleep, toRetryPolicy, withRetry, type BackoffPolicy, type RetryOptions } from "./retry";
import { retry } from "../core/retry";
import { StreamTracker } from "./stream-status";
import { MINUTE_MS, periodStart } from "./timeframes";
import type {
  CandleSource,
  InvalidDataReport,
  MarketEvents,
  MarketExchange,
  MarketTicker,
  StreamKind,
  StreamStatus,
  WarmupStatus,
} from "./types";
import { candleProblem, orderBookFromCcxt, sequenceProblem, tickerFromCcxt, tradeFromCcxt } from "./validation";

export interface MarketDataServiceOptions {
  /**
   * A ccxt pro exchange instance (or anything shaped like MarketExchange). The caller owns and closes
   * it. The service patches its websocket clients once (see guardCcxtWebsocketSends).
   */
  exchange: MarketExchange;
  /** Unified symbols, e.g. ["BTC/USDT", "ETH/USDT"]. */
  symbols: readonly string[];
  /** Bus to publish on; a new one is created when absent (see `events`). */
  events?: EventBus<MarketEvents>;
  /** Closed candles (1m and aggregated) are saved here in batches; warm-up reads it first. */
  store?: CandleStore;
  /** Local clock: message ages, timers' bookkeeping. */
  clock?: Clock;
  /**
   * The venue's clock, when known (systemClock for a real exchange, the simulator's clock in-process).
   * Without it the venue time is the newest timestamp seen in its messages.
   */
  exchangeClock?: Clock;
  /** Higher timeframes built from 1m (default 5m, 15m, 1h, 4h, 1d). */
  timeframes?: readonly Timeframe[];
  /**
   * Symbols whose history warm-up runs at once (the others wait their turn, in `symbols` order), so a
   * background warm-up leaves the event loop to the streams and the HTTP server. Default: all at once.
   */
  warmupConcurrency?: number;
  /** Closed 1m candles delivered at start, at least; the start is rounded down to a UTC day so every timeframe begins complete. Default 1440. */
  warmupMinutes?: number;
  streams?: {
    orderbook?: boolean;
    trades?: boolean;
    /** "watch": the venue's ticker stream; "derive": from 1m candles; "auto" (default): watch if the venue has it. */
    ticker?: "auto" | "watch" | "derive" | false;
  };
  /** Levels per side in published order books. Default DEFAULT_ORDER_BOOK_DEPTH (50, the Order book page's deepest view). */
  orderBookDepth?: number;
  /**
   * `limit` passed to watchOrderBook: sizes the REST snapshot ccxt fetches on every (re)subscription.
   * A small one keeps its rate-limit weight (and ccxt's throttle delay for every other request) low.
   * Default on Binance venues: the smallest valid Binance depth that holds `orderBookDepth` (50); the exchange's own default elsewhere.
   */
  orderBookLimit?: number;
  holePolicy?: HolePolicy;
  backoff?: Partial<BackoffPolicy>;
  /** Randomness for backoff jitter (tests pass a seeded one). */
  random?: () => number;
  /** Venue-clock slack after a minute ends before the clock may close it. Default 2000 ms. */
  closeGraceMs?: number;
  /** Local-time slack on top: the stream usually closes the minute itself within this. Default 1500 ms. */
  closeGraceLocalMs?: number;
  /** Period of the housekeeping timer (clock-based closing, persistence flush). Default 1000 ms. */
  tickIntervalMs?: number;
  /** Consecutive failures after which a reconnecting stream reports "down" (it keeps retrying). Default 5. */
  downAfterFailures?: number;
  restLagRetries?: number;
  /** Candles per fetchOHLCV request. Default 1000. */
  pageLimit?: number;
  persistBatchSize?: number;
  /** Recent closed candles kept per symbol and timeframe for `recentCandles`. Default 1500. */
  recentLimit?: number;
  logger?: Logger;
}

interface Feed {
  symbol: string;
  sequencer: CandleSequencer;
  trackers: Map<StreamKind, StreamTracker>;
  recent: Map<Timeframe, Candle[]>;
  forming: Map<Timeframe, Candle>;
  lastTicker?: MarketTicker;
  lastBook?: OrderBook;
  warmedUp: boolean;
  /** Warm-up range (1m open times) and the newest warm-up minute delivered so far, for `warmupStatus`. */
  warmup: { from?: number; to?: number; at?: number };
  replayingStore: boolean;
  /** Local time the venue clock first showed an unclosed finished minute. */
  overdueSince?: number;
  /** 24h statistics of closed 1m candles, recomputed once per closed minute for derived tickers. */
  dayStats?: DayStats;
}

/** Levels per side kept and published when `orderBookDepth` is not set (docs/api.md issue 21, item 7). */
export const DEFAULT_ORDER_BOOK_DEPTH = 50;
/** Depth snapshot sizes Binance accepts. */
const BINANCE_DEPTH_LIMITS = [5, 10, 20, 50, 100, 500, 1000];

/**
 * Live market data over one ccxt exchange: warm-up over REST, then candles, order books, trades and
 * tickers over websockets, with reconnects, gap backfill, validation, 1m → higher timeframe
 * aggregation and batched persistence. Everything leaves through `events`.
 *
 * Guarantee: per symbol, every closed 1m candle is published exactly once, in order, without holes
 * (minutes the venue itself has no candle for follow `holePolicy`); aggregated candles close when
 * their last minute closes.
 *
 * This file holds the feeds, warm-up and candle pipeline and the housekeeping; beside it: the
 * write-behind candle queue (market-data-persistence.ts), derived tickers for venues without a
 * ticker stream (market-data-ticker.ts) and the reconnecting watch loop (market-data-streams.ts).
 */
export class MarketDataService {
  readonly events: EventBus<MarketEvents>;
  private readonly exchange: MarketExchange;
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly feeds = new Map<string, Feed>();
  private readonly aggregator: CandleAggregator;
  private readonly abort = new AbortController();
  private readonly retry: RetryOptions;
  private readonly tickerMode: "watch" | "derive" | false;
  private readonly persistQueue: CandlePersistQueue;
  private readonly streamDeps: StreamRunnerDeps;
  private observedVenueTime = Number.NEGATIVE_INFINITY;
  private housekeepingTask: ScheduledTask | undefined;
  private started = false;
  private warmups: Promise<void> | undefined;

  constructor(private readonly options: MarketDataServiceOptions) {
    // Every stream of every symbol waits on this one signal: dozens of listeners at once are expected.
    setMaxListeners(0, this.abort.signal);
    if (options.symbols.length === 0) throw new RangeError("MarketDataService needs at least one symbol");
    this.exchange = options.exchange;
    guardCcxtWebsocketSends(this.exchange);
    this.events = options.events ?? new EventBus<MarketEvents>((event, err) => this.log("error", `listener of ${event} threw: ${errorMessage(err)}`));
    this.clock = options.clock ?? systemClock;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.retry = {
      policy: this.backoff,
      random: this.random,
      signal: this.abort.signal,
      onRetry: (err, attempt, delay) => this.log("warn", `REST retry ${attempt + 1} in ${delay} ms: ${errorMessage(err)}`),
    };
    this.persistQueue = new CandlePersistQueue({
      store: options.store,
      clock: this.clock,
      backoff: this.backoff,
      random: this.random,
      batchSize: options.persistBatchSize,
      log: (level, message) => this.log(level, message),
    });
    this.streamDeps = {
      clock: this.clock,
      backoff: this.backoff,
      random: this.random,
      signal: this.abort.signal,
      downAfterFailures: options.downAfterFailures ?? 5,
      log: (level, message) => this.log(level, message),
    };
    const tickerOption = options.streams?.ticker ?? "auto";
    this.tickerMode =
      tickerOption === "auto" ? (this.exchange.has.watchTicker && this.exchange.watchTicker ? "watch" : "derive") : tickerOption;
    this.aggregator = new CandleAggregator({
      timeframes: options.timeframes ?? AGGREGATED_TIMEFRAMES,
      onClosed: (candle) => this.publishClosed(candle, "aggregated"),
      onUpdate: (candle) => {
        this.feeds.get(candle.symbol)?.forming.set(candle.timeframe, candle);
        this.events.emit("candle:update", candle);
      },
    });
    for (const symbol of new Set(options.symbols)) this.feeds.set(symbol, this.createFeed(symbol));
  }

  /**
   * Starts every stream. Resolves once each symbol's warm-up history has been published (or has failed
   * with an error retrying cannot fix: that symbol's "ohlcv" status is then "down" and it keeps trying).
   * `{ waitForWarmup: false }`: resolves once every stream has been started; the warm-up goes on in the
   * background (`warmupStatus()`, the `warmup` event per symbol, `whenWarmedUp()`).
   */
  async start(options: { waitForWarmup?: boolean } = {}): Promise<void> {
    if (this.started) throw new Error("MarketDataService already started");
    this.started = true;
    // On the injected clock (a ManualClock runs it as it advances), like every timer of the engine.
    this.housekeepingTask = repeatEvery(schedulerOf(this.clock, { unref: true }), this.clock, this.options.tickIntervalMs ?? 1000, () => this.housekeeping());
    for (const feed of this.feeds.values()) {
      if (this.options.streams?.orderbook !== false && this.exchange.watchOrderBook) this.runOrderBook(feed);
      if (this.options.streams?.trades !== false && this.exchange.watchTrades) this.runTrades(feed);
      if (this.tickerMode === "watch") this.runTicker(feed);
    }
    // Warm-up then the candle stream per symbol, at most `warmupConcurrency` warm-ups at a time (a slot
    // frees once a symbol's warm-up has settled: done, or failed and retrying on its own).
    const queue = [...this.feeds.values()];
    const nextWarmup = (): Promise<void> => {
      const feed = queue.shift();
      return feed && !this.abort.signal.aborted ? this.runCandles(feed).then(nextWarmup) : Promise.resolve();
    };
    const lanes = Math.max(1, Math.min(this.options.warmupConcurrency ?? queue.length, queue.length));
    this.warmups = Promise.all(Array.from({ length: lanes }, nextWarmup)).then(() => undefined);
    if (options.waitForWarmup !== false) await this.warmups;
  }

  /** True once `symbol`'s warm-up history has been published (its next closed candles are live); true for a symbol it does not feed. */
  isWarmedUp(symbol: string): boolean {
    return this.feeds.get(symbol)?.warmedUp ?? true;
  }

  /** Resolves once every symbol's warm-up has settled (published, or failed and retrying: see `warmupStatus`). */
  whenWarmedUp(): Promise<void> {
    return this.warmups ?? Promise.resolve();
  }

  /**
   * The warm-up phase: per symbol whether its history is complete and how far it is (0-1, by 1m open
   * time from the warm-up start to the venue's newest minute at start); `progress` is their mean.
   */
  warmupStatus(): WarmupStatus {
    const symbols = [...this.feeds.values()].map((feed) => {
      const { from, to, at } = feed.warmup;
      let progress = 0;
      if (feed.warmedUp) progress = 1;
      else if (from !== undefined && to !== undefined && at !== undefined && to > from) progress = Math.min(0.99, Math.max(0, (at - from) / (to - from)));
      return { symbol: feed.symbol, done: feed.warmedUp, progress: Math.round(progress * 1000) / 1000 };
    });
    const done = symbols.every((s) => s.done);
    const progress = symbols.length ? Math.round((symbols.reduce((sum, s) => sum + s.progress, 0) / symbols.length) * 1000) / 1000 : 1;
    return { done, progress, symbols };
  }

  /** Marks a feed's warm-up complete: from here on its closed candles are live (`warmup: false`). */
  private finishWarmup(feed: Feed): void {
    if (feed.warmedUp) return;
    feed.warmedUp = true;
    this.events.emit("warmup", { symbol: feed.symbol, at: this.clock.now() });
  }

  /**
   * Stops the streams and writes what is queued to the store. Watch calls in flight end when the owner
   * closes the exchange (`await exchange.close()`).
   */
  async stop(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.housekeepingTask?.cancel();
    for (const feed of this.feeds.values()) {
      feed.sequencer.stop();
      for (const tracker of feed.trackers.values()) tracker.stopped(this.clock.now());
    }
    this.persistQueue.clearBackoff();
    await this.flush();
  }

  /** Connection state of every (symbol, stream), with message ages as of now. */
  status(): StreamStatus[] {
    const now = this.clock.now();
    const out: StreamStatus[] = [];
    for (const feed of this.feeds.values()) for (const tracker of feed.trackers.values()) out.push(tracker.snapshot(now));
    return out;
  }

  /** The newest closed candles (oldest first), at most `limit`. */
  recentCandles(symbol: string, timeframe: Timeframe, limit?: number): Candle[] {
    const list = this.feeds.get(symbol)?.recent.get(timeframe) ?? [];
    return limit === undefined ? list.slice() : list.slice(Math.max(0, list.length - limit));
  }

  /** The forming candle of a timeframe, as last published by `candle:update`. */
  formingCandle(symbol: string, timeframe: Timeframe): Candle | undefined {
    return this.feeds.get(symbol)?.forming.get(timeframe);
  }

  lastTicker(symbol: string): MarketTicker | undefined {
    return this.feeds.get(symbol)?.lastTicker;
  }

  lastOrderBook(symbol: string): OrderBook | undefined {
    return this.feeds.get(symbol)?.lastBook;
  }

  /** Levels per side of the books this service keeps and publishes. */
  get orderBookDepth(): number {
    return this.options.orderBookDepth ?? DEFAULT_ORDER_BOOK_DEPTH;
  }

  /** True when public trades are streamed (the `trade` event): the feed's `market:trade` and the trades tape depend on it. */
  get streamsTrades(): boolean {
    return this.options.streams?.trades !== false && typeof this.exchange.watchTrades === "function";
  }

  /** Best estimate of the venue's current time (ms), undefined before anything was heard from it. */
  venueTime(): number | undefined {
    const fromClock = this.options.exchangeClock?.now();
    const t = Math.max(fromClock ?? Number.NEGATIVE_INFINITY, this.observedVenueTime);
    return Number.isFinite(t) ? t : undefined;
  }

  /** Counters of the 1m pipeline per symbol (delivered, backfilled, filled, duplicates, invalid...). */
  candleStats(): Record<string, CandleSequencer["stats"] & { nextOpenTime?: number }> {
    const out: Record<string, CandleSequencer["stats"] & { nextOpenTime?: number }> = {};
    for (const feed of this.feeds.values()) out[feed.symbol] = { ...feed.sequencer.stats, nextOpenTime: feed.sequencer.nextOpenTime };
    return out;
  }

  /** Resolves when no backfill is running (tests, orderly shutdown). */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.feeds.values()].map((feed) => feed.sequencer.whenIdle()));
  }

  /** Writes queued closed candles to the store now. */
  flush(): Promise<void> {
    return this.persistQueue.flush();
  }

  // ---------------------------------------------------------------------------------------------
  // Candles

  private createFeed(symbol: string): Feed {
    const trackers = new Map<StreamKind, StreamTracker>();
    const now = this.clock.now();
    const onChange = (status: StreamStatus) => this.events.emit("status", status);
    trackers.set("ohlcv", new StreamTracker(symbol, "ohlcv", now, onChange));
    if (this.options.streams?.orderbook !== false && this.exchange.watchOrderBook) {
      trackers.set("orderbook", new StreamTracker(symbol, "orderbook", now, onChange));
    }
    if (this.options.streams?.trades !== false && this.exchange.watchTrades) {
      trackers.set("trades", new StreamTracker(symbol, "trades", now, onChange));
    }
    if (this.tickerMode === "watch") trackers.set("ticker", new StreamTracker(symbol, "ticker", now, onChange));
    // The sequencer's callbacks run only after the feed exists, so they may close over it.
    const sequencer: CandleSequencer = new CandleSequencer({
      symbol,
      fetchClosedRange: (from, until, signal) =>
        fetchClosedCandles(this.exchange, {
          symbol,
          timeframe: "1m",
          since: from,
          until,
          closedBy: until,
          pageLimit: this.options.pageLimit ?? DEFAULT_PAGE_LIMIT,
          retry: { ...this.retry, signal },
          onInvalid: (row, reason) => this.reportInvalid({ kind: "candle", symbol, origin: "rest", reason, item: row, action: "dropped" }),
        }),
      deliver: (candle, source) => this.onClosedMinute(feed, candle, source),
      onForming: (candle, caughtUp) => this.onFormingMinute(feed, candle, caughtUp),
      onSkipped: (until) => this.aggregator.closeThrough(symbol, until),
      onInvalid: (report) => this.reportInvalid(report),
      onStale: (report) => this.events.emit("stale", report),
      onBackfill: (report) => {
        this.log("info", `${symbol}: backfilled ${report.fetched} candles (${report.reason})`);
        this.events.emit("backfill", report);
      },
      onBackfillError: (err) => this.log("warn", `${symbol}: backfill failed, retrying: ${errorMessage(err)}`),
      holePolicy: this.options.holePolicy ?? "fill-flat",
      backoff: this.backoff,
      random: this.random,
      restLagRetries: this.options.restLagRetries ?? 3,
    });
    const feed: Feed = { symbol, sequencer, trackers, recent: new Map(), forming: new Map(), warmedUp: false, warmup: {}, replayingStore: false };
    return feed;
  }

  /** Warm-up, then the candle stream, for one symbol. Resolves once warm-up has settled. */
  private runCandles(feed: Feed): Promise<void> {
    const tracker = feed.trackers.get("ohlcv") as StreamTracker;
    return new Promise<void>((settled) => {
      const run = async () => {
        try {
          // Until it succeeds or the service stops (core/retry.ts's loop, the market backoff).
          await retry(() => this.warmUp(feed), {
            policy: toRetryPolicy(this.backoff),
            signal: this.abort.signal,
            sleep: (ms, signal) => sleep(ms, signal).catch(() => undefined),
            shouldRetry: (err) => !(err instanceof AbortedError),
            delay: (_computed, _err, retryNumber) => backoffDelay(retryNumber - 1, this.backoff, this.random),
            onRetry: (err) => {
              tracker.failed(this.clock.now(), `warm-up: ${errorMessage(err)}`, 1, true);
              this.log("error", `${feed.symbol}: warm-up failed: ${errorMessage(err)}`);
              settled();
            },
          });
        } catch {
          return settled();
        }
        settled();
        if (this.abort.signal.aborted || !this.exchange.watchOHLCV) {
          if (!this.exchange.watchOHLCV) tracker.failed(this.clock.now(), "venue has no watchOHLCV", 1, true);
          return;
        }
        const watch = this.exchange.watchOHLCV.bind(this.exchange);
        await this.runStream(
          feed,
          "ohlcv",
          () => watch(feed.symbol, "1m"),
          (rows) => {
            const newest = rows.length > 0 ? rows[rows.length - 1]?.[0] : undefined;
            if (typeof newest === "number" && newest > this.observedVenueTime) this.observedVenueTime = newest;
            feed.sequencer.onStreamBatch(rows);
            return undefined;
          },
          () => feed.sequencer.onSubscribed(),
        );
      };
      run().catch((err) => this.log("error", `${feed.symbol}: candle stream stopped: ${errorMessage(err)}`));
    });
  }

  private async warmUp(feed: Feed): Promise<void> {
    const { symbol } = feed;
    const latest = await withRetry(() => this.exchange.fetchOHLCV(symbol, "1m", undefined, 1), this.retry);
    const latestOpen = latest?.[latest.length - 1]?.[0];
    if (typeof latestOpen !== "number" || !Number.isFinite(latestOpen)) {
      // No history at all (a new listing): the series starts with the first streamed candle.
      this.finishWarmup(feed);
      return;
    }
    if (latestOpen > this.observedVenueTime) this.observedVenueTime = latestOpen;
    const warmupMinutes = this.options.warmupMinutes ?? 1440;
    const warmStart = periodStart(latestOpen - warmupMinutes * MINUTE_MS, "1d");
    feed.warmup = { from: warmStart, to: latestOpen, at: feed.warmup.at };
    this.aggregator.seed(symbol, warmStart);

    const restFrom = await this.replayStore(feed, warmStart, latestOpen);
    const pages = fetchCandlePages(this.exchange, {
      symbol,
      timeframe: "1m",
      since: restFrom,
      pageLimit: this.options.pageLimit ?? DEFAULT_PAGE_LIMIT,
      retry: this.retry,
      onInvalid: (row, reason) => this.reportInvalid({ kind: "candle", symbol, origin: "rest", reason, item: row, action: "dropped" }),
    });
    for await (const page of pages) {
      feed.sequencer.deliverHistory(page, "warmup");
      // Let the streams and the HTTP server in between pages (a background warm-up must not stall them).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.finishWarmup(feed);
  }

  /** Publishes the stored candles from `warmStart` on while they are contiguous; returns where REST takes over. */
  private async replayStore(feed: Feed, warmStart: number, latestOpen: number): Promise<number> {
    const store = this.options.store;
    if (!store) return warmStart;
    const { symbol } = feed;
    const storedLatest = await store.latestOpenTime(symbol, "1m");
    if (storedLatest === undefined || storedLatest < warmStart) return warmStart;
    const end = Math.min(storedLatest, latestOpen - MINUTE_MS) + MINUTE_MS;
    let cursor = warmStart;
    let previous: number | undefined;
    feed.replayingStore = true;
    try {
      while (cursor < end) {
        const page = await store.loadRange(symbol, "1m", cursor, end, 2000);
        if (page.length === 0) break;
        for (const candle of page) {
          const expected = previous === undefined ? warmStart : previous + MINUTE_MS;
          const problem = candleProblem(candle) ?? sequenceProblem(previous, candle.openTime);
          if (problem) {
            this.reportInvalid({ kind: "candle", symbol, origin: "store", reason: problem, item: candle, action: "refetched from REST" });
            return expected;
          }
          // A hole in the store: REST fills in from there.
          if (candle.openTime !== expected) return expected;
          feed.sequencer.deliverHistory([{ ...candle, closed: true }], "warmup");
          previous = candle.openTime;
        }
        cursor = (previous ?? cursor) + MINUTE_MS;
      }
    } finally {
      feed.replayingStore = false;
    }
    return previous === undefined ? warmStart : previous + MINUTE_MS;
  }

  private onClosedMinute(feed: Feed, candle: Candle, source: CandleSource): void {
    if (!feed.warmedUp) feed.warmup.at = candle.openTime;
    this.publishClosed(candle, source, feed);
    this.aggregator.addClosed(candle);
    if (this.tickerMode === "derive") this.updateDayStats(feed);
  }

  private publishClosed(candle: Candle, source: CandleSource, knownFeed?: Feed): void {
    const feed = knownFeed ?? this.feeds.get(candle.symbol);
    if (!feed) return;
    let recent = feed.recent.get(candle.timeframe);
    if (!recent) {
      recent = [];
      feed.recent.set(candle.timeframe, recent);
    }
    recent.push(candle);
    const limit = this.options.recentLimit ?? 1500;
    if (recent.length > limit * 2) recent.splice(0, recent.length - limit);
    const forming = feed.forming.get(candle.timeframe);
    if (forming && forming.openTime <= candle.openTime) feed.forming.delete(candle.timeframe);
    if (source !== "filled" && !feed.replayingStore && this.persistQueue.enabled) this.persistQueue.push(candle);
    this.events.emit("candle", { candle, source, warmup: !feed.warmedUp });
  }

  private onFormingMinute(feed: Feed, candle: Candle, caughtUp: boolean): void {
    feed.forming.set("1m", candle);
    this.events.emit("candle:update", candle);
    if (caughtUp) this.aggregator.updateForming(candle);
    if (this.tickerMode === "derive") this.publishDerivedTicker(feed, candle);
  }

  // ---------------------------------------------------------------------------------------------
  // Derived tickers (venues without a ticker stream)

  private updateDayStats(feed: Feed): void {
    const stats = dayStatsOf(feed.recent.get("1m"));
    if (stats) feed.dayStats = stats;
  }

  private publishDerivedTicker(feed: Feed, forming: Candle): void {
    const ticker = derivedTicker(feed.symbol, forming, feed.dayStats, this.venueTime());
    feed.lastTicker = ticker;
    this.events.emit("ticker", ticker);
  }

  // ---------------------------------------------------------------------------------------------
  // Order books, trades, tickers

  private runOrderBook(feed: Feed): void {
    const watch = (this.exchange.watchOrderBook as NonNullable<MarketExchange["watchOrderBook"]>).bind(this.exchange);
    const depth = this.orderBookDepth;
    const limit = this.options.orderBookLimit ?? (this.exchange.id.startsWith("binance") ? BINANCE_DEPTH_LIMITS.find((l) => l >= depth) ?? 1000 : undefined);
    void this.runStream(
      feed,
      "orderbook",
      () => watch(feed.symbol, limit),
      (raw) => {
        const result = orderBookFromCcxt(raw, feed.symbol, depth);
        if (!result.book) {
          this.reportInvalid({ kind: "orderbook", symbol: feed.symbol, origin: "stream", reason: result.problem, item: summarizeBook(raw), action: "dropped" });
          return undefined;
        }
        const latency = this.observe(result.book.timestamp || undefined);
        feed.lastBook = result.book;
        this.events.emit("orderbook", result.book);
        return latency;
      },
    );
  }

  private runTrades(feed: Feed): void {
    const watch = (this.exchange.watchTrades as NonNullable<MarketExchange["watchTrades"]>).bind(this.exchange);
    void this.runStream(
      feed,
      "trades",
      () => watch(feed.symbol),
      (trades) => {
        let latency: number | undefined;
        for (const raw of trades) {
          const result = tradeFromCcxt(raw, feed.symbol);
          if (!result.trade) {
            this.reportInvalid({ kind: "trade", symbol: feed.symbol, origin: "stream", reason: result.problem, item: raw?.info ?? raw, action: "dropped" });
            continue;
          }
          latency = this.observe(result.trade.timestamp);
          this.events.emit("trade", result.trade);
        }
        return latency;
      },
    );
  }

  private runTicker(feed: Feed): void {
    const watch = (this.exchange.watchTicker as NonNullable<MarketExchange["watchTicker"]>).bind(this.exchange);
    void this.runStream(
      feed,
      "ticker",
      () => watch(feed.symbol),
      (raw) => {
        const result = tickerFromCcxt(raw, feed.symbol);
        if (!result.ticker) {
          this.reportInvalid({ kind: "ticker", symbol: feed.symbol, origin: "stream", reason: result.problem, item: raw?.info ?? raw, action: "dropped" });
          return undefined;
        }
        const latency = this.observe(result.ticker.timestamp);
        feed.lastTicker = result.ticker;
        this.events.emit("ticker", result.ticker);
        return latency;
      },
    );
  }

  /** Notes a venue timestamp; returns the message latency when the venue clock is known. */
  private observe(venueTimestamp: number | undefined): number | undefined {
    if (venueTimestamp === undefined) return undefined;
    if (venueTimestamp > this.observedVenueTime) this.observedVenueTime = venueTimestamp;
    // A VenueClock (venue-clock.ts) knows the offset and the speed: latency in real ms, never negative.
    const venueClock = this.options.exchangeClock as (Clock & { latencyOf?(venueTimestamp: number): number }) | undefined;
    if (!venueClock) return undefined;
    return venueClock.latencyOf ? venueClock.latencyOf(venueTimestamp) : Math.max(0, venueClock.now() - venueTimestamp);
  }

  /** One reconnecting watch loop of a feed's stream (market-data-streams.ts). */
  private runStream<T>(
    feed: Feed,
    kind: StreamKind,
    watch: () => Promise<T>,
    handle: (data: T) => number | undefined,
    onSubscribe?: () => void,
  ): Promise<void> {
    const tracker = feed.trackers.get(kind) as StreamTracker;
    return runWatchLoop(this.streamDeps, { symbol: feed.symbol, kind, tracker }, watch, handle, onSubscribe);
  }

  // ---------------------------------------------------------------------------------------------
  // Housekeeping

  private housekeeping(): void {
    const now = this.clock.now();
    const venueNow = this.venueTime();
    if (venueNow !== undefined) {
      const boundary = periodStart(venueNow - (this.options.closeGraceMs ?? 2000), "1m");
      const graceLocal = this.options.closeGraceLocalMs ?? 1500;
      for (const feed of this.feeds.values()) {
        if (!feed.warmedUp || feed.sequencer.nextOpenTime === undefined || boundary <= feed.sequencer.closedBefore) {
          feed.overdueSince = undefined;
          continue;
        }
        if (feed.overdueSince === undefined) feed.overdueSince = now;
        else if (now - feed.overdueSince >= graceLocal) {
          feed.overdueSince = undefined;
          feed.sequencer.closeBy(boundary);
        }
      }
    }
    this.persistQueue.tick(now);
  }

  private reportInvalid(report: InvalidDataReport): void {
    this.events.emit("invalid", report);
  }

  private log(level: "info" | "warn" | "error", message: string): void {
    this.options.logger?.[level]({ venue: this.exchange.id }, message);
  }
}

function summarizeBook(raw: unknown): unknown {
  if (!raw || typeof raw !== "object") return raw;
  const book = raw as { bids?: unknown[]; asks?: unknown[]; timestamp?: unknown };
  return {
    timestamp: book.timestamp,
    bids: Array.isArray(book.bids) ? book.bids.slice(0, 3) : book.bids,
    asks: Array.isArray(book.asks) ? book.asks.slice(0, 3) : book.asks,
  };
}
