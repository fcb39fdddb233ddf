import { ExchangeError, RateLimitExceeded } from "ccxt";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InMemoryCandleStore } from "../candle-store";
import { parseCandleCsv } from "../csv";
import { runDownloadCli } from "../download-cli";
import { CsvFileSink, downloadCandles, StoreCandleSink, type DownloadProgress } from "../download";
import { FakeExchange, FakeVenue, MINUTE } from "./fake-exchange";

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const NOW = START + DAY + 17 * MINUTE + 20_000; // 17 min 20 s into the second day
const FAST_RETRY = { policy: { initialMs: 1, maxMs: 5, factor: 2, jitter: 0, rateLimitedMinMs: 3 } };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tk-download-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function venueAndExchange() {
  const venue = new FakeVenue(["BTC/USDT"], START, NOW, 9);
  return { venue, exchange: new FakeExchange(venue) };
}

describe("historical download", () => {
  it("downloads every closed candle from --since to now into a CSV, in pages, with progress", async () => {
    const { venue, exchange } = venueAndExchange();
    const file = path.join(dir, "BTCUSDT-1m.csv");
    const progress: DownloadProgress[] = [];
    const result = await downloadCandles({
      exchange,
      symbol: "BTC/USDT",
      timeframe: "1m",
      since: START + 30_000, // rounded up to 00:01
      sink: new CsvFileSink(file),
      clock: venue.clock,
      pageLimit: 200,
      retry: FAST_RETRY,
      onProgress: (p) => progress.push(p),
    });
    const expected = venue.closedCandles("BTC/USDT", START + MINUTE, venue.currentMinute);
    expect(expected).toHaveLength(1440 + 17 - 1);
    expect(result).toMatchObject({ from: START + MINUTE, until: venue.currentMinute, resumed: false, written: expected.length });
    const saved = parseCandleCsv(await readFile(file, "utf8"), { symbol: "BTC/USDT", timeframe: "1m" });
    expect(saved).toEqual(expected);
    // The forming candle (00:17 of day 2) is not saved.
    expect(saved.at(-1)?.openTime).toBe(venue.currentMinute - MINUTE);
    expect(exchange.restCalls).toBe(Math.ceil(expected.length / 200));
    expect(progress.at(-1)).toMatchObject({ done: expected.length, total: expected.length });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
  });

  it("an interrupted download resumes after the last saved candle: nothing twice, nothing missing", async () => {
    const { venue, exchange } = venueAndExchange();
    const file = path.join(dir, "resume.csv");
    const original = exchange.fetchOHLCV.bind(exchange);
    let calls = 0;
    exchange.fetchOHLCV = async (...args) => {
      if (++calls === 4) throw new ExchangeError("fake: maintenance");
      return original(...args);
    };
    const options = { exchange, symbol: "BTC/USDT", timeframe: "1m" as const, since: START, clock: venue.clock, pageLimit: 100, retry: FAST_RETRY };
    await expect(downloadCandles({ ...options, sink: new CsvFileSink(file) })).rejects.toThrow(/maintenance/);
    const partial = parseCandleCsv(await readFile(file, "utf8"), { symbol: "BTC/USDT", timeframe: "1m" });
    expect(partial).toHaveLength(300);

    venue.advanceStep();
    const second = await downloadCandles({ ...options, sink: new CsvFileSink(file) });
    expect(second.resumed).toBe(true);
    expect(second.from).toBe(START + 300 * MINUTE);
    const all = parseCandleCsv(await readFile(file, "utf8"), { symbol: "BTC/USDT", timeframe: "1m" });
    expect(all).toEqual(venue.closedCandles("BTC/USDT", START, venue.currentMinute));
  });

  it("backs off when the exchange says too many requests, then carries on", async () => {
    const { venue, exchange } = venueAndExchange();
    exchange.failNextRest = 3;
    exchange.restErrorFactory = () => new RateLimitExceeded("fake 429 Too Many Requests");
    const delays: number[] = [];
    const store = new InMemoryCandleStore();
    const result = await downloadCandles({
      exchange,
      symbol: "BTC/USDT",
      timeframe: "1m",
      since: START + DAY,
      sink: new StoreCandleSink(store, "BTC/USDT", "1m"),
      clock: venue.clock,
      retry: { ...FAST_RETRY, onRetry: (_err, _attempt, delay) => delays.push(delay) },
    });
    expect(delays).toHaveLength(3);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(3); // the rate-limit floor, above the 1 ms initial backoff
    expect(result.written).toBe(17);
    expect(store.count("BTC/USDT", "1m")).toBe(17);
  });

  it("the CLI writes a CSV, reports on stderr, and explains bad arguments with exit code 2", async () => {
    const { venue, exchange } = venueAndExchange();
    let stderr = "";
    const deps = {
      createExchange: async () => exchange,
      stderr: { write: (t: string) => (stderr += t), isTTY: false },
      clock: venue.clock,
    };
    const out = path.join(dir, "cli.csv");
    const code = await runDownloadCli(["--exchange", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m", "--since", "2024-01-02", "--out", out], deps);
    expect(code).toBe(0);
    expect(stderr).toMatch(/binance BTC\/USDT 1m \[#{30}\] 100\.0% 17\/17/);
    expect(stderr).toMatch(/wrote 17 candles/);
    expect(parseCandleCsv(await readFile(out, "utf8"), { symbol: "BTC/USDT" })).toHaveLength(17);

    stderr = "";
    expect(await runDownloadCli(["--symbol", "BTC/USDT", "--since", "2024-01-02", "--out", out], deps)).toBe(0);
    expect(stderr).toMatch(/resumed, wrote 0 candles/);

    for (const [args, message] of [
      [["--since", "2024-01-01"], /--symbol is required/],
      [["--symbol", "BTC/USDT"], /--since is required/],
      [["--symbol", "BTCUSDT", "--since", "2024-01-01"], /not a unified symbol/],
      [["--symbol", "BTC/USDT", "--since", "soon"], /--since "soon" is not a date/],
      [["--symbol", "BTC/USDT", "--since", "2024-01-01", "--timeframe", "3m"], /unsupported timeframe "3m"/],
      [["--symbol", "BTC/USDT", "--since", "2024-01-02", "--until", "2024-01-01"], /--until must be after --since/],
      [["--symbol", "BTC/USDT", "--since", "2024-01-01", "--exchange", "simulator"], /needs --simulator-url/],
      [["--bogus"], /Unknown option '--bogus'/],
    ] as const) {
      stderr = "";
      expect(await runDownloadCli(args, deps)).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).toMatch(/Usage:/);
    }
  });
});
