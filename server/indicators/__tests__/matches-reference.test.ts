import { describe, expect, it } from "vitest";
import { Adx, Atr, BollingerBands, Ema, Macd, Obv, Rsi, Sma, Stochastic, VolumeAverage, Vwap, Wma } from "../index";
import { refAdx, refAtr, refBollinger, refEma, refMacd, refObv, refRsi, refSma, refStochastic, refVwap, refWma } from "./reference";
import { randomWalkBars, seededRandom } from "./series";

/**
 * Every incremental indicator is run over a seeded random walk and compared, bar by bar, with a
 * whole-array recomputation from the definition. Tolerance: 1e-9 relative, with the relative measure
 * taken against max(|expected|, scale) so that quantities passing through zero (MACD histogram, OBV)
 * are compared relative to the size of what produces them rather than to ~0.
 */
const TOLERANCE = 1e-9;

function expectSeries(name: string, actual: (number | undefined)[], expected: number[], scale: number, warmup?: number) {
  expect(actual.length).toBe(expected.length);
  let compared = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e)) {
      if (a !== undefined) throw new Error(`${name}[${i}]: expected no value yet, got ${a}`);
      continue;
    }
    if (a === undefined) throw new Error(`${name}[${i}]: expected ${e}, got undefined`);
    const bound = TOLERANCE * Math.max(Math.abs(e), scale);
    if (!(Math.abs(a - e) <= bound)) throw new Error(`${name}[${i}]: expected ${e}, got ${a} (diff ${Math.abs(a - e)}, bound ${bound})`);
    compared++;
  }
  if (warmup !== undefined) {
    const first = actual.findIndex((v) => v !== undefined);
    expect(first, `${name}: first value index`).toBe(warmup - 1);
  }
  return compared;
}

const bars = randomWalkBars({ count: 3000, seed: 20230301 });
const closes = bars.map((b) => b.close);
const PRICE = 23_000;

describe("indicators equal a full recomputation on a 3,000-bar random walk", () => {
  it("sanity: the series has flat bars, zero-volume bars and realistic OHLC", () => {
    expect(bars.some((b, i) => i > 0 && b.close === bars[i - 1].close)).toBe(true);
    expect(bars.some((b) => b.volume === 0)).toBe(true);
    for (const b of bars) {
      expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
      expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
    }
  });

  it.each([2, 9, 21, 50, 200])("SMA(%i)", (period) => {
    const sma = new Sma(period);
    const out = closes.map((c) => sma.update(c));
    expect(expectSeries(`SMA(${period})`, out, refSma(closes, period), PRICE, sma.warmup)).toBeGreaterThan(2000);
    expect(sma.value).toBe(out[out.length - 1]);
    expect(sma.isReady).toBe(true);
  });

  it.each([2, 9, 21, 50, 200])("EMA(%i), seeded with the SMA of the first period", (period) => {
    const ema = new Ema(period);
    const out = closes.map((c) => ema.update(c));
    expectSeries(`EMA(${period})`, out, refEma(closes, period), PRICE, ema.warmup);
  });

  it.each([2, 10, 30])("WMA(%i)", (period) => {
    const wma = new Wma(period);
    const out = closes.map((c) => wma.update(c));
    expectSeries(`WMA(${period})`, out, refWma(closes, period), PRICE, wma.warmup);
  });

  it.each([2, 6, 14, 28])("RSI(%i) with Wilder smoothing", (period) => {
    const rsi = new Rsi(period);
    const out = closes.map((c) => rsi.update(c));
    expectSeries(`RSI(${period})`, out, refRsi(closes, period), 100, period + 1);
  });

  it.each([
    [12, 26, 9],
    [5, 35, 5],
    [3, 10, 16],
  ])("MACD(%i,%i,%i) with TA-Lib seeding", (fast, slow, signal) => {
    const macd = new Macd(fast, slow, signal);
    const line: (number | undefined)[] = [];
    const sig: (number | undefined)[] = [];
    const hist: (number | undefined)[] = [];
    for (const c of closes) {
      const v = macd.update(c);
      line.push(v?.macd);
      sig.push(v?.signal);
      hist.push(v?.histogram);
    }
    const ref = refMacd(closes, fast, slow, signal);
    expectSeries("MACD line", line, ref.macd, PRICE, slow + signal - 1);
    expectSeries("MACD signal", sig, ref.signal, PRICE);
    expectSeries("MACD histogram", hist, ref.histogram, PRICE);
    expect(macd.warmup).toBe(slow + signal - 1);
  });

  it.each([
    [20, 2],
    [10, 1.5],
    [50, 3],
  ])("Bollinger(%i, %f): bands, %B and bandwidth", (period, k) => {
    const bb = new BollingerBands(period, k);
    const cols = { upper: [] as (number | undefined)[], middle: [] as (number | undefined)[], lower: [] as (number | undefined)[], percentB: [] as (number | undefined)[], bandwidth: [] as (number | undefined)[] };
    for (const c of closes) {
      const v = bb.update(c);
      cols.upper.push(v?.upper);
      cols.middle.push(v?.middle);
      cols.lower.push(v?.lower);
      cols.percentB.push(v?.percentB);
      cols.bandwidth.push(v?.bandwidth);
    }
    const ref = refBollinger(closes, period, k);
    expectSeries("upper", cols.upper, ref.upper, PRICE, period);
    expectSeries("middle", cols.middle, ref.middle, PRICE);
    expectSeries("lower", cols.lower, ref.lower, PRICE);
    expectSeries("%B", cols.percentB, ref.percentB, 1);
    expectSeries("bandwidth", cols.bandwidth, ref.bandwidth, 0);
  });

  it.each([1, 7, 14])("ATR(%i) with Wilder smoothing", (period) => {
    const atr = new Atr(period);
    const out = bars.map((b) => atr.update(b));
    expectSeries(`ATR(${period})`, out, refAtr(bars, period), 10, period + 1);
  });

  it.each([2, 7, 14, 30])("ADX(%i) with +DI/-DI", (period) => {
    const adx = new Adx(period);
    const a: (number | undefined)[] = [];
    const plus: (number | undefined)[] = [];
    const minus: (number | undefined)[] = [];
    for (const b of bars) {
      a.push(adx.update(b)?.adx);
      plus.push(adx.plusDI);
      minus.push(adx.minusDI);
    }
    const ref = refAdx(bars, period);
    expectSeries(`ADX(${period})`, a, ref.adx, 100, 2 * period);
    expectSeries(`+DI(${period})`, plus, ref.plusDI, 100, period + 1);
    expectSeries(`-DI(${period})`, minus, ref.minusDI, 100, period + 1);
  });

  it.each([
    [14, 3, 3],
    [5, 3, 3],
    [9, 1, 1],
  ])("Stochastic(%i,%i,%i)", (kPeriod, kSmoothing, dPeriod) => {
    const stoch = new Stochastic(kPeriod, kSmoothing, dPeriod);
    const k: (number | undefined)[] = [];
    const d: (number | undefined)[] = [];
    for (const b of bars) {
      const v = stoch.update(b);
      k.push(v?.k);
      d.push(v?.d);
    }
    const ref = refStochastic(bars, kPeriod, kSmoothing, dPeriod);
    const warmup = kPeriod + kSmoothing + dPeriod - 2;
    expectSeries("%K", k, ref.k, 100, warmup);
    expectSeries("%D", d, ref.d, 100, warmup);
  });

  it("OBV, seeded with the first bar's volume", () => {
    const obv = new Obv();
    const out = bars.map((b) => obv.update(b));
    const totalVolume = bars.reduce((s, b) => s + b.volume, 0);
    expectSeries("OBV", out, refObv(bars), totalVolume, 1);
  });

  it("VWAP, cumulative and with a daily UTC session reset", () => {
    const cumulative = new Vwap();
    expectSeries("VWAP", bars.map((b) => cumulative.update(b)), refVwap(bars), PRICE);
    const daily = new Vwap({ sessionMs: 86_400_000 });
    const out = bars.map((b) => daily.update(b));
    expectSeries("VWAP daily", out, refVwap(bars, 86_400_000), PRICE);
    // 3,000 one-minute bars span three UTC days: the session start moved twice.
    expect(daily.sessionStart).toBe(Date.UTC(2023, 2, 3));
  });

  it("volume average", () => {
    const avg = new VolumeAverage(20);
    const volumes = bars.map((b) => b.volume);
    expectSeries("VolumeSMA", volumes.map((v) => avg.update(v)), refSma(volumes, 20), 1, 20);
  });
});

