import { appendFile } from "node:fs/promises";
import { systemClock, type Clock } from "../core/clock";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";
import type { CandleStore } from "./candle-store";
import { formatCandleCsvRow, prepareCsvForAppend } from "./csv";
import { fetchCandlePages, DEFAULT_PAGE_LIMIT } from "./rest-history";
import { withRetry, type RetryOptions } from "./retry";
import { periodStart } from "./timeframes";
import type { MarketExchange } from "./types";

/** Where downloaded candles go; it remembers how far it got so a download can resume. */
export interface CandleSink {
  /** Open time of the newest candle already saved, undefined when empty. */
  lastOpenTime(): Promise<number | undefined>;
  /** Appends candles (ascending, all newer than what is saved). */
  write(candles: readonly Candle[]): Promise<void>;
}

/** Appends to a CSV file (header open_time,open,high,low,close,volume), creating it if needed. */
export class CsvFileSink implements CandleSink {
  private prepared = false;
  constructor(readonly file: string) {}

  async lastOpenTime(): Promise<number | undefined> {
    const last = await prepareCsvForAppend(this.file);
    this.prepared = true;
    return last;
  }

  async write(candles: readonly Candle[]): Promise<void> {
    if (!this.prepared) await this.lastOpenTime();
    if (candles.length === 0) return;
    let text = "";
    for (const c of candles) text += `${formatCandleCsvRow(c)}\n`;
    await appendFile(this.file, text, "utf8");
  }
}

/** Saves into a CandleStore (the database); resumes after its newest candle of the series. */
export class StoreCandleSink implements CandleSink {
  constructor(
    private readonly store: CandleStore,
    private readonly symbol: string,
    private readonly timeframe: Timeframe,
  ) {}

  lastOpenTime(): Promise<number | undefined> {
    return this.store.latestOpenTime(this.symbol, this.timeframe);
  }

  write(candles: readonly Candle[]): Promise<void> {
    return this.store.saveClosed(candles);
  }
}

export interface DownloadProgress {
  /** Candle periods covered so far (saved candles plus minutes the venue has no candle for). */
  done: number;
  total: number;
  written: number;
  lastOpenTime?: number;
}

export interface DownloadCandlesOptions {
  exchange: MarketExchange;
  symbol: string;
  timeframe: Timeframe;
  /** First open time wanted (rounded up to the timeframe). */
  since: number;
  /** Stop before this open time; default: the venue's current (forming) candle. */
  until?: number;
  sink: CandleSink;
  /** Used for "now" when the venue has no fetchTime. */
  clock?: Clock;
  pageLimit?: number;
  retry?: RetryOptions;
  onProgress?: (progress: DownloadProgress) => void;
  onInvalid?: (row: unknown, reason: string) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  /** Where this run started: `since`, or just after what the sink already had. */
  from: number;
  until: number;
  /** True when the sink already held candles and the download continued after them. */
  resumed: boolean;
  written: number;
  lastOpenTime?: number;
}

/**
 * Downloads closed candles over REST into a sink, page by page (each page is written before the next
 * request, so an interrupted run loses nothing and the next run resumes after the last saved candle).
 * Rate limits: ccxt spaces the requests by the exchange's `rateLimit`; a RateLimitExceeded /
 * DDoSProtection reply backs off for at least `rateLimitedMinMs`; network errors retry with backoff.
 */
export async function downloadCandles(options: DownloadCandlesOptions): Promise<DownloadResult> {
  const { exchange, symbol, timeframe, sink } = options;
  const tfMs = TIMEFRAME_MS[timeframe];
  const retry: RetryOptions = { ...options.retry, signal: options.signal ?? options.retry?.signal };
  const venueNow = await venueTime(exchange, options.clock ?? systemClock, retry);
  const currentPeriod = periodStart(venueNow, timeframe);
  const until = Math.min(options.until ?? currentPeriod, currentPeriod);
  const requested = Math.ceil(options.since / tfMs) * tfMs;
  const saved = await sink.lastOpenTime();
  const from = saved !== undefined ? Math.max(requested, saved + tfMs) : requested;
  const total = Math.max(0, Math.ceil((until - requested) / tfMs));
  let written = 0;
  let lastOpenTime = saved;
  const report = () =>
    options.onProgress?.({
      done: lastOpenTime === undefined ? 0 : Math.min(total, Math.max(0, (lastOpenTime + tfMs - requested) / tfMs)),
      total,
      written,
      lastOpenTime,
    });
  report();
  if (from >= until) return { from, until, resumed: saved !== undefined, written, lastOpenTime };

  const pages = fetchCandlePages(exchange, {
    symbol,
    timeframe,
    since: from,
    until,
    closedBy: until,
    pageLimit: options.pageLimit ?? DEFAULT_PAGE_LIMIT,
    retry,
    onInvalid: options.onInvalid,
  });
  for await (const page of pages) {
    await sink.write(page);
    written += page.length;
    lastOpenTime = page[page.length - 1].openTime;
    report();
  }
  return { from, until, resumed: saved !== undefined, written, lastOpenTime };
}

async function venueTime(exchange: MarketExchange, clock: Clock, retry: RetryOptions): Promise<number> {
  if (exchange.has.fetchTime && exchange.fetchTime) {
    const fetchTime = exchange.fetchTime.bind(exchange);
    const t = await withRetry(() => fetchTime(), retry);
    if (typeof t === "number" && Number.isFinite(t)) return t;
  }
  return clock.now();
}

/** Renders download progress on a terminal line (or as plain lines when not a TTY). */
export class ProgressBar {
  private lastPrintedTenth = -1;
  private readonly startedAt: number;

  constructor(
    private readonly out: { write(text: string): unknown; isTTY?: boolean },
    private readonly label: string,
    private readonly clock: Clock = systemClock,
    private readonly width = 30,
  ) {
    this.startedAt = clock.now();
  }

  update(p: DownloadProgress): void {
    const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
    const pct = (ratio * 100).toFixed(1).padStart(5);
    const filled = Math.round(ratio * this.width);
    const bar = `${"#".repeat(filled)}${"-".repeat(this.width - filled)}`;
    const at = p.lastOpenTime === undefined ? "" : ` at ${new Date(p.lastOpenTime).toISOString().slice(0, 16).replace("T", " ")}`;
    const line = `${this.label} [${bar}] ${pct}% ${Math.round(p.done)}/${p.total}${at}${this.eta(ratio)}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}\u001b[K`);
    } else {
      const tenth = Math.floor(ratio * 10);
      if (tenth > this.lastPrintedTenth) {
        this.lastPrintedTenth = tenth;
        this.out.write(`${line}\n`);
      }
    }
  }

  done(message: string): void {
    this.out.write(`${this.out.isTTY ? "\n" : ""}${message}\n`);
  }

  private eta(ratio: number): string {
    const elapsed = this.clock.now() - this.startedAt;
    if (ratio <= 0 || ratio >= 1 || elapsed < 1000) return "";
    const remaining = Math.round((elapsed / ratio - elapsed) / 1000);
    const m = Math.floor(remaining / 60);
    return ` ETA ${m > 0 ? `${m}m` : ""}${remaining % 60}s`;
  }
}
