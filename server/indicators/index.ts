/**
 * Incremental technical indicators: O(1) per update, no allocation per update, values equal to
 * TA-Lib's definitions (including its seeding) after warm-up. See ./types for the shared conventions:
 * update() returns undefined during warm-up; NaN/Infinity input throws IndicatorInputError and leaves
 * the state untouched.
 */
export {
  IndicatorInputError,
  SETTLING_TOLERANCE,
  type Indicator,
  type HighLowClose,
  type CloseVolume,
  type TimedBar,
} from "./types";
export { Sma } from "./sma";
export { Ema } from "./ema";
export { Wma } from "./wma";
export { Rsi } from "./rsi";
export { Macd, type MacdValue } from "./macd";
export { BollingerBands, type BollingerValue } from "./bollinger";
export { Atr, trueRange } from "./atr";
export { Adx, type AdxValue } from "./adx";
export { Stochastic, type StochasticValue } from "./stochastic";
export { Obv } from "./obv";
export { Vwap, type VwapOptions } from "./vwap";
export { VolumeAverage } from "./volume-average";
export { SlidingExtreme } from "./sliding-extreme";
export { sma, ema, bollinger, rsi, macd, type Series, type Bands, type MacdSeries } from "./series";