describe("windowed sums stay exact after extreme values pass through (no drift)", () => {
  // A naive running sum keeps the absolute rounding error of the huge values long after they have left
  // the window: after this volume spike its average is off by ~1e-6 relative. Re-summing fixes that.
  const random = seededRandom(5);
  const spike = Array.from({ length: 3000 }, (_, i) => (i >= 500 && i < 1500 ? 1e9 * (1 + random()) : 1 + random()));
  const probes = [1500 + 2 * 50, 2200, 2999];
  const windowOf = (x: number[], i: number, n: number) => x.slice(i - n + 1, i + 1);

  it("volume average and SMA after a 1e9 volume spike", () => {
    const avg = new VolumeAverage(50);
    const wma = new Wma(50);
    const out = spike.map((v) => [avg.update(v), wma.update(v)] as const);
    for (const i of probes) {
      const w = windowOf(spike, i, 50);
      const mean = w.reduce((a, b) => a + b, 0) / 50;
      const weighted = w.reduce((a, v, j) => a + v * (j + 1), 0) / 1275;
      expect(Math.abs(out[i][0]! - mean) / mean).toBeLessThan(1e-12);
      expect(Math.abs(out[i][1]! - weighted) / weighted).toBeLessThan(1e-12);
    }
  });

  it("Bollinger standard deviation after a 1000x price collapse", () => {
    const x = randomWalkBars({ count: 20_000, seed: 99, startPrice: 60_000, totalLogDrift: Math.log(0.001), tick: 1e-8 }).map((b) => b.close);
    const bb = new BollingerBands(20, 2);
    const out = x.map((c) => bb.update(c)?.stdDev);
    for (const i of [10_000, 19_999]) {
      const w = windowOf(x, i, 20);
      const mean = w.reduce((a, b) => a + b, 0) / 20;
      const sd = Math.sqrt(w.reduce((a, v) => a + (v - mean) ** 2, 0) / 20);
      expect(Math.abs(out[i]! - sd) / sd).toBeLessThan(1e-9);
    }
    expect(x[x.length - 1]).toBeLessThan(200); // the price really did collapse
  });
});
