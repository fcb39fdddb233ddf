import { AppError } from "../core/errors";
import type { Candle, Timeframe } from "../model/types";
import { FeatureEngine } from "./features";

/**
 * Feature rows and labels from a candle history. Row i is the feature vector at the close of the
 * i-th candle after the features became ready; its label is 1 when the close `horizon` candles later
 * is strictly higher than its own close, else 0. The last `horizon` rows have no label yet (the newest
 * one is what a live prediction is made on).
 */
export interface Dataset {
  symbol: string;
  timeframe: Timeframe;
  horizon: number;
  rows: Float64Array[];
  /** Open time of each row's candle. */
  times: number[];
  closes: number[];
  /** labels[i] belongs to rows[i]; length = labeledCount. */
  labels: number[];
  labeledCount: number;
  /** Candles supplied (closed, de-duplicated) and how many went into warming the features up. */
  candles: number;
  warmupCandles: number;
}

export const MAX_HORIZON = 500;

export function checkHorizon(horizon: number): void {
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) {
    throw new AppError("INVALID_HORIZON", `the prediction horizon must be a whole number of candles from 1 to ${MAX_HORIZON} (got ${String(horizon)})`, 400);
  }
}

/**
 * Closed candles of one symbol and timeframe in time order, duplicates (same open time) dropped,
 * forming candles left out. Throws AppError INVALID_CANDLES for a candle of another symbol/timeframe.
 */
export function orderedClosedCandles(candles: readonly Candle[], symbol: string, timeframe: Timeframe): Candle[] {
  const out: Candle[] = [];
  for (const c of candles) {
    if (c.symbol !== symbol || c.timeframe !== timeframe) {
      throw new AppError("INVALID_CANDLES", `expected ${symbol} ${timeframe} candles, got one of ${String(c.symbol)} ${String(c.timeframe)}`, 400);
    }
    if (c.closed === false) continue;
    out.push(c);
  }
  out.sort((a, b) => a.openTime - b.openTime);
  return out.filter((c, i) => i === 0 || c.openTime !== out[i - 1].openTime);
}

export function buildDataset(candles: readonly Candle[], symbol: string, timeframe: Timeframe, horizon: number): Dataset {
  checkHorizon(horizon);
  const ordered = orderedClosedCandles(candles, symbol, timeframe);
  const engine = new FeatureEngine(timeframe);
  const rows: Float64Array[] = [];
  const times: number[] = [];
  const closes: number[] = [];
  let warmupCandles = 0;
  for (const candle of ordered) {
    engine.update(candle);
    if (!engine.ready) {
      warmupCandles++;
      continue;
    }
    rows.push(Float64Array.from(engine.vector));
    times.push(candle.openTime);
    closes.push(candle.close);
  }
  const labeledCount = Math.max(0, rows.length - horizon);
  const labels = new Array<number>(labeledCount);
  for (let i = 0; i < labeledCount; i++) labels[i] = closes[i + horizon] > closes[i] ? 1 : 0;
  return { symbol, timeframe, horizon, rows, times, closes, labels, labeledCount, candles: ordered.length, warmupCandles };
}
