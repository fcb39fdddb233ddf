import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Candle, OrderBook } from "../../model/types";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { InMemoryCandleStore } from "../candle-store";
import { createExchange } from "../exchange";
import { MarketDataService } from "../market-data-service";
import { fetchClosedCandles } from "../rest-history";
import type { BackfillReport, CandleEvent, InvalidDataReport, MarketTrade, StreamStatus } from "../types";
import { seededRandom } from "./fake-exchange";

/**
 * ccxt's real binance class (REST + websocket) against the built-in simulator on loopback, with the
 * simulator's faults switched on: websocket drops and bursts of HTTP 5xx and 429. The simulator runs
 * on a manual clock moved 15 simulated seconds at a time, several hundred minutes in a few seconds.
 */
const MINUTE = 60_000;
const START = Date.UTC(2024, 4, 6, 10, 0);
const SYMBOLS = ["BTC/USDT", "ETH/USDT"];
const SIMULATED_MINUTES = 300;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let sim: SimulatorHandle;
let exchange: Exchange;
let referenceExchange: Exchange;

beforeAll(async () => {
  sim = await startSimulator({ seed: 17, startTime: START, historyDays: 1, manualClock: true, symbols: SYMBOLS, publishIntervalMs: 20 });
  exchange = await createExchange({ id: "simulator" }, { simulator: sim });
  // ccxt's own redial backoff (1 s doubling to 60 s) would let hours of simulated time pass per drop
  // at this speed; scale it down like the rest of the test's timing.
  const ws = (exchange.options.ws ?? {}) as Record<string, unknown>;
  exchange.options.ws = { ...ws, backoff: { base: 10, factor: 2, max: 80, stableAfter: 300 } };
  referenceExchange = await createExchange({ id: "simulator" }, { simulator: sim });
});

afterAll(async () => {
  await exchange?.close();
  await referenceExchange?.close();
  await sim?.close();
});

describe("market data against the simulator through ccxt binance", () => {
  it(
    `${SIMULATED_MINUTES} simulated minutes with websocket drops and REST 5xx/429 bursts: every closed minute exactly once, in order, equal to the venue's`,
    async () => {
      const store = new InMemoryCandleStore();
      const service = new MarketDataService({
        exchange,
        symbols: SYMBOLS,
        store,
        warmupMinutes: 90,
        exchangeClock: { now: () => sim.now() },
        random: seededRandom(5),
        backoff: { initialMs: 5, maxMs: 80, factor: 2, jitter: 0.5, rateLimitedMinMs: 20 },
        tickIntervalMs: 20,
        closeGraceLocalMs: 150,
      });
      const closed: CandleEvent[] = [];
      const invalid: InvalidDataReport[] = [];
      const backfills: BackfillReport[] = [];
      const statuses: StreamStatus[] = [];
      const books: OrderBook[] = [];
      const trades: MarketTrade[] = [];
      service.events.on("candle", (e) => closed.push(e));
      service.events.on("invalid", (e) => invalid.push(e));
      service.events.on("backfill", (e) => backfills.push(e));
      service.events.on("status", (e) => statuses.push(e));
      service.events.on("orderbook", (b) => books.push(b));
      service.events.on("trade", (t) => trades.push(t));

      await service.start();
      const chaos = seededRandom(99);
      let drops = 0;
      let serverErrorBursts = 0;
      let rateLimitBursts = 0;
      for (let step = 0; step < SIMULATED_MINUTES * 4; step++) {
        sim.advance(15_000);
        const r = chaos();
        if (r < 0.012 || step === 200) {
          sim.faults.dropConnections();
          drops++;
        } else if (r < 0.02 || step === 201) {
          sim.faults.set({ serverErrors: { count: 1 + Math.floor(chaos() * 4), status: chaos() < 0.5 ? 503 : 502 } });
          serverErrorBursts++;
        } else if (r < 0.025) {
          sim.faults.set({ rateLimit: { count: 2, retryAfterSec: 0 } });
          rateLimitBursts++;
        }
        // Let sockets and timers run: briefly each simulated quarter-minute, a little longer each minute.
        if (step % 4 === 3) await sleep(4);
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
      sim.faults.reset();
      // A quiet tail: everything before the forming minute gets closed.
      await waitFor(async () => {
        sim.advance(5_000);
        await sleep(10);
        const stats = service.candleStats();
        const current = Math.floor(sim.now() / MINUTE) * MINUTE;
        return SYMBOLS.every((s) => stats[s].nextOpenTime === current);
      });
      await service.whenIdle();
      await service.stop();

      expect(drops).toBeGreaterThan(3);
      expect(serverErrorBursts).toBeGreaterThan(3);
      expect(rateLimitBursts).toBeGreaterThan(0);
      const end = Math.floor(sim.now() / MINUTE) * MINUTE;
      for (const symbol of SYMBOLS) {
        const minutes = closed.filter((e) => e.candle.symbol === symbol && e.candle.timeframe === "1m").map((e) => e.candle);
        const first = minutes[0].openTime;
        expect(first).toBe(Date.UTC(2024, 4, 6)); // warm-up from the UTC day start
        // The venue's own view, fetched cleanly afterwards.
        const truth = await fetchClosedCandles(referenceExchange, { symbol, timeframe: "1m", since: first, until: end, closedBy: end });
        expect(truth.length).toBe((end - first) / MINUTE);
        expect(minutes.map((c) => c.openTime)).toEqual(truth.map((c) => c.openTime));
        expect(minutes.map(ohlcv)).toEqual(truth.map(ohlcv));
        expect(minutes.length).toBeGreaterThan(SIMULATED_MINUTES);
        // Both roads were taken: minutes closed by the stream, and minutes recovered over REST.
        const sources = new Set(closed.filter((e) => e.candle.symbol === symbol && e.candle.timeframe === "1m").map((e) => e.source));
        expect(sources).toEqual(new Set(["warmup", "stream", "backfill"]));
        // Higher timeframes: each exactly once and in order.
        for (const tf of ["5m", "15m", "1h"] as const) {
          const times = closed.filter((e) => e.candle.symbol === symbol && e.candle.timeframe === tf).map((e) => e.candle.openTime);
          expect(new Set(times).size).toBe(times.length);
          expect([...times].sort((a, b) => a - b)).toEqual(times);
        }
        expect(await store.latestOpenTime(symbol, "1m")).toBe(end - MINUTE);
      }
      expect(invalid.filter((r) => r.kind === "candle" && r.origin !== "stream")).toEqual([]);
      expect(backfills.length).toBeGreaterThan(0);
      expect(statuses.some((s) => s.stream === "ohlcv" && s.state === "reconnecting")).toBe(true);
      expect(books.length).toBeGreaterThan(0);
      expect(trades.length).toBeGreaterThan(0);
      expect(invalid.filter((r) => r.kind === "orderbook")).toEqual([]);
    },
    60_000,
  );
});

function ohlcv(c: Candle): number[] {
  return [c.openTime, c.open, c.high, c.low, c.close, c.volume];
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error("timed out waiting for the service to catch up");
  }
}
