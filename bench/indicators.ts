import { Adx, Atr, BollingerBands, Ema, Macd, Obv, Rsi, SlidingExtreme, Sma, Stochastic, VolumeAverage, Vwap, Wma } from "../server/indicators";
import type { Candle } from "../server/model/types";

/** Cost of one indicator update per candle, in nanoseconds (best of a few passes over the candles). */

export interface IndicatorResult {
  name: string;
  updates: number;
  nsPerUpdate: number;
}

type Case = { name: string; run: (candles: readonly Candle[]) => number };

const CASES: Case[] = [
  { name: "SMA(20)", run: (c) => loop(c, new Sma(20), (i, x) => i.update(x.close)) },
  { name: "EMA(21)", run: (c) => loop(c, new Ema(21), (i, x) => i.update(x.close)) },
  { name: "WMA(20)", run: (c) => loop(c, new Wma(20), (i, x) => i.update(x.close)) },
  { name: "RSI(14)", run: (c) => loop(c, new Rsi(14), (i, x) => i.update(x.close)) },
  { name: "MACD(12,26,9)", run: (c) => loop(c, new Macd(12, 26, 9), (i, x) => i.update(x.close)?.histogram) },
  { name: "Bollinger(20,2)", run: (c) => loop(c, new BollingerBands(20, 2), (i, x) => i.update(x.close)?.middle) },
  { name: "ATR(14)", run: (c) => loop(c, new Atr(14), (i, x) => i.update(x)) },
  { name: "ADX(14)", run: (c) => loop(c, new Adx(14), (i, x) => i.update(x)?.adx) },
  { name: "Stochastic(14,3,3)", run: (c) => loop(c, new Stochastic(14, 3, 3), (i, x) => i.update(x)?.k) },
  { name: "OBV", run: (c) => loop(c, new Obv(), (i, x) => i.update(x)) },
  { name: "VWAP (daily session)", run: (c) => loop(c, new Vwap({ sessionMs: 86_400_000 }), (i, x) => i.update(x)) },
  { name: "Volume average(20)", run: (c) => loop(c, new VolumeAverage(20), (i, x) => i.update(x.volume)) },
  { name: "Sliding max(50)", run: (c) => loop(c, new SlidingExtreme(50, true), (i, x) => i.push(x.high)) },
];

/** Runs the update over every candle; the sum of the outputs keeps the optimiser from removing the work. */
function loop<I>(candles: readonly Candle[], indicator: I, update: (indicator: I, candle: Candle) => number | undefined): number {
  let sink = 0;
  for (let k = 0; k < candles.length; k++) {
    const v = update(indicator, candles[k]);
    if (v !== undefined) sink += v;
  }
  return sink;
}

export function indicatorCosts(candles: readonly Candle[], passes = 3): IndicatorResult[] {
  const results: IndicatorResult[] = [];
  let sink = 0;
  for (const c of CASES) {
    let best = Number.POSITIVE_INFINITY;
    for (let p = 0; p < passes; p++) {
      const start = process.hrtime.bigint();
      sink += c.run(candles);
      const ns = Number(process.hrtime.bigint() - start);
      if (ns < best) best = ns;
    }
    results.push({ name: c.name, updates: candles.length, nsPerUpdate: Math.round((best / candles.length) * 10) / 10 });
  }
  if (Number.isNaN(sink)) results.push({ name: "(sink)", updates: 0, nsPerUpdate: sink });
  return results;
}
