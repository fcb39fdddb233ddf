import { describe, expect, it } from "vitest";
import { Adx } from "../../indicators";
import { TIMEFRAME_MS, type Candle } from "../../model/types";
import { FEATURE_NAMES, FeatureEngine, FeatureInputError, HIGHER_TIMEFRAME, featureReadyCandles } from "../features";
import { buildDataset } from "../dataset";
import { randomWalk } from "./helpers";

/**
 * Every feature against a straightforward recomputation from its definition (whole-window loops, no
 * incremental state), at every candle where the engine reports a vector.
 */

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const popStd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) * (x - m), 0) / xs.length);
};

/** EMA with TA-Lib seeding: SMA of the first `period` values, then (x - ema)·2/(period+1) + ema. Index-aligned, NaN before. */
function emaSeries(xs: number[], period: number, from = 0): number[] {
  const out = new Array<number>(xs.length).fill(Number.NaN);
  if (xs.length - from < period) return out;
  let ema = mean(xs.slice(from, from + period));
  out[from + period - 1] = ema;
  const k = 2 / (period + 1);
  for (let i = from + period; i < xs.length; i++) {
    ema = (xs[i] - ema) * k + ema;
    out[i] = ema;
  }
  return out;
}

/** Wilder RSI: first averages = mean gain/loss of the first `period` changes, then (avg·(p-1) + x)/p. */
function rsiSeries(closes: number[], period = 14): number[] {
  const out = new Array<number>(closes.length).fill(Number.NaN);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < closes.length; i++) {
    const change = closes[i] - closes[i - 1];
    const g = Math.max(change, 0);
    const l = Math.max(-change, 0);
    if (i <= period) {
      gain += g / period;
      loss += l / period;
      if (i < period) continue;
    } else {
      gain = (gain * (period - 1) + g) / period;
      loss = (loss * (period - 1) + l) / period;
    }
    out[i] = gain + loss === 0 ? 50 : (100 * gain) / (gain + loss);
  }
  return out;
}

/** Wilder ATR: first = mean true range of bars 2..period+1, then (atr·(p-1) + tr)/p. */
function atrSeries(c: Candle[], period = 14): number[] {
  const out = new Array<number>(c.length).fill(Number.NaN);
  let atr = 0;
  for (let i = 1; i < c.length; i++) {
    const tr = Math.max(c[i].high - c[i].low, Math.abs(c[i].high - c[i - 1].close), Math.abs(c[i].low - c[i - 1].close));
    if (i <= period) {
      atr += tr / period;
      if (i < period) continue;
    } else {
      atr = (atr * (period - 1) + tr) / period;
    }
    out[i] = atr;
  }
  return out;
}

/**
 * MACD(12,26,9) histogram as TA-Lib defines it: both EMAs start at bar 25; the slow one seeded with the
 * SMA of closes 0..25, the fast one with the SMA of closes 14..25; signal = EMA(9) of the MACD line
 * seeded with the SMA of its first 9 values.
 */
function macdHistogram(closes: number[]): number[] {
  const out = new Array<number>(closes.length).fill(Number.NaN);
  if (closes.length < 26) return out;
  let slow = mean(closes.slice(0, 26));
  let fast = mean(closes.slice(14, 26));
  const line: number[] = [fast - slow];
  for (let i = 26; i < closes.length; i++) {
    slow = (closes[i] - slow) * (2 / 27) + slow;
    fast = (closes[i] - fast) * (2 / 13) + fast;
    line.push(fast - slow);
  }
  const signal = emaSeries(line, 9);
  line.forEach((m, j) => {
    if (!Number.isNaN(signal[j])) out[25 + j] = m - signal[j];
  });
  return out;
}

/**
 * Higher-timeframe trend at each candle: closes of the buckets completed by then (a bucket is
 * complete when its last candle arrived or a later bucket started); EMA9/EMA21 of those closes.
 */
function htfTrend(c: Candle[]): number[] {
  const tf = c[0].timeframe;
  const bucketMs = TIMEFRAME_MS[tf] * HIGHER_TIMEFRAME[tf].factor;
  const out: number[] = [];
  for (let i = 0; i < c.length; i++) {
    const closes: number[] = [];
    const bucketOf = (x: Candle) => Math.floor(x.openTime / bucketMs);
    for (let j = 0; j <= i; j++) {
      const last = j === i ? c[j].openTime + TIMEFRAME_MS[tf] >= (bucketOf(c[j]) + 1) * bucketMs : bucketOf(c[j + 1]) !== bucketOf(c[j]);
      if (last) closes.push(c[j].close);
    }
    const e9 = emaSeries(closes, 9);
    const e21 = emaSeries(closes, 21);
    const n = closes.length - 1;
    out.push(n >= 20 ? 100 * (e9[n] / e21[n] - 1) : Number.NaN);
  }
  return out;
}

function expectClose(actual: number, expected: number, what: string) {
  const scale = Math.max(1, Math.abs(expected));
  expect(Math.abs(actual - expected), `${what}: ${actual} vs reference ${expected}`).toBeLessThan(1e-8 * scale);
}

