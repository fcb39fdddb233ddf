import { describe, expect, it } from "vitest";
import { Adx, Atr, BollingerBands, Ema, Macd, Obv, Rsi, Sma, Stochastic, Vwap, Wma } from "../index";

/** Small cases worked out by hand from the definitions (the arithmetic is in the comments). */
const bar = (high: number, low: number, close: number) => ({ high, low, close });

describe("hand-computed cases", () => {
  it("SMA(3) of 1..5 is 2, 3, 4 after two bars of warm-up", () => {
    const sma = new Sma(3);
    expect([1, 2, 3, 4, 5].map((x) => sma.update(x))).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it("EMA(3): seed = mean(1,2,3) = 2, then k = 0.5: (4-2)/2+2 = 3, (5-3)/2+3 = 4", () => {
    const ema = new Ema(3);
    expect([1, 2, 3, 4, 5].map((x) => ema.update(x))).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it("WMA(3): (1·1 + 2·2 + 3·3)/6 = 14/6, then (2 + 6 + 12)/6 = 20/6", () => {
    const wma = new Wma(3);
    const out = [1, 2, 3, 4].map((x) => wma.update(x));
    expect(out[2]).toBeCloseTo(14 / 6, 12);
    expect(out[3]).toBeCloseTo(20 / 6, 12);
  });

  it("RSI(2) on 1, 2, 1, 2: 50 (gain 0.5 / loss 0.5), then 75 (gain 0.75 / loss 0.25)", () => {
    const rsi = new Rsi(2);
    expect([1, 2, 1, 2].map((x) => rsi.update(x))).toEqual([undefined, undefined, 50, 75]);
  });

  it("RSI is 100 on a straight rise and 0 on a straight fall", () => {
    const up = new Rsi(3);
    [10, 11, 12, 13].forEach((x) => up.update(x));
    expect(up.value).toBe(100);
    const down = new Rsi(3);
    [13, 12, 11, 10].forEach((x) => down.update(x));
    expect(down.value).toBe(0);
  });

  it("ATR(2): TR 2 and 4 average to 3; then (3 + 1)/2 = 2; a gap up gives TR 8 and (2 + 8)/2 = 5", () => {
    const atr = new Atr(2);
    const out = [bar(10, 8, 9), bar(11, 9, 10), bar(14, 10, 13), bar(13, 12, 12), bar(20, 19, 19.5)].map((b) => atr.update(b));
    expect(out).toEqual([undefined, undefined, 3, 2, 5]);
    expect(atr.trueRange).toBe(8);
  });

  it("Bollinger(3, 2) of 1, 2, 3: middle 2, σ = √(2/3), %B of the last close", () => {
    const bb = new BollingerBands(3, 2);
    [1, 2].forEach((x) => expect(bb.update(x)).toBeUndefined());
    const v = bb.update(3)!;
    const sd = Math.sqrt(2 / 3);
    expect(v.middle).toBeCloseTo(2, 12);
    expect(v.stdDev).toBeCloseTo(sd, 12);
    expect(v.upper).toBeCloseTo(2 + 2 * sd, 12);
    expect(v.lower).toBeCloseTo(2 - 2 * sd, 12);
    expect(v.percentB).toBeCloseTo((3 - (2 - 2 * sd)) / (4 * sd), 12);
    expect(v.bandwidth).toBeCloseTo((4 * sd) / 2, 12);
  });

  it("MACD(2,4,2) uses TA-Lib's seeding: the fast EMA starts from the mean of the last 2 of the first 4 inputs", () => {
    // x = 1, 5, 2, 8, 3, 9. At index 3: slow = mean(1,5,2,8) = 4, fast = mean(2,8) = 5, MACD = 1.
    // (A standalone EMA(2) would be 6.11 there, giving 2.11.) Index 4: fast = (3-5)·2/3+5 = 11/3,
    // slow = (3-4)·0.4+4 = 3.6, MACD = 1/15; signal = mean(1, 1/15) = 8/15. Index 5: fast = (9-11/3)·2/3+11/3
    // = 65/9, slow = (9-3.6)·0.4+3.6 = 5.76, MACD = 65/9 - 5.76; signal = (MACD - 8/15)·2/3 + 8/15.
    const macd = new Macd(2, 4, 2);
    const out = [1, 5, 2, 8, 3, 9].map((x) => {
      const v = macd.update(x);
      return v && { ...v };
    });
    expect(out.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(out[4]!.macd).toBeCloseTo(1 / 15, 12);
    expect(out[4]!.signal).toBeCloseTo(8 / 15, 12);
    expect(out[4]!.histogram).toBeCloseTo(1 / 15 - 8 / 15, 12);
    const line5 = 65 / 9 - 5.76;
    const signal5 = (line5 - 8 / 15) * (2 / 3) + 8 / 15;
    expect(out[5]!.macd).toBeCloseTo(line5, 12);
    expect(out[5]!.signal).toBeCloseTo(signal5, 12);
    expect(out[5]!.histogram).toBeCloseTo(line5 - signal5, 12);
  });

  it("ADX(2): DX 100/3 then 300/7 give a first ADX of 1600/42, then (1600/42 + 300/7)/2", () => {
    // Bar 1: +DM 2, TR 3. Bar 2: -DM 2, TR 4 → +DM 2-1 = 1, -DM 2, TR 3-1.5+4 = 5.5: +DI 18.18, -DI 36.36, DX 100/3.
    // Bar 3: +DM 2, TR 5 → +DM 2.5, -DM 1, TR 7.75: DX = 100·1.5/3.5 = 300/7.
    // Bar 4: no DM, TR 1 → +DM 1.25, -DM 0.5, TR 4.875: DX = 100·0.75/1.75 = 300/7.
    const adx = new Adx(2);
    const out = [bar(10, 8, 9), bar(12, 9, 11), bar(11, 7, 8), bar(13, 10, 12), bar(12, 11, 11.5)].map((b) => adx.update(b)?.adx);
    expect(out.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(out[3]).toBeCloseTo(1600 / 42, 10);
    expect(out[4]).toBeCloseTo((1600 / 42 + 300 / 7) / 2, 10);
    expect(adx.plusDI).toBeCloseTo((100 * 1.25) / 4.875, 10);
    expect(adx.minusDI).toBeCloseTo((100 * 0.5) / 4.875, 10);
  });

  it("ADX: an outside bar whose up-move equals its down-move is no directional movement", () => {
    const adx = new Adx(2);
    [bar(10, 8, 9), bar(12, 6, 9), bar(12, 6, 9)].forEach((b) => adx.update(b));
    expect(adx.plusDI).toBe(0);
    expect(adx.minusDI).toBe(0);
  });

  it("Stochastic(3,1,1): highest high 12, lowest low 7, close 10 → %K = 100·3/5 = 60", () => {
    const stoch = new Stochastic(3, 1, 1);
    expect(stoch.update(bar(10, 8, 9))).toBeUndefined();
    expect(stoch.update(bar(12, 9, 11))).toBeUndefined();
    expect({ ...stoch.update(bar(11, 7, 10))! }).toEqual({ k: 60, d: 60 });
  });

  it("OBV: starts at the first volume, adds on up closes, ignores unchanged closes, subtracts on down closes", () => {
    const obv = new Obv();
    const out = [
      { close: 10, volume: 5 },
      { close: 11, volume: 3 },
      { close: 11, volume: 4 },
      { close: 9, volume: 2 },
    ].map((b) => obv.update(b));
    expect(out).toEqual([5, 8, 8, 6]);
  });

  it("VWAP with a daily session: typical prices 10 (vol 1) and 13 (vol 2) average to 12, then a new UTC day starts over", () => {
    const day = 86_400_000;
    const vwap = new Vwap({ sessionMs: day });
    const t0 = Date.UTC(2024, 0, 1, 22);
    expect(vwap.update({ openTime: t0, high: 11, low: 9, close: 10, volume: 1 })).toBeCloseTo(10, 12);
    expect(vwap.update({ openTime: t0 + 3_600_000, high: 14, low: 12, close: 13, volume: 2 })).toBeCloseTo(12, 12);
    expect(vwap.sessionStart).toBe(Date.UTC(2024, 0, 1));
    // Next day, first bar without volume: no VWAP yet for this session.
    expect(vwap.update({ openTime: t0 + 2 * 3_600_000, high: 21, low: 19, close: 20, volume: 0 })).toBeUndefined();
    expect(vwap.isReady).toBe(false);
    expect(vwap.update({ openTime: t0 + 3 * 3_600_000, high: 31, low: 29, close: 30, volume: 4 })).toBeCloseTo(30, 12);
    expect(vwap.sessionStart).toBe(Date.UTC(2024, 0, 2));
  });
});

describe("flat markets (no movement in the window)", () => {
  it("RSI is 0 as in TA-Lib, Bollinger %B is 0.5 with zero bandwidth, raw %K is 0", () => {
    const rsi = new Rsi(3);
    const bb = new BollingerBands(3, 2);
    const stoch = new Stochastic(3, 1, 1);
    for (let i = 0; i < 5; i++) {
      rsi.update(100);
      bb.update(100);
      stoch.update(bar(100, 100, 100));
    }
    expect(rsi.value).toBe(0);
    expect({ ...bb.value! }).toEqual({ upper: 100, middle: 100, lower: 100, stdDev: 0, percentB: 0.5, bandwidth: 0 });
    expect(stoch.value!.k).toBe(0);
  });
});
