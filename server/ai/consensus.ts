import type { FeatureReadings } from "./features";

export type Lean = "bullish" | "bearish" | "neutral";

export interface ConsensusItem {
  indicator: string;
  /** The number the rule looked at. */
  reading: number;
  lean: Lean;
  /** The rule, in words. */
  rule: string;
  /** The reading in context, e.g. "EMA9 101.20 > EMA21 100.80". */
  detail: string;
}

export interface ConsensusNet {
  lean: Lean;
  /** bullish count - bearish count */
  score: number;
  bullish: number;
  bearish: number;
  neutral: number;
  rule: string;
}

export interface ConsensusReading {
  items: ConsensusItem[];
  net: ConsensusNet;
}

/** |score| at or above this = a net lean; below it the indicators disagree too much to call. */
export const CONSENSUS_MIN_SCORE = 2;
export const RSI_OVERSOLD = 30;
export const RSI_OVERBOUGHT = 70;
/** ADX below this: the DI comparison is noise. */
export const DMI_MIN_ADX = 20;
/** Volume z-score at or above this = the last candle's volume stands out. */
export const VOLUME_Z_SIGNIFICANT = 1;

const fx = (x: number, dp = 2) => x.toFixed(dp);
const sign = (x: number, dp = 2) => `${x >= 0 ? "+" : ""}${x.toFixed(dp)}`;

/**
 * Each indicator's current reading and lean. The rules (one per item, also returned with it):
 * - RSI(14): below 30 oversold → bullish (mean-reversion reading); above 70 overbought → bearish.
 * - MACD histogram: above 0 → bullish (MACD above its signal line); below 0 → bearish.
 * - Bollinger %B: below 0 (close under the lower band) → bullish; above 1 (over the upper band) → bearish.
 * - EMA9 vs EMA21: fast above slow → bullish; below → bearish.
 * - Close vs EMA50: above → bullish; below → bearish.
 * - ADX/DMI: with ADX ≥ 20, +DI > -DI → bullish, -DI > +DI → bearish; ADX < 20 → neutral.
 * - Higher-timeframe trend: its EMA9 above its EMA21 → bullish; below → bearish.
 * - Volume: z ≥ 1 on an up candle → bullish, on a down candle → bearish (volume confirms the move).
 * Net: score = bullish - bearish; bullish when score ≥ 2, bearish when ≤ -2, neutral otherwise.
 */
export function indicatorConsensus(r: FeatureReadings): ConsensusReading {
  const items: ConsensusItem[] = [];
  const bySign = (x: number): Lean => (x > 0 ? "bullish" : x < 0 ? "bearish" : "neutral");

  items.push({
    indicator: "RSI(14)",
    reading: r.rsi,
    lean: r.rsi < RSI_OVERSOLD ? "bullish" : r.rsi > RSI_OVERBOUGHT ? "bearish" : "neutral",
    rule: `below ${RSI_OVERSOLD} oversold → bullish; above ${RSI_OVERBOUGHT} overbought → bearish; otherwise neutral`,
    detail: `RSI ${fx(r.rsi, 1)}`,
  });
  items.push({
    indicator: "MACD histogram",
    reading: r.macd.histogram,
    lean: bySign(r.macd.histogram),
    rule: "above 0 (MACD over its signal line) → bullish; below 0 → bearish",
    detail: `MACD ${sign(r.macd.macd, 4)} vs signal ${sign(r.macd.signal, 4)}`,
  });
  const pb = r.bollinger.percentB;
  items.push({
    indicator: "Bollinger %B",
    reading: pb,
    lean: pb < 0 ? "bullish" : pb > 1 ? "bearish" : "neutral",
    rule: "below 0 (close under the lower band, stretched down) → bullish; above 1 (over the upper band) → bearish; inside → neutral",
    detail: `%B ${fx(pb)} (bands ${fx(r.bollinger.lower)}–${fx(r.bollinger.upper)})`,
  });
  items.push({
    indicator: "EMA9 vs EMA21",
    reading: 100 * (r.ema9 / r.ema21 - 1),
    lean: bySign(r.ema9 - r.ema21),
    rule: "EMA9 above EMA21 → bullish; below → bearish",
    detail: `EMA9 ${fx(r.ema9)} ${r.ema9 >= r.ema21 ? ">" : "<"} EMA21 ${fx(r.ema21)}`,
  });
  items.push({
    indicator: "Close vs EMA50",
    reading: 100 * (r.close / r.ema50 - 1),
    lean: bySign(r.close - r.ema50),
    rule: "close above EMA50 → bullish; below → bearish",
    detail: `close ${fx(r.close)} ${r.close >= r.ema50 ? ">" : "<"} EMA50 ${fx(r.ema50)}`,
  });
  const { adx, plusDI, minusDI } = r.adx;
  items.push({
    indicator: "ADX/DMI(14)",
    reading: plusDI - minusDI,
    lean: adx < DMI_MIN_ADX ? "neutral" : bySign(plusDI - minusDI),
    rule: `with ADX ≥ ${DMI_MIN_ADX}: +DI above -DI → bullish, below → bearish; ADX < ${DMI_MIN_ADX} → neutral (no trend to read)`,
    detail: `ADX ${fx(adx, 1)}, +DI ${fx(plusDI, 1)}, -DI ${fx(minusDI, 1)}`,
  });
  items.push({
    indicator: `${r.higherTimeframe} trend`,
    reading: r.htfTrendPct,
    lean: bySign(r.htfTrendPct),
    rule: `${r.higherTimeframe} EMA9 above its EMA21 → bullish; below → bearish`,
    detail: `${r.higherTimeframe} EMA9/EMA21 ${sign(r.htfTrendPct)}%`,
  });
  const z = r.volumeZ;
  items.push({
    indicator: "Volume",
    reading: z,
    lean: z >= VOLUME_Z_SIGNIFICANT ? bySign(r.lastReturnPct) : "neutral",
    rule: `volume z-score ≥ ${VOLUME_Z_SIGNIFICANT} on an up candle → bullish, on a down candle → bearish; ordinary volume → neutral`,
    detail: `volume z ${sign(z)}, last candle ${sign(r.lastReturnPct)}%`,
  });

  const bullish = items.filter((i) => i.lean === "bullish").length;
  const bearish = items.filter((i) => i.lean === "bearish").length;
  const score = bullish - bearish;
  const lean: Lean = score >= CONSENSUS_MIN_SCORE ? "bullish" : score <= -CONSENSUS_MIN_SCORE ? "bearish" : "neutral";
  return {
    items,
    net: {
      lean,
      score,
      bullish,
      bearish,
      neutral: items.length - bullish - bearish,
      rule: `score = bullish - bearish; ≥ ${CONSENSUS_MIN_SCORE} bullish, ≤ -${CONSENSUS_MIN_SCORE} bearish, otherwise neutral`,
    },
  };
}
