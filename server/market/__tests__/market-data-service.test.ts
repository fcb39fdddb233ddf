import { BadSymbol, NetworkError, RateLimitExceeded, RequestTimeout, type OrderBook as CcxtOrderBook, type Ticker, type Trade } from "ccxt";
import { describe, expect, it } from "vitest";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../../model/types";
import { InMemoryCandleStore } from "../candle-store";
import { MarketDataService, type MarketDataServiceOptions } from "../market-data-service";
import type { BackfillReport, CandleEvent, InvalidDataReport, MarketTicker, MarketTrade, StreamStatus } from "../types";
import type { OrderBook } from "../../model/types";
import { FakeExchange, FakeVenue, MINUTE, seededRandom } from "./fake-exchange";

const DAY = 86_400_000;
const HISTORY_START = Date.UTC(2024, 0, 1);
const RUN_START = HISTORY_START + DAY + 30 * MINUTE; // 2024-01-02 00:30 UTC

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const FAST: Partial<MarketDataServiceOptions> = {
  backoff: { initialMs: 1, maxMs: 8, factor: 2, jitter: 0.5, rateLimitedMinMs: 4 },
  tickIntervalMs: 5,
  closeGraceLocalMs: 25,
  restLagRetries: 1,
};

function collect(service: MarketDataService) {
  const closed: CandleEvent[] = [];
  const invalid: InvalidDataReport[] = [];
  const stale: InvalidDataReport[] = [];
  const backfills: BackfillReport[] = [];
  const statuses: StreamStatus[] = [];
  const updates: Candle[] = [];
  service.events.on("candle", (e) => closed.push(e));
  service.events.on("invalid", (e) => invalid.push(e));
  service.events.on("stale", (e) => stale.push(e));
  service.events.on("backfill", (e) => backfills.push(e));
  service.events.on("status", (e) => statuses.push(e));
  service.events.on("candle:update", (e) => updates.push(e));
  const minutes = (symbol: string) => closed.filter((e) => e.candle.symbol === symbol && e.candle.timeframe === "1m").map((e) => e.candle);
  const ofTimeframe = (symbol: string, tf: Timeframe) =>
    closed.filter((e) => e.candle.symbol === symbol && e.candle.timeframe === tf).map((e) => e.candle);
  return { closed, invalid, stale, backfills, statuses, updates, minutes, ofTimeframe };
}

/** The venue's truth, with holes filled flat from the previous close (holePolicy "fill-flat"). */
function expectedMinutes(venue: FakeVenue, symbol: string, from: number, to: number): Candle[] {
  const out: Candle[] = [];
  let previous: Candle | undefined;
  for (let t = from; t < to; t += MINUTE) {
    const [real] = venue.closedCandles(symbol, t, t + MINUTE);
    if (real) out.push(real);
    else if (previous) out.push({ ...previous, openTime: t, open: previous.close, high: previous.close, low: previous.close, volume: 0 });
    if (out.length) previous = out[out.length - 1];
  }
  return out;
}

/** Independent resampling of a 1m series (group by UTC bucket), complete buckets only. */
function resample(minutes: Candle[], tf: Timeframe, seriesStart: number): Candle[] {
  const groups = new Map<number, Candle[]>();
  for (const c of minutes) {
    const start = Math.floor(c.openTime / TIMEFRAME_MS[tf]) * TIMEFRAME_MS[tf];
    if (start < seriesStart) continue;
    groups.set(start, [...(groups.get(start) ?? []), c]);
  }
  const last = minutes[minutes.length - 1].openTime;
  return [...groups.entries()]
    .filter(([start]) => start + TIMEFRAME_MS[tf] <= last + MINUTE)
    .map(([start, g]) => ({
      symbol: g[0].symbol,
      timeframe: tf,
      openTime: start,
      open: g[0].open,
      high: Math.max(...g.map((c) => c.high)),
      low: Math.min(...g.map((c) => c.low)),
      close: g[g.length - 1].close,
      volume: g.reduce((s, c) => s + c.volume, 0),
      closed: true,
    }));
}

