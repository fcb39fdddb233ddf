import { describe, expect, it } from "vitest";
import { indicatorConsensus } from "../consensus";
import { FeatureEngine, type FeatureReadings } from "../features";
import { classifyRegime } from "../regime";
import { candlesFromReturns, gaussian, rng } from "./helpers";

function readings(overrides: Partial<FeatureReadings> = {}): FeatureReadings {
  return {
    openTime: 0,
    close: 100,
    lastReturnPct: 0.1,
    rsi: 50,
    macd: { macd: 0, signal: 0, histogram: 0 },
    bollinger: { upper: 102, middle: 100, lower: 98, percentB: 0.5, bandwidth: 0.04 },
    adx: { adx: 15, plusDI: 20, minusDI: 20 },
    atr: 1,
    atrPct: 1,
    ema9: 100,
    ema21: 100,
    ema50: 100,
    ema50SlopePct: 0,
    volatilityPct: 0.2,
    volatilityPercentile: 50,
    volumeZ: 0,
    htfTrendPct: 0,
    higherTimeframe: "15m",
    ...overrides,
  };
}

function lastReadings(returns: number[]): FeatureReadings {
  const engine = new FeatureEngine("5m");
  for (const c of candlesFromReturns(returns, { seed: 1 })) engine.update(c);
  return engine.readings()!;
}

describe("market regime", () => {
  it("each rule decides with the numbers that decided it", () => {
    const up = classifyRegime(readings({ adx: { adx: 31, plusDI: 30, minusDI: 12 }, ema50SlopePct: 0.4 }));
    expect(up.label).toBe("trending_up");
    expect(up.rule).toBe("ADX 31.0 ≥ 25, EMA50 slope +0.40% over 10 candles, +DI 30.0 > -DI 12.0");
    expect(up.evidence).toMatchObject({ adx: 31, plusDI: 30, minusDI: 12, ema50SlopePct: 0.4, trendAdxThreshold: 25 });

    expect(classifyRegime(readings({ adx: { adx: 40, plusDI: 10, minusDI: 35 }, ema50SlopePct: -0.3 })).label).toBe("trending_down");
    // strong ADX but slope and DI disagree: no direction claimed
    const mixed = classifyRegime(readings({ adx: { adx: 40, plusDI: 10, minusDI: 35 }, ema50SlopePct: 0.3 }));
    expect(mixed.label).toBe("ranging");
    expect(mixed.rule).toMatch(/disagree/);
    expect(classifyRegime(readings({ adx: { adx: 24.9, plusDI: 30, minusDI: 10 }, ema50SlopePct: 1 })).label).toBe("ranging");
    // a volatility burst outranks a trend
    const burst = classifyRegime(readings({ adx: { adx: 40, plusDI: 35, minusDI: 10 }, ema50SlopePct: 1, volatilityPercentile: 95, volatilityPct: 1.234 }));
    expect(burst.label).toBe("volatile");
    expect(burst.rule).toBe("volatility 1.23% is at the 95.0th percentile of the last 200 candles (≥ 90)");
    expect(classifyRegime(readings({ volatilityPercentile: undefined, ema50SlopePct: undefined })).evidence.volatilityPercentile).toBeNull();
  });

  it("a steady climb with calming volatility reads trending up; its mirror trending down", () => {
    const normal = gaussian(rng(9));
    const climb = Array.from({ length: 400 }, (_, i) => 0.003 + (0.002 - (0.0015 * i) / 400) * normal());
    expect(classifyRegime(lastReadings(climb)).label).toBe("trending_up");
    expect(classifyRegime(lastReadings(climb.map((r) => -r))).label).toBe("trending_down");
  });

  it("a sudden burst of large moves after a calm stretch reads volatile", () => {
    const normal = gaussian(rng(10));
    const returns = Array.from({ length: 400 }, (_, i) => (i < 380 ? 0.001 : 0.01) * normal());
    const r = lastReadings(returns);
    expect(r.volatilityPercentile).toBeGreaterThanOrEqual(90);
    expect(classifyRegime(r).label).toBe("volatile");
  });
});

describe("indicator consensus", () => {
  const lean = (r: FeatureReadings, indicator: string) => indicatorConsensus(r).items.find((i) => i.indicator === indicator)!.lean;

  it("applies each documented rule", () => {
    expect(lean(readings({ rsi: 29.9 }), "RSI(14)")).toBe("bullish");
    expect(lean(readings({ rsi: 70.1 }), "RSI(14)")).toBe("bearish");
    expect(lean(readings({ rsi: 55 }), "RSI(14)")).toBe("neutral");
    expect(lean(readings({ macd: { macd: 1, signal: 0.5, histogram: 0.5 } }), "MACD histogram")).toBe("bullish");
    expect(lean(readings({ macd: { macd: 0, signal: 0.5, histogram: -0.5 } }), "MACD histogram")).toBe("bearish");
    expect(lean(readings({ bollinger: { upper: 2, middle: 1, lower: 0, percentB: -0.1, bandwidth: 1 } }), "Bollinger %B")).toBe("bullish");
    expect(lean(readings({ bollinger: { upper: 2, middle: 1, lower: 0, percentB: 1.1, bandwidth: 1 } }), "Bollinger %B")).toBe("bearish");
    expect(lean(readings({ bollinger: { upper: 2, middle: 1, lower: 0, percentB: 0.9, bandwidth: 1 } }), "Bollinger %B")).toBe("neutral");
    expect(lean(readings({ ema9: 101, ema21: 100 }), "EMA9 vs EMA21")).toBe("bullish");
    expect(lean(readings({ close: 99, ema50: 100 }), "Close vs EMA50")).toBe("bearish");
    expect(lean(readings({ adx: { adx: 25, plusDI: 30, minusDI: 10 } }), "ADX/DMI(14)")).toBe("bullish");
    expect(lean(readings({ adx: { adx: 19, plusDI: 30, minusDI: 10 } }), "ADX/DMI(14)")).toBe("neutral");
    expect(lean(readings({ htfTrendPct: -0.2 }), "15m trend")).toBe("bearish");
    expect(lean(readings({ volumeZ: 1.5, lastReturnPct: 0.3 }), "Volume")).toBe("bullish");
    expect(lean(readings({ volumeZ: 1.5, lastReturnPct: -0.3 }), "Volume")).toBe("bearish");
    expect(lean(readings({ volumeZ: 0.5, lastReturnPct: -0.3 }), "Volume")).toBe("neutral");
    for (const item of indicatorConsensus(readings()).items) expect(item.rule.length).toBeGreaterThan(10);
  });

  it("net lean: bullish minus bearish, called only from a margin of two", () => {
    const oneUp = indicatorConsensus(readings({ ema9: 101, ema21: 100 }));
    expect(oneUp.net).toMatchObject({ score: 1, bullish: 1, bearish: 0, neutral: 7, lean: "neutral" });
    const bull = indicatorConsensus(readings({ ema9: 101, ema21: 100, close: 101, macd: { macd: 1, signal: 0, histogram: 1 }, rsi: 75 }));
    expect(bull.net).toMatchObject({ bullish: 3, bearish: 1, score: 2, lean: "bullish" });
    const bear = indicatorConsensus(readings({ ema9: 99, ema21: 100, close: 99, htfTrendPct: -1 }));
    expect(bear.net.lean).toBe("bearish");
  });
});
