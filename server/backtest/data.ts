import { AppError } from "../core/errors";
import { CandleAggregator, importCandleCsv, symbolAndTimeframeFromFileName, type CandleStore } from "../market/pure";
import { TIMEFRAMES, TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";
import type { BacktestConfig } from "./config";

/**
 * Candles for a backtest: where they come from (stored candles, a CSV file, or handed over), which
 * series a run needs, and the one time-ordered timeline the run walks through.
 */

export interface CandleSeries {
  symbol: string;
  timeframe: Timeframe;
  /** Closed candles, ascending open time. */
  candles: Candle[];
}

/** Candles in hand: any symbols and timeframes; the run takes what it needs (aggregating 1m when needed). */
export interface BacktestData {
  series: CandleSeries[];
}

/** What a run needs, derived from the config and the strategies' warm-up. */
export interface DataPlan {
  symbols: string[];
  /** The finest timeframe: its candles drive fills, protective exits and marks. */
  baseTimeframe: Timeframe;
  /** The finest strategy timeframe: the equity curve gets a point per candle of it. */
  curveTimeframe: Timeframe;
  /** Timeframes needed per symbol (the base timeframe and its strategies' timeframes). */
  needs: Map<string, Set<Timeframe>>;
  /** History before `from` that warms the strategies up, ms. */
  warmupMs: number;
}

export class BacktestDataError extends AppError {
  constructor(message: string) {
    super("BACKTEST_DATA", message, 422);
    this.name = "BacktestDataError";
  }
}

const TIMEFRAME_RANK = Object.fromEntries(TIMEFRAMES.map((tf, i) => [tf, i])) as Record<Timeframe, number>;

export function finestTimeframe(timeframes: Iterable<Timeframe>): Timeframe {
  let best: Timeframe | undefined;
  for (const tf of timeframes) if (best === undefined || TIMEFRAME_RANK[tf] < TIMEFRAME_RANK[best]) best = tf;
  if (!best) throw new BacktestDataError("no timeframe to plan for");
  return best;
}

/** One (symbol, timeframe) a strategy reads and the candles of it it needs before its first decision. */
export interface PlannedSubscription {
  symbol: string;
  timeframe: Timeframe;
  warmupCandles: number;
}

/**
 * The plan of a run. `subscriptions` are every series a strategy reads beyond its entry timeframe
 * (multi-timeframe strategies: 5m entries confirmed by 1h): they are fed too, built from 1-minute
 * candles when not in the data, and merged by close time, so a 1h candle arrives only once closed.
 */
export function planData(
  config: BacktestConfig,
  strategies: ReadonlyArray<{ symbols: readonly string[]; timeframe: Timeframe; warmupCandles: number; subscriptions?: readonly PlannedSubscription[] }>,
): DataPlan {
  const curveTimeframe = finestTimeframe(strategies.map((s) => s.timeframe));
  const baseTimeframe: Timeframe = config.fillMode === "1m" ? "1m" : curveTimeframe;
  const needs = new Map<string, Set<Timeframe>>();
  let warmupMs = 0;
  const need = (symbol: string, timeframe: Timeframe) => {
    let set = needs.get(symbol);
    if (!set) needs.set(symbol, (set = new Set([baseTimeframe])));
    set.add(timeframe);
  };
  for (const s of strategies) {
    for (const symbol of s.symbols) need(symbol, s.timeframe);
    warmupMs = Math.max(warmupMs, s.warmupCandles * TIMEFRAME_MS[s.timeframe]);
    for (const sub of s.subscriptions ?? []) {
      need(sub.symbol, sub.timeframe);
      warmupMs = Math.max(warmupMs, sub.warmupCandles * TIMEFRAME_MS[sub.timeframe]);
    }
  }
  return { symbols: [...needs.keys()], baseTimeframe, curveTimeframe, needs, warmupMs };
}

// ---------------------------------------------------------------- loading

const PAGE = 20_000;

async function loadStoredRange(store: CandleStore, symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Candle[]> {
  const out: Candle[] = [];
  let cursor = from;
  for (;;) {
    const page = await store.loadRange(symbol, timeframe, cursor, to, PAGE);
    for (const c of page) out.push(c);
    if (page.length < PAGE) return out;
    cursor = page[page.length - 1].openTime + TIMEFRAME_MS[timeframe];
  }
}

/**
 * Stored candles for every (symbol, timeframe) the plan needs, from `from - warmupMs` to `to`. A
 * timeframe that is not stored is built from the stored 1-minute candles.
 */
export async function loadStoredData(store: CandleStore, plan: DataPlan, from: number, to: number): Promise<BacktestData> {
  const series: CandleSeries[] = [];
  const start = from - plan.warmupMs;
  for (const [symbol, timeframes] of plan.needs) {
    let minutes: Candle[] | undefined;
    for (const timeframe of [...timeframes].sort((a, b) => TIMEFRAME_RANK[a] - TIMEFRAME_RANK[b])) {
      let candles = timeframe === "1m" && minutes ? minutes : await loadStoredRange(store, symbol, timeframe, start, to);
      if (timeframe === "1m") minutes = candles;
      if (candles.length === 0 && timeframe !== "1m") {
        minutes ??= await loadStoredRange(store, symbol, "1m", start, to);
        candles = minutes.length ? aggregate(minutes, timeframe) : [];
      }
      if (candles.length === 0) {
        throw new BacktestDataError(
          `no stored ${timeframe} candles for ${symbol} between ${iso(from)} and ${iso(to)}: download them first (npx tsx server/market/download-cli.ts) or run on a CSV file`,
        );
      }
      series.push({ symbol, timeframe, candles });
    }
  }
  return { series };
}

/** A candle CSV (header open_time,open,high,low,close,volume) for the single symbol the strategies trade. */
export async function loadCsvData(source: { path: string; symbol?: string; timeframe?: Timeframe }, plan: DataPlan): Promise<BacktestData> {
  const fromName = symbolAndTimeframeFromFileName(source.path);
  const symbol = source.symbol ?? (plan.symbols.length === 1 ? plan.symbols[0] : fromName.symbol);
  if (!symbol) throw new BacktestDataError(`${source.path}: say which symbol the file holds`);
  const other = plan.symbols.find((s) => s !== symbol);
  if (other) throw new BacktestDataError(`${source.path} holds ${symbol} candles only, but a strategy trades ${other}`);
  let candles: Candle[];
  try {
    candles = await importCandleCsv(source.path, { symbol, timeframe: source.timeframe });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new BacktestDataError(`CSV file not found: ${source.path}`);
    if (err instanceof Error && err.name === "CandleCsvError") throw new BacktestDataError(err.message);
    throw err;
  }
  if (candles.length === 0) throw new BacktestDataError(`${source.path} has no candles`);
  return { series: [{ symbol, timeframe: candles[0].timeframe, candles }] };
}

// ---------------------------------------------------------------- preparing

/** 1m candles → closed candles of a higher timeframe (incomplete first/last buckets are dropped). */
export function aggregate(minutes: readonly Candle[], timeframe: Timeframe): Candle[] {
  const out: Candle[] = [];
  if (minutes.length === 0) return out;
  const aggregator = new CandleAggregator({ timeframes: [timeframe], onClosed: (c) => out.push(c) });
  aggregator.seed(minutes[0].symbol, minutes[0].openTime);
  for (const m of minutes) aggregator.addClosed(m);
  return out;
}

/**
 * The series the plan needs, taken from the data as is or built from its 1-minute candles. Throws a
 * BacktestDataError naming what is missing.
 */
export function prepareSeries(data: BacktestData, plan: DataPlan): CandleSeries[] {
  const byKey = new Map<string, CandleSeries>();
  for (const s of data.series) byKey.set(`${s.symbol}|${s.timeframe}`, s);
  const out: CandleSeries[] = [];
  for (const [symbol, timeframes] of plan.needs) {
    for (const timeframe of timeframes) {
      const exact = byKey.get(`${symbol}|${timeframe}`);
      if (exact) {
        out.push(exact);
        continue;
      }
      const minutes = byKey.get(`${symbol}|1m`);
      if (minutes) {
        out.push({ symbol, timeframe, candles: aggregate(minutes.candles, timeframe) });
        continue;
      }
      const have = data.series.filter((s) => s.symbol === symbol).map((s) => s.timeframe);
      const why = timeframe === "1m" && plan.baseTimeframe === "1m" ? ` (fill mode "1m" needs 1-minute candles; use fill mode "candle")` : "";
      throw new BacktestDataError(
        `no ${timeframe} candles for ${symbol}${why}; the data has ${have.length ? have.join(", ") : "nothing"} for it, and only 1-minute candles can be aggregated`,
      );
    }
  }
  return out;
}

export interface Timeline {
  /** Candles before `from`, in time order: they only warm the strategies up. */
  warm: Candle[];
  /** Candles of the traded range, ordered by close time, then timeframe (finest first), then symbol. */
  run: Candle[];
  /** Close time of each run candle (the clock is set to it). */
  closeTimes: Float64Array;
  /** 1 where the equity curve gets a point after that candle (last candle of a curve-timeframe close). */
  sampleAfter: Uint8Array;
  from: number;
  to: number;
}

/**
 * Merge the series into one timeline. A candle belongs to the run when it opens at or after `from` and
 * closes at or before `to`; earlier ones warm up. At one close time the finest timeframe comes first,
 * so fills and exits of the base candle happen before a strategy on a higher timeframe decides.
 */
export function buildTimeline(series: readonly CandleSeries[], plan: DataPlan, from: number | undefined, to: number | undefined): Timeline {
  const symbolRank = new Map(plan.symbols.map((s, i) => [s, i]));
  const ordered = [...series].sort(
    (a, b) => TIMEFRAME_RANK[a.timeframe] - TIMEFRAME_RANK[b.timeframe] || (symbolRank.get(a.symbol) ?? 0) - (symbolRank.get(b.symbol) ?? 0),
  );
  let start = from ?? Number.POSITIVE_INFINITY;
  if (from === undefined) for (const s of ordered) if (s.candles.length) start = Math.min(start, s.candles[0].openTime);
  let end = to ?? Number.NEGATIVE_INFINITY;
  if (to === undefined) {
    for (const s of ordered) {
      const last = s.candles[s.candles.length - 1];
      if (last) end = Math.max(end, last.openTime + TIMEFRAME_MS[s.timeframe]);
    }
  }

  const warmParts: Candle[][] = [];
  const runParts: Candle[][] = [];
  for (const s of ordered) {
    const ms = TIMEFRAME_MS[s.timeframe];
    const candles = s.candles;
    let i = 0;
    while (i < candles.length && candles[i].openTime < start) i++;
    let j = i;
    while (j < candles.length && candles[j].openTime + ms <= end) j++;
    warmParts.push(i === 0 ? [] : candles.slice(0, i));
    runParts.push(i === 0 && j === candles.length ? candles : candles.slice(i, j));
  }
  const run = mergeByCloseTime(runParts);
  const warm = mergeByCloseTime(warmParts);

  const curveMs = TIMEFRAME_MS[plan.curveTimeframe];
  const closeTimes = new Float64Array(run.length);
  for (let i = 0; i < run.length; i++) closeTimes[i] = run[i].openTime + TIMEFRAME_MS[run[i].timeframe];
  const sampleAfter = new Uint8Array(run.length);
  for (let i = 0; i < run.length; i++) {
    const t = closeTimes[i];
    if (t % curveMs === 0 && (i === run.length - 1 || closeTimes[i + 1] !== t)) sampleAfter[i] = 1;
  }
  return { warm, run, closeTimes, sampleAfter, from: start, to: end };
}

/** k-way merge of series already in time order (k is small: symbols × timeframes). */
function mergeByCloseTime(parts: Candle[][]): Candle[] {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1) return nonEmpty[0];
  const total = nonEmpty.reduce((n, p) => n + p.length, 0);
  const out: Candle[] = new Array(total);
  const index = new Array<number>(nonEmpty.length).fill(0);
  for (let k = 0; k < total; k++) {
    let best = -1;
    let bestClose = Number.POSITIVE_INFINITY;
    for (let p = 0; p < nonEmpty.length; p++) {
      const c = nonEmpty[p][index[p]];
      if (c === undefined) continue;
      const close = c.openTime + TIMEFRAME_MS[c.timeframe];
      // Strictly smaller: on a tie the earlier part (finer timeframe, then symbol order) wins.
      if (close < bestClose) {
        bestClose = close;
        best = p;
      }
    }
    out[k] = nonEmpty[best][index[best]++];
  }
  return out;
}

// ---------------------------------------------------------------- transfer to workers

/** Candles as one flat Float64Array per series (openTime, open, high, low, close, volume). */
export interface PackedSeries {
  symbol: string;
  timeframe: Timeframe;
  values: Float64Array;
}

export const PACKED_FIELDS = 6;

/**
 * Pack candles for worker threads. With `shared` the arrays live in SharedArrayBuffers, so every
 * worker of a pool reads the same memory instead of a copy.
 */
export function packData(data: BacktestData, shared = true): PackedSeries[] {
  return data.series.map((s) => {
    const bytes = s.candles.length * PACKED_FIELDS * Float64Array.BYTES_PER_ELEMENT;
    const values = new Float64Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    for (let i = 0, o = 0; i < s.candles.length; i++, o += PACKED_FIELDS) {
      const c = s.candles[i];
      values[o] = c.openTime;
      values[o + 1] = c.open;
      values[o + 2] = c.high;
      values[o + 3] = c.low;
      values[o + 4] = c.close;
      values[o + 5] = c.volume;
    }
    return { symbol: s.symbol, timeframe: s.timeframe, values };
  });
}

export function unpackData(packed: readonly PackedSeries[]): BacktestData {
  return {
    series: packed.map(({ symbol, timeframe, values }) => {
      const n = values.length / PACKED_FIELDS;
      const candles: Candle[] = new Array(n);
      for (let i = 0, o = 0; i < n; i++, o += PACKED_FIELDS) {
        candles[i] = { symbol, timeframe, openTime: values[o], open: values[o + 1], high: values[o + 2], low: values[o + 3], close: values[o + 4], volume: values[o + 5], closed: true };
      }
      return { symbol, timeframe, candles };
    }),
  };
}

/** Only the candles of [from, to) (plus `before` ms of warm-up history): a walk-forward fold's slice. */
export function sliceData(data: BacktestData, from: number, to: number, before = 0): BacktestData {
  return {
    series: data.series.map((s) => {
      const ms = TIMEFRAME_MS[s.timeframe];
      const lo = lowerBound(s.candles, from - before);
      let hi = lowerBound(s.candles, to);
      while (hi > lo && s.candles[hi - 1].openTime + ms > to) hi--;
      return { symbol: s.symbol, timeframe: s.timeframe, candles: s.candles.slice(lo, hi) };
    }),
  };
}

function lowerBound(candles: readonly Candle[], time: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (candles[mid].openTime < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