function expectSameCandles(actual: Candle[], expected: Candle[]) {
  expect(actual.map((c) => c.openTime)).toEqual(expected.map((c) => c.openTime));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    expect([a.open, a.high, a.low, a.close]).toEqual([e.open, e.high, e.low, e.close]);
    expect(a.volume).toBeCloseTo(e.volume, 9);
    expect(a.closed).toBe(true);
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Runs the venue with the stream publishing every step; `faults` may break things at each step. */
async function drive(exchange: FakeExchange, minutes: number, faults?: (step: number) => void) {
  const steps = minutes * exchange.venue.updatesPerMinute;
  for (let step = 0; step < steps; step++) {
    exchange.venue.advanceStep();
    faults?.(step);
    exchange.publishCurrent();
    await settle();
    if (step % 8 === 0) await sleep(1);
  }
}

async function finish(exchange: FakeExchange, service: MarketDataService, symbols: readonly string[]) {
  // A clean tail: the stream must come back and close everything before the forming minute.
  await waitFor(() => {
    exchange.venue.advanceStep();
    exchange.publishCurrent();
    const stats = service.candleStats();
    return symbols.every((s) => stats[s].nextOpenTime === exchange.venue.currentMinute && exchange.isConnected(s));
  }, "the service to catch up");
  await service.whenIdle();
}

describe("market data service over a flaky ccxt-like exchange", () => {
  it("warm-up then live: a quiet session delivers every closed minute once, from the stream without REST", async () => {
    const venue = new FakeVenue(["BTC/USDT"], HISTORY_START, RUN_START, 1);
    const exchange = new FakeExchange(venue);
    const service = new MarketDataService({ exchange, symbols: ["BTC/USDT"], warmupMinutes: 10, random: seededRandom(1), ...FAST });
    const seen = collect(service);
    await service.start();
    const warmupEnd = seen.minutes("BTC/USDT").length;
    expect(warmupEnd).toBe(30); // 00:00 → 00:29, the warm-up start rounded down to the UTC day
    const restCallsAfterWarmup = exchange.restCalls;

    await drive(exchange, 60);
    await finish(exchange, service, ["BTC/USDT"]);
    await service.stop();

    const delivered = seen.minutes("BTC/USDT");
    expectSameCandles(delivered, expectedMinutes(venue, "BTC/USDT", HISTORY_START + DAY, venue.currentMinute));
    expect(seen.closed.filter((e) => e.candle.timeframe === "1m" && !e.warmup).every((e) => e.source === "stream")).toBe(true);
    expect(exchange.restCalls).toBe(restCallsAfterWarmup);
    expect(seen.invalid).toEqual([]);
    expect(seen.statuses.some((s) => s.stream === "ohlcv" && s.state === "live")).toBe(true);
    // Forming updates of the 1m and of the higher timeframes were streamed.
    expect(seen.updates.some((c) => c.timeframe === "1m" && !c.closed)).toBe(true);
    expect(seen.updates.some((c) => c.timeframe === "1h" && !c.closed)).toBe(true);
  });

  it.each([
    { name: "venue clock known", withClock: true, seed: 7 },
    { name: "venue clock inferred from messages", withClock: false, seed: 11 },
  ])(
    "several hundred minutes of drops, refused reconnects, 5xx bursts, skipped and duplicate and corrupt updates, venue holes: every minute exactly once, in order ($name)",
    async ({ withClock, seed }) => {
      const symbols = ["BTC/USDT", "ETH/USDT"];
      const venue = new FakeVenue(symbols, HISTORY_START, RUN_START, seed);
      const exchange = new FakeExchange(venue);
      const store = new InMemoryCandleStore();
      const service = new MarketDataService({
        exchange,
        symbols,
        store,
        warmupMinutes: 20,
        exchangeClock: withClock ? venue.clock : undefined,
        random: seededRandom(seed),
        persistBatchSize: 50,
        ...FAST,
      });
      const seen = collect(service);
      await service.start();

      const chaos = seededRandom(seed * 31);
      const pick = () => symbols[Math.floor(chaos() * symbols.length)];
      const faultCounts = { drops: 0, refused: 0, rest5xx: 0, skips: 0, duplicates: 0, corrupt: 0, holes: 0, restCorrupt: 0 };
      // Random faults, plus each kind once on a fixed step so every run exercises all of them.
      const forced = [0.01, 0.017, 0.025, 0.035, 0.05, 0.06, 0.067, 0.072];
      // Forced steps fall on a minute's last update (drive advances the venue before faults run).
      await drive(exchange, 400, (step) => {
        const forcedIndex = (step - 102) / 40;
        const r = Number.isInteger(forcedIndex) && forcedIndex >= 0 && forcedIndex < forced.length ? forced[forcedIndex] : chaos();
        const now = venue.currentMinute;
        if (r < 0.015) {
          exchange.dropConnection(pick());
          faultCounts.drops++;
        } else if (r < 0.02) {
          const s = pick();
          exchange.dropConnection(s);
          exchange.failWatches(s, 1 + Math.floor(chaos() * 4));
          faultCounts.refused++;
        } else if (r < 0.03) {
          exchange.failNextRest += 1 + Math.floor(chaos() * 5);
          exchange.restErrorFactory = chaos() < 0.5 ? () => new RequestTimeout("fake timeout") : () => new RateLimitExceeded("fake 429");
          faultCounts.rest5xx++;
        } else if (r < 0.04) {
          exchange.streamSkips.get(pick())?.add(now + MINUTE); // the next minute never appears on the stream
          faultCounts.skips++;
        } else if (r < 0.055) {
          const s = pick();
          const t = now - MINUTE * (1 + Math.floor(chaos() * 3));
          const old = venue.candleNow(s, t);
          // A resent closed candle (never one the stream skipped: that would be news, not a duplicate).
          if (old && !exchange.streamSkips.get(s)?.has(t)) exchange.publish(s, old);
          faultCounts.duplicates++;
        } else if (r < 0.065) {
          // A corrupt message replaces the next update; on a minute's last step it hides the final values.
          exchange.replaceNextUpdate(pick(), (t) => [t, Number.NaN, 1, 1, 1, 1]);
          faultCounts.corrupt++;
        } else if (r < 0.07) {
          venue.holes.get(pick())?.add(now + MINUTE); // the venue will have no candle for the next minute
          faultCounts.holes++;
        } else if (r < 0.075) {
          // REST will serve a corrupt row for the next minute; the stream must also skip it so REST is asked.
          const s = pick();
          exchange.restCorrupt.get(s)?.add(now + MINUTE);
          exchange.streamSkips.get(s)?.add(now + MINUTE);
          faultCounts.restCorrupt++;
        }
      });
      exchange.failNextRest = 0;
      await finish(exchange, service, symbols);
      await service.stop();

      for (const [fault, count] of Object.entries(faultCounts)) expect(count, fault).toBeGreaterThan(0);
      for (const symbol of symbols) {
        const delivered = seen.minutes(symbol);
        // A minute REST served corrupt and the stream never sent is a hole to the service: filled flat.
        const corrupt = exchange.restCorrupt.get(symbol) as Set<number>;
        for (const t of corrupt) venue.holes.get(symbol)?.add(t);
        const expected = expectedMinutes(venue, symbol, HISTORY_START + DAY, venue.currentMinute);
        expect(delivered.length).toBeGreaterThan(400);
        expectSameCandles(delivered, expected);
        const sources = new Set(seen.closed.filter((e) => e.candle.symbol === symbol && e.candle.timeframe === "1m").map((e) => e.source));
        expect(sources).toEqual(new Set(["warmup", "stream", "backfill", "filled"]));

        // Aggregated timeframes agree with an independent group-by of the delivered minutes.
        for (const tf of ["5m", "15m", "1h"] as const) {
          expectSameCandles(seen.ofTimeframe(symbol, tf), resample(delivered, tf, HISTORY_START + DAY));
        }
        // Everything closed reached the store, except the flat fills.
        const stored = await store.loadRange(symbol, "1m", 0, Number.MAX_SAFE_INTEGER);
        expect(stored.map((c) => c.openTime)).toEqual(
          seen.closed.filter((e) => e.candle.symbol === symbol && e.candle.timeframe === "1m" && e.source !== "filled").map((e) => e.candle.openTime),
        );
        expect(await store.latestOpenTime(symbol, "1h")).toBe(seen.ofTimeframe(symbol, "1h").at(-1)?.openTime);
      }
      expect(seen.stale.some((r) => r.reason.includes("duplicate"))).toBe(true);
      expect(seen.invalid.some((r) => r.reason.includes("duplicate") || r.reason.includes("late update"))).toBe(false);
      expect(seen.invalid.some((r) => r.origin === "stream" && r.reason.includes("open NaN"))).toBe(true);
      expect(seen.invalid.some((r) => r.origin === "rest" && r.reason.includes("low"))).toBe(true);
      expect(seen.backfills.some((b) => b.filled > 0)).toBe(true);
      expect(seen.statuses.some((s) => s.state === "reconnecting")).toBe(true);
      expect(service.status().every((s) => s.state === "down")).toBe(true); // stopped
    },
    60_000,
  );

  it("a restart resumes from the store: stored minutes are replayed, only the rest is fetched", async () => {
    const venue = new FakeVenue(["BTC/USDT"], HISTORY_START, RUN_START, 3);
    const exchange = new FakeExchange(venue);
    const store = new InMemoryCandleStore();
    await store.saveClosed(venue.closedCandles("BTC/USDT", HISTORY_START + DAY, HISTORY_START + DAY + 20 * MINUTE));
    const service = new MarketDataService({ exchange, symbols: ["BTC/USDT"], store, warmupMinutes: 10, ...FAST });
    const seen = collect(service);
    await service.start();
    await service.stop();
    expectSameCandles(seen.minutes("BTC/USDT"), expectedMinutes(venue, "BTC/USDT", HISTORY_START + DAY, RUN_START));
    // One request for the latest candle, one page from 00:20, one empty page after it.
    expect(exchange.restCalls).toBe(3);
    expect(store.count("BTC/USDT", "1m")).toBe(30);
  });

  it("a stream that stays down: minutes are still closed over REST by the venue clock, and the status says down", async () => {
    const venue = new FakeVenue(["BTC/USDT"], HISTORY_START, RUN_START, 5);
    const exchange = new FakeExchange(venue);
    const service = new MarketDataService({
      exchange,
      symbols: ["BTC/USDT"],
      warmupMinutes: 10,
      exchangeClock: venue.clock,
      downAfterFailures: 3,
      ...FAST,
    });
    const seen = collect(service);
    exchange.failWatches("BTC/USDT", 1_000_000);
    await service.start();
    // 21 quarter-minutes: the venue clock ends 15 s into a minute, past the 2 s grace of the one before.
    for (let i = 0; i < 21; i++) {
      venue.advanceStep();
      await sleep(8);
    }
    await waitFor(() => service.candleStats()["BTC/USDT"].nextOpenTime === venue.currentMinute, "REST closes");
    await service.stop();
    expectSameCandles(seen.minutes("BTC/USDT"), expectedMinutes(venue, "BTC/USDT", HISTORY_START + DAY, venue.currentMinute));
    expect(seen.backfills.map((b) => b.reason)).toContain("closed by the exchange clock");
    const downs = seen.statuses.filter((s) => s.stream === "ohlcv" && s.state === "down");
    expect(downs.length).toBeGreaterThan(0);
    expect(downs[0].lastError).toContain("connection refused");
    expect(downs[0].failures).toBe(3);
  });
});

/** A watch method fed by the test: each call takes the next pushed item (or error), waiting if none. */
class ScriptedStream<T> {
  private readonly queue: (T | Error)[] = [];
  private waiter?: (item: T | Error) => void;
  calls = 0;
  push(item: T | Error): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(item);
    } else this.queue.push(item);
  }
  async next(): Promise<T> {
    this.calls++;
    const item = this.queue.length > 0 ? this.queue.shift() : await new Promise<T | Error>((resolve) => (this.waiter = resolve));
    if (item instanceof Error) throw item;
    return item as T;
  }
}

