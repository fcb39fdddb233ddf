import { AppError, errorMessage } from "../core/errors";
import { systemClock, type Clock } from "../core/clock";
import type { ScheduledTask, TaskScheduler } from "../core/scheduler";
import { Atr } from "../indicators";
import { rankPairs, type PairFigures, type PairList, type PairThresholds } from "./rank";

/**
 * The pair list: reads each symbol's ticker, order book and candles from the venue (any ccxt
 * exchange, the simulator included: the same calls), ranks them (rank.ts), and refreshes on a
 * schedule driven by the injected clock and scheduler.
 */

/** The part of a ccxt Exchange the pair list reads. */
export interface PairDataSource {
  fetchTicker(symbol: string): Promise<{ last?: number | undefined; bid?: number | undefined; ask?: number | undefined; quoteVolume?: number | undefined; baseVolume?: number | undefined }>;
  fetchOrderBook(symbol: string, limit?: number): Promise<{ bids: Array<[number | undefined, number | undefined] | number[]>; asks: Array<[number | undefined, number | undefined] | number[]> }>;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<Array<Array<number | undefined> | number[]>>;
}

export interface CollectOptions {
  /** Candles for the ATR. */
  timeframe?: string;
  atrPeriod?: number;
  /** Depth counted within ±depthPct of the mid. */
  depthPct?: number;
  bookLevels?: number;
}

function depthWithin(levels: ReadonlyArray<ArrayLike<number | undefined>>, from: number, to: number): number {
  let total = 0;
  for (const level of levels) {
    const price = Number(level[0]);
    const amount = Number(level[1]);
    if (Number.isFinite(price) && Number.isFinite(amount) && price >= from && price <= to) total += price * amount;
  }
  return total;
}

/** One symbol's figures; a failing call becomes `error` (the pair is then listed, not ranked). */
export async function collectPairFigures(source: PairDataSource, symbol: string, options: CollectOptions = {}): Promise<PairFigures> {
  const timeframe = options.timeframe ?? "1h";
  const period = options.atrPeriod ?? 14;
  const depthPct = options.depthPct ?? 1;
  try {
    const [ticker, book, candles] = await Promise.all([
      source.fetchTicker(symbol),
      source.fetchOrderBook(symbol, options.bookLevels ?? 100),
      source.fetchOHLCV(symbol, timeframe, undefined, period * 3 + 1),
    ]);
    const bid = Number(ticker.bid ?? book.bids[0]?.[0]);
    const ask = Number(ticker.ask ?? book.asks[0]?.[0]);
    const mid = (bid + ask) / 2;
    const last = Number(ticker.last ?? mid);
    const quoteVolume = Number(ticker.quoteVolume ?? (ticker.baseVolume !== undefined ? ticker.baseVolume * last : Number.NaN));
    const atr = new Atr(period);
    // The last row is the forming candle: the ATR uses closed candles only.
    const closed = candles.slice(0, -1);
    for (const c of closed) atr.update({ high: Number(c[2]), low: Number(c[3]), close: Number(c[4]) });
    const lastClose = Number(closed.at(-1)?.[4] ?? last);
    const figures: PairFigures = {
      symbol,
      lastPrice: last,
      quoteVolume,
      spreadBps: mid > 0 ? ((ask - bid) / mid) * 10_000 : Number.NaN,
      depthQuote: depthWithin(book.bids as never, mid * (1 - depthPct / 100), mid) + depthWithin(book.asks as never, mid, mid * (1 + depthPct / 100)),
      atrPct: atr.value !== undefined && lastClose > 0 ? (atr.value / lastClose) * 100 : Number.NaN,
    };
    if (atr.value === undefined) figures.error = `only ${closed.length} closed ${timeframe} candles: the ATR(${period}) needs ${period + 1}`;
    return figures;
  } catch (err) {
    return { symbol, lastPrice: Number.NaN, quoteVolume: Number.NaN, spreadBps: Number.NaN, depthQuote: Number.NaN, atrPct: Number.NaN, error: `could not read ${symbol}: ${errorMessage(err)}` };
  }
}

export interface PairListOptions {
  source: PairDataSource;
  /** The venue's symbols to consider (e.g. the simulator's ten, or the venue's USDT markets). */
  symbols: () => readonly string[];
  thresholds?: Partial<PairThresholds>;
  collect?: CollectOptions;
  clock?: Clock;
  scheduler?: TaskScheduler;
  /** Refresh period; default 15 minutes. */
  refreshMs?: number;
  quoteCurrency?: string;
  onRefresh?: (list: PairList) => void;
  onError?: (message: string) => void;
}

export class PairListService {
  private list: PairList | undefined;
  private task: ScheduledTask | undefined;
  private running: Promise<PairList> | undefined;

  constructor(private readonly options: PairListOptions) {}

  latest(): PairList | undefined {
    return this.list;
  }

  /** Reads every symbol again and ranks them (concurrent calls share one refresh). */
  refresh(thresholds?: Partial<PairThresholds>): Promise<PairList> {
    if (this.running && !thresholds) return this.running;
    const run = (async () => {
      const symbols = [...this.options.symbols()];
      const figures = await Promise.all(symbols.map((s) => collectPairFigures(this.options.source, s, this.options.collect)));
      const list = rankPairs(figures, { ...this.options.thresholds, ...thresholds }, (this.options.clock ?? systemClock).now(), this.options.quoteCurrency);
      if (!thresholds) {
        this.list = list;
        this.options.onRefresh?.(list);
      }
      return list;
    })();
    if (!thresholds) {
      this.running = run;
      void run.finally(() => {
        if (this.running === run) this.running = undefined;
      }).catch(() => {});
    }
    return run;
  }

  /** Refreshes now and then every refreshMs on the scheduler, until stop(). */
  start(): void {
    const scheduler = this.options.scheduler;
    if (!scheduler) throw new Error("PairListService.start needs a scheduler");
    const clock = this.options.clock ?? systemClock;
    const every = this.options.refreshMs ?? 15 * 60_000;
    const tick = () => {
      this.refresh().catch((err: unknown) => this.options.onError?.(`pair list refresh failed: ${errorMessage(err)}`));
      this.task = scheduler.schedule(clock.now() + every, tick);
    };
    tick();
  }

  stop(): void {
    this.task?.cancel();
    this.task = undefined;
  }
}

// ---- the process-wide instance the routes read (registered by the composition root)

const KEY = Symbol.for("tradekeel.pairs.service");

export function registerPairList(service: PairListService | undefined): void {
  (globalThis as Record<symbol, unknown>)[KEY] = service;
}

function service(): PairListService {
  const found = (globalThis as Record<symbol, unknown>)[KEY] as PairListService | undefined;
  if (!found) throw new AppError("NOT_READY", "pair selection is not running on this server", 503);
  return found;
}

/** GET /api/pairs: the latest list (refreshed first if there is none yet). */
export async function getPairList(): Promise<PairList> {
  const s = service();
  return s.latest() ?? (await s.refresh());
}

/** POST /api/pairs/refresh: read the venue again now; with thresholds, a what-if ranking that is not kept. */
export async function refreshPairList(thresholds?: Partial<PairThresholds>): Promise<PairList> {
  return service().refresh(thresholds);
}
