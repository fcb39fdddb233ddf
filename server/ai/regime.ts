import type { FeatureReadings } from "./features";

export type RegimeLabel = "trending_up" | "trending_down" | "ranging" | "volatile";

export const REGIME_TITLES: Record<RegimeLabel, string> = {
  trending_up: "trending up",
  trending_down: "trending down",
  ranging: "ranging",
  volatile: "volatile",
};

/** Thresholds of the regime rules (see classifyRegime). */
export const REGIME_THRESHOLDS = {
  /** ADX at or above this = a directional trend (Wilder's customary 25). */
  trendAdx: 25,
  /** Current volatility at or above this percentile of the recent history = volatile. */
  volatilePercentile: 90,
} as const;

export interface RegimeEvidence {
  adx: number;
  plusDI: number;
  minusDI: number;
  /** 100·(EMA50 now / EMA50 ten candles ago - 1). */
  ema50SlopePct: number | null;
  /** Standard deviation of the last 20 one-candle log returns, in %. */
  volatilityPct: number;
  /** Percentile of that volatility among the last 200 candles' (null while the history is short). */
  volatilityPercentile: number | null;
  atrPct: number;
  trendAdxThreshold: number;
  volatilePercentileThreshold: number;
}

export interface RegimeReading {
  label: RegimeLabel;
  evidence: RegimeEvidence;
  /** The rule that decided, in words, with the numbers. */
  rule: string;
}

const f1 = (x: number) => x.toFixed(1);
const f2signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;

/**
 * Market regime from the latest readings. Rules, first match wins:
 * 1. volatile: the 20-candle return volatility is at or above the 90th percentile of the last 200
 *    candles' (a volatility burst dominates any trend reading);
 * 2. trending up: ADX ≥ 25, the EMA50 rose over the last 10 candles and +DI > -DI;
 * 3. trending down: ADX ≥ 25, the EMA50 fell over the last 10 candles and -DI > +DI;
 * 4. ranging: anything else (weak ADX, or slope and DI disagree).
 */
export function classifyRegime(r: FeatureReadings): RegimeReading {
  const { trendAdx, volatilePercentile } = REGIME_THRESHOLDS;
  const evidence: RegimeEvidence = {
    adx: r.adx.adx,
    plusDI: r.adx.plusDI,
    minusDI: r.adx.minusDI,
    ema50SlopePct: r.ema50SlopePct ?? null,
    volatilityPct: r.volatilityPct,
    volatilityPercentile: r.volatilityPercentile ?? null,
    atrPct: r.atrPct,
    trendAdxThreshold: trendAdx,
    volatilePercentileThreshold: volatilePercentile,
  };
  const pctl = r.volatilityPercentile;
  if (pctl !== undefined && pctl >= volatilePercentile) {
    return {
      label: "volatile",
      evidence,
      rule: `volatility ${r.volatilityPct.toFixed(2)}% is at the ${f1(pctl)}th percentile of the last 200 candles (≥ ${volatilePercentile})`,
    };
  }
  const slope = r.ema50SlopePct;
  const { adx, plusDI, minusDI } = r.adx;
  if (adx >= trendAdx && slope !== undefined) {
    if (slope > 0 && plusDI > minusDI) {
      return { label: "trending_up", evidence, rule: `ADX ${f1(adx)} ≥ ${trendAdx}, EMA50 slope ${f2signed(slope)}% over 10 candles, +DI ${f1(plusDI)} > -DI ${f1(minusDI)}` };
    }
    if (slope < 0 && minusDI > plusDI) {
      return { label: "trending_down", evidence, rule: `ADX ${f1(adx)} ≥ ${trendAdx}, EMA50 slope ${f2signed(slope)}% over 10 candles, -DI ${f1(minusDI)} > +DI ${f1(plusDI)}` };
    }
    return {
      label: "ranging",
      evidence,
      rule: `ADX ${f1(adx)} ≥ ${trendAdx} but the EMA50 slope ${f2signed(slope)}% and the DI (+${f1(plusDI)} / -${f1(minusDI)}) disagree on the direction`,
    };
  }
  if (slope === undefined) return { label: "ranging", evidence, rule: `ADX ${f1(adx)}; the EMA50 slope is not known yet, so no trend is claimed` };
  return { label: "ranging", evidence, rule: `ADX ${f1(adx)} < ${trendAdx}: no directional trend` };
}