class FullFakeExchange extends FakeExchange {
  readonly books = new ScriptedStream<CcxtOrderBook>();
  readonly trades = new ScriptedStream<Trade[]>();
  readonly tickers = new ScriptedStream<Ticker>();
  constructor(venue: FakeVenue) {
    super(venue);
    this.has = { ...this.has, watchOrderBook: true, watchTrades: true, watchTicker: true };
  }
  watchOrderBook(): Promise<CcxtOrderBook> {
    return this.books.next();
  }
  watchTrades(): Promise<Trade[]> {
    return this.trades.next();
  }
  watchTicker(): Promise<Ticker> {
    return this.tickers.next();
  }
}

const rawBook = (bid: number, ask: number, timestamp: number) =>
  ({ bids: [[bid, 1], [bid - 1, 2]], asks: [[ask, 1], [ask + 1, 2]], timestamp, symbol: "BTC/USDT" }) as unknown as CcxtOrderBook;

describe("order books, trades and tickers", () => {
  it("publishes sound messages, reports and drops malformed ones without losing the stream", async () => {
    const venue = new FakeVenue(["BTC/USDT"], HISTORY_START, RUN_START, 2);
    const exchange = new FullFakeExchange(venue);
    const service = new MarketDataService({ exchange, symbols: ["BTC/USDT"], warmupMinutes: 5, exchangeClock: venue.clock, ...FAST });
    const seen = collect(service);
    const books: OrderBook[] = [];
    const trades: MarketTrade[] = [];
    const tickers: MarketTicker[] = [];
    service.events.on("orderbook", (b) => books.push(b));
    service.events.on("trade", (t) => trades.push(t));
    service.events.on("ticker", (t) => tickers.push(t));
    await service.start();

    const now = venue.now;
    exchange.books.push(rawBook(100, 101, now - 40));
    exchange.books.push(rawBook(102, 101, now)); // crossed
    exchange.books.push({ ...rawBook(100, 101, now), bids: [[Number.NaN, 1]] } as unknown as CcxtOrderBook);
    exchange.books.push(new NetworkError("fake: depth socket closed"));
    exchange.books.push(rawBook(99, 100, now));
    exchange.trades.push([
      { id: "a", price: 100.5, amount: 0.1, timestamp: now - 10, side: "sell" } as Trade,
      { id: "b", price: Number.NaN, amount: 0.1, timestamp: now, side: "buy" } as Trade,
      { id: "c", price: 100.6, amount: 0.2, timestamp: now, side: "buy" } as Trade,
    ]);
    exchange.tickers.push({ symbol: "BTC/USDT", last: 100.6, open: 95, high: 104, low: 94, timestamp: now, baseVolume: 12 } as Ticker);
    exchange.tickers.push({ symbol: "BTC/USDT", last: -1, timestamp: now } as Ticker);
    await waitFor(() => books.length === 2 && trades.length === 2 && tickers.length === 1 && exchange.tickers.calls >= 3, "stream messages");
    await service.stop();

    expect(books.map((b) => [b.bids[0].price, b.asks[0].price])).toEqual([[100, 101], [99, 100]]);
    expect(trades.map((t) => t.id)).toEqual(["a", "c"]);
    expect(tickers[0]).toMatchObject({ last: 100.6, open24h: 95, change24h: expect.closeTo(5.6, 9), source: "venue" });
    expect(seen.invalid.map((r) => `${r.kind}: ${r.reason}`)).toEqual(
      expect.arrayContaining([
        "orderbook: crossed book: best bid 102 >= best ask 101",
        "orderbook: bid level 0 price NaN is not a finite positive number",
        "trade: price NaN is not a finite positive number",
        "ticker: last price -1 is not a finite positive number",
      ]),
    );
    expect(service.lastOrderBook("BTC/USDT")?.bids[0].price).toBe(99);
    const bookStatus = seen.statuses.filter((s) => s.stream === "orderbook").map((s) => s.state);
    expect(bookStatus).toEqual(expect.arrayContaining(["live", "reconnecting"]));
    expect(bookStatus.lastIndexOf("live")).toBeGreaterThan(bookStatus.indexOf("reconnecting"));
    const live = seen.statuses.filter((s) => s.stream === "orderbook" && s.state === "live");
    expect(live[0].latencyMs).toBe(40); // venue clock minus the book's timestamp
    expect(live.at(-1)?.reconnects).toBe(1);
  });

  it("a bad symbol is reported down without retrying fast, and does not stop the other streams", async () => {
    const venue = new FakeVenue(["BTC/USDT"], HISTORY_START, RUN_START, 4);
    const exchange = new FullFakeExchange(venue);
    const service = new MarketDataService({ exchange, symbols: ["BTC/USDT"], warmupMinutes: 5, ...FAST, backoff: { ...FAST.backoff, maxMs: 60_000 } });
    const seen = collect(service);
    exchange.tickers.push(new BadSymbol("fake: unknown symbol"));
    await service.start();
    await drive(exchange, 3);
    await service.stop();
    const ticker = seen.statuses.filter((s) => s.stream === "ticker");
    expect(ticker.find((s) => s.state === "down")).toMatchObject({ lastError: "fake: unknown symbol" });
    expect(exchange.tickers.calls).toBe(1);
    expect(seen.minutes("BTC/USDT").length).toBeGreaterThan(30);
  });

  it("derives tickers from candles when the venue has no ticker stream", async () => {
    const venue = new FakeVenue(["BTC/USDT"], HISTORY_START, RUN_START, 6);
    const exchange = new FakeExchange(venue);
    const service = new MarketDataService({ exchange, symbols: ["BTC/USDT"], warmupMinutes: 1440, ...FAST });
    const tickers: MarketTicker[] = [];
    service.events.on("ticker", (t) => tickers.push(t));
    await service.start();
    await drive(exchange, 2);
    const forming = venue.candleNow("BTC/USDT", venue.currentMinute) as number[];
    await waitFor(() => tickers.at(-1)?.last === forming[4], "the last update to be processed");
    await service.stop();
    const last = tickers.at(-1) as MarketTicker;
    const day = venue.closedCandles("BTC/USDT", venue.currentMinute - 1440 * MINUTE, venue.currentMinute);
    expect(last.source).toBe("derived");
    expect(last.last).toBe(forming[4]);
    expect(last.open24h).toBe(day[1].open); // the rolling window: the oldest minute of the last 1440 incl. the forming one
    expect(last.changePct24h).toBeCloseTo(((forming[4] - day[1].open) / day[1].open) * 100, 9);
    expect(last.high24h).toBe(Math.max(...day.slice(1).map((c) => c.high), forming[2]));
  });
});
