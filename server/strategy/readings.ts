import type { Rsi } from "../indicators";

/**
 * The RSI as the built-in strategies read it. TA-Lib (and the Rsi indicator) report 0 for a window
 * without any price movement; a strategy would take that for "deeply oversold" and buy the first
 * uptick of a quiet market. With no movement at all, the reading is neutral: 50.
 */
export function rsiReading(rsi: Rsi): number | undefined {
  const value = rsi.value;
  if (value === undefined) return undefined;
  return rsi.averageGain === 0 && rsi.averageLoss === 0 ? 50 : value;
}
