/**
 * "tradekeel/strategy": everything a strategy file may import (besides "zod"). Built-ins import the
 * same pieces from their own paths. See strategies/README.md for what a strategy can and cannot do.
 */
export { z } from "zod";
export { defineStrategy, type DecisionContext, type EnterOptions, type ExitOptions, type SignalData, type StrategySpec } from "./sdk";
export { booleanParam, enumParam, integerParam, numberParam, protectiveParams, whenFieldsValid } from "./params";
export { formatFixed, formatPrice, formatUtc } from "./format";
export { rsiReading } from "./readings";
export {
  Adx,
  Atr,
  BollingerBands,
  Ema,
  Macd,
  Obv,
  Rsi,
  SlidingExtreme,
  Sma,
  Stochastic,
  VolumeAverage,
  Vwap,
  Wma,
  trueRange,
} from "../indicators";
export type { Candle, Signal, Timeframe } from "../model/types";
export type { StrategyPosition } from "./types";