describe("features equal their reference definitions", () => {
  // A gap of missing candles in the middle exercises the higher-timeframe bucketing without a bucket's last candle.
  const full = randomWalk(420, 11, { timeframe: "5m" });
  const candles = [...full.slice(0, 200), ...full.slice(205)];
  const closes = candles.map((c) => c.close);
  const volumes = candles.map((c) => c.volume);
  const logRet = closes.map((c, i) => (i === 0 ? Number.NaN : 100 * Math.log(c / closes[i - 1])));
  const ema9 = emaSeries(closes, 9);
  const ema21 = emaSeries(closes, 21);
  const ema50 = emaSeries(closes, 50);
  const rsi = rsiSeries(closes);
  const atr = atrSeries(candles);
  const hist = macdHistogram(closes);
  const htf = htfTrend(candles);
  const adx = new Adx(14);
  const adxValues = candles.map((c) => {
    const v = adx.update(c);
    return v ? { ...v } : undefined;
  });

  it("every feature of every ready candle matches", () => {
    const engine = new FeatureEngine("5m");
    let checked = 0;
    candles.forEach((candle, i) => {
      engine.update(candle);
      if (!engine.ready) {
        expect(engine.named()).toBeUndefined();
        return;
      }
      const f = engine.named()!;
      const close = closes[i];
      expectClose(f.ret_1_pct, 100 * Math.log(close / closes[i - 1]), `ret_1 @${i}`);
      expectClose(f.ret_5_pct, 100 * Math.log(close / closes[i - 5]), `ret_5 @${i}`);
      expectClose(f.ret_20_pct, 100 * Math.log(close / closes[i - 20]), `ret_20 @${i}`);
      expectClose(f.volatility_20_pct, popStd(logRet.slice(i - 19, i + 1)), `volatility @${i}`);
      expectClose(f.atr_pct, (100 * atr[i]) / close, `atr_pct @${i}`);
      expectClose(f.rsi_14, rsi[i], `rsi @${i}`);
      expectClose(f.macd_hist_pct, (100 * hist[i]) / close, `macd_hist_pct @${i}`);
      const window = closes.slice(i - 19, i + 1);
      const mid = mean(window);
      const sd = popStd(window);
      expectClose(f.bb_percent_b, (close - (mid - 2 * sd)) / (4 * sd), `%B @${i}`);
      expectClose(f.bb_width, (4 * sd) / mid, `bb_width @${i}`);
      expectClose(f.adx_14, adxValues[i]!.adx, `adx @${i}`);
      expectClose(f.di_spread, adxValues[i]!.plusDI - adxValues[i]!.minusDI, `di_spread @${i}`);
      const vw = volumes.slice(i - 19, i + 1);
      expectClose(f.volume_z_20, (volumes[i] - mean(vw)) / popStd(vw), `volume_z @${i}`);
      expectClose(f.ema_spread_pct, 100 * (ema9[i] / ema21[i] - 1), `ema_spread @${i}`);
      expectClose(f.dist_ema21_pct, 100 * (close / ema21[i] - 1), `dist_ema21 @${i}`);
      expectClose(f.dist_ema50_pct, 100 * (close / ema50[i] - 1), `dist_ema50 @${i}`);
      expectClose(f.htf_trend_pct, htf[i], `htf_trend @${i}`);
      checked++;
    });
    expect(checked).toBeGreaterThan(300);
    expect(Object.keys(engine.named()!)).toEqual([...FEATURE_NAMES]);
  });

  it("is ready exactly when every input has a value, within the documented bound", () => {
    const engine = new FeatureEngine("5m");
    const firstReady = candles.findIndex((c) => (engine.update(c), engine.ready));
    const htfReady = htf.findIndex((x) => !Number.isNaN(x));
    expect(firstReady).toBe(Math.max(htfReady, 49));
    expect(firstReady + 1).toBeLessThanOrEqual(featureReadyCandles("5m"));
  });

  it("a candle already seen is ignored; a malformed one is refused without changing anything", () => {
    const engine = new FeatureEngine("5m");
    for (const c of candles.slice(0, 150)) engine.update(c);
    const before = engine.named();
    expect(engine.update(candles[100])).toBe(false);
    expect(() => engine.update({ ...candles[150], close: Number.NaN })).toThrow(FeatureInputError);
    expect(() => engine.update({ ...candles[150], volume: -1 })).toThrow(/invalid volume/);
    expect(() => engine.update({ ...candles[150], timeframe: "1m" })).toThrow(/5m feature engine got a 1m candle/);
    expect(engine.named()).toEqual(before);
    expect(engine.count).toBe(150);
  });

  it("training rows are the live vectors: the dataset built from history equals feeding the engine candle by candle", () => {
    const data = buildDataset(candles, "BTC/USDT", "5m", 3);
    const engine = new FeatureEngine("5m");
    const live: number[][] = [];
    for (const c of candles) {
      engine.update(c);
      if (engine.ready) live.push([...engine.vector]);
    }
    expect(data.rows.map((r) => [...r])).toEqual(live);
    // label = close 3 rows later strictly higher
    for (let i = 0; i < data.labeledCount; i++) expect(data.labels[i]).toBe(data.closes[i + 3] > data.closes[i] ? 1 : 0);
    expect(data.labeledCount).toBe(data.rows.length - 3);
  });
});
