import { describe, expect, it } from "vitest";
import { Adx, Atr, BollingerBands, Ema, IndicatorInputError, Macd, Obv, Rsi, Sma, Stochastic, VolumeAverage, Vwap, Wma, type Indicator } from "../index";
import { randomWalkBars, type TestBar } from "./series";

const bars = randomWalkBars({ count: 120, seed: 3 });

type Case = { name: string; make: () => Indicator<never, unknown>; feed: (b: TestBar) => unknown; poison: (b: TestBar, bad: number) => unknown };
const closeOnly = (make: () => Indicator<number, unknown>): Omit<Case, "name"> => ({
  make: make as () => Indicator<never, unknown>,
  feed: (b) => b.close,
  poison: (_b, bad) => bad,
});
const fullBar = (make: () => Indicator<never, unknown>, field: keyof TestBar = "close"): Omit<Case, "name"> => ({
  make,
  feed: (b) => b,
  poison: (b, bad) => ({ ...b, [field]: bad }),
});

const cases: Case[] = [
  { name: "SMA", ...closeOnly(() => new Sma(10)) },
  { name: "EMA", ...closeOnly(() => new Ema(10)) },
  { name: "WMA", ...closeOnly(() => new Wma(10)) },
  { name: "RSI", ...closeOnly(() => new Rsi(14)) },
  { name: "MACD", ...closeOnly(() => new Macd()) },
  { name: "Bollinger", ...closeOnly(() => new BollingerBands()) },
  { name: "volume average", make: () => new VolumeAverage(10) as Indicator<never, unknown>, feed: (b) => b.volume, poison: (_b, bad) => bad },
  { name: "ATR (high)", ...fullBar(() => new Atr(14) as Indicator<never, unknown>, "high") },
  { name: "ADX (low)", ...fullBar(() => new Adx(14) as Indicator<never, unknown>, "low") },
  { name: "Stochastic (close)", ...fullBar(() => new Stochastic() as Indicator<never, unknown>) },
  { name: "OBV (volume)", ...fullBar(() => new Obv() as Indicator<never, unknown>, "volume") },
  { name: "VWAP (close)", ...fullBar(() => new Vwap({ sessionMs: 86_400_000 }) as Indicator<never, unknown>) },
  { name: "VWAP (openTime)", ...fullBar(() => new Vwap({ sessionMs: 86_400_000 }) as Indicator<never, unknown>, "openTime") },
];

const snapshot = (v: unknown) => (v && typeof v === "object" ? { ...v } : v);

describe("a NaN or infinite input is rejected and never poisons the state", () => {
  it.each(cases)("$name", ({ make, feed, poison }) => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const clean = make();
      const hit = make();
      const cleanOut: unknown[] = [];
      const hitOut: unknown[] = [];
      bars.forEach((b, i) => {
        if (i === 60) {
          expect(() => hit.update(poison(b, bad) as never)).toThrow(IndicatorInputError);
          expect(hit.count).toBe(60);
        }
        cleanOut.push(snapshot(clean.update(feed(b) as never)));
        hitOut.push(snapshot(hit.update(feed(b) as never)));
      });
      expect(hitOut).toEqual(cleanOut);
      expect(cleanOut[cleanOut.length - 1]).toBeDefined();
    }
  });

  it("the error names the indicator, the field and the value", () => {
    const atr = new Atr(14);
    expect(() => atr.update({ high: 10, low: Number.NaN, close: 9 })).toThrow(/ATR\(14\): low must be a finite number \(got NaN\)/);
    expect(() => atr.update({ high: 9, low: 10, close: 9 })).toThrow(/ATR\(14\): high must not be below low 10/);
    expect(() => new Obv().update({ close: 1, volume: -5 })).toThrow(/OBV: volume must be a finite number >= 0 \(got -5\)/);
    expect(() => new Sma(5).update("12" as unknown as number)).toThrow(IndicatorInputError);
  });

  it("bad construction parameters are refused", () => {
    expect(() => new Sma(0)).toThrow(/SMA\(0\): period must be an integer from 1/);
    expect(() => new Rsi(1.5)).toThrow(/period must be an integer from 2/);
    expect(() => new Macd(26, 12, 9)).toThrow(/fast period must be shorter than slow period/);
    expect(() => new BollingerBands(20, Number.NaN)).toThrow(/multiplier must be a finite number > 0/);
    expect(() => new Vwap({ sessionMs: -1 })).toThrow(/sessionMs must be a positive whole number/);
  });
});

describe("reset and readiness", () => {
  it("reset() returns an indicator to its freshly constructed state", () => {
    const macd = new Macd();
    const first = bars.map((b) => snapshot(macd.update(b.close)));
    macd.reset();
    expect(macd.isReady).toBe(false);
    expect(macd.count).toBe(0);
    const second = bars.map((b) => snapshot(macd.update(b.close)));
    expect(second).toEqual(first);
  });

  it("isReady flips exactly when count reaches warmup", () => {
    const all = [new Sma(5), new Ema(5), new Wma(5), new Rsi(5), new Macd(3, 6, 4), new BollingerBands(5)];
    for (const ind of all) {
      for (let i = 0; i < 20; i++) {
        ind.update(bars[i].close);
        expect(ind.isReady, `${ind.name} after ${ind.count}`).toBe(ind.count >= ind.warmup);
        expect(ind.value === undefined, ind.name).toBe(!ind.isReady);
      }
    }
  });
});
