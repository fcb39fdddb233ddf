import { TIMEFRAMES, TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";
import type { EquityPoint } from "../portfolio";

/**
 * Shrinking long series for storage and charts without hiding what a trader looks for: the equity
 * curve keeps each bucket's lowest and highest point (so peaks, troughs and therefore drawdowns
 * survive), candles are merged into a coarser timeframe.
 */

/**
 * At most about `maxPoints` points: the first and last point, and per bucket its minimum and maximum
 * in time order. Returns the input when it is short enough.
 */
export function decimateCurve(times: ArrayLike<number>, values: ArrayLike<number>, length: number, maxPoints: number): EquityPoint[] {
  const out: EquityPoint[] = [];
  if (length === 0) return out;
  if (length <= maxPoints) {
    for (let i = 0; i < length; i++) out.push({ timestamp: times[i], equity: values[i] });
    return out;
  }
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const size = (length - 2) / buckets;
  out.push({ timestamp: times[0], equity: values[0] });
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(b * size);
    const end = Math.min(length - 1, 1 + Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    out.push({ timestamp: times[first], equity: values[first] });
    if (second !== first) out.push({ timestamp: times[second], equity: values[second] });
  }
  out.push({ timestamp: times[length - 1], equity: values[length - 1] });
  return out;
}

/** Candle as a compact row for charts: [openTime, open, high, low, close, volume]. */
export type CandleRow = [number, number, number, number, number, number];

/**
 * The candles in the coarsest-needed timeframe (from `timeframe` up) so that at most `maxCandles`
 * remain; merged on UTC period boundaries (open of the first, max high, min low, close of the last).
 */
export function chartCandles(candles: readonly Candle[], timeframe: Timeframe, maxCandles: number): { timeframe: Timeframe; rows: CandleRow[] } {
  let target = timeframe;
  if (candles.length > maxCandles) {
    const span = candles.length * TIMEFRAME_MS[timeframe];
    target = TIMEFRAMES.find((tf) => TIMEFRAME_MS[tf] >= TIMEFRAME_MS[timeframe] && span / TIMEFRAME_MS[tf] <= maxCandles) ?? "1d";
  }
  const ms = TIMEFRAME_MS[target];
  const rows: CandleRow[] = [];
  let current: CandleRow | undefined;
  for (const c of candles) {
    const start = Math.floor(c.openTime / ms) * ms;
    if (current && current[0] === start) {
      if (c.high > current[2]) current[2] = c.high;
      if (c.low < current[3]) current[3] = c.low;
      current[4] = c.close;
      current[5] += c.volume;
    } else {
      current = [start, c.open, c.high, c.low, c.close, c.volume];
      rows.push(current);
    }
  }
  if (target === "1d" && rows.length > maxCandles) return { timeframe: target, rows: rows.slice(rows.length - maxCandles) };
  return { timeframe: target, rows };
}

/**
 * A step curve of realized P&L: starting capital, then one point per closed trade. The curve metrics
 * per symbol and per strategy use it (the portfolio curve is marked to market at every candle).
 */
export function realizedCurve(trades: ReadonlyArray<{ pnl: number; closedAt: number }>, capital: number, from: number, to: number): EquityPoint[] {
  const points: EquityPoint[] = [{ timestamp: from, equity: capital }];
  let equity = capital;
  for (const t of trades) {
    equity += t.pnl;
    points.push({ timestamp: Math.max(from, t.closedAt), equity });
  }
  if (to > points[points.length - 1].timestamp) points.push({ timestamp: to, equity });
  return points;
}
