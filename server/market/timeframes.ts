import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe } from "../model/types";

export const BASE_TIMEFRAME: Timeframe = "1m";
export const MINUTE_MS = TIMEFRAME_MS["1m"];

export function isTimeframe(value: string): value is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(value);
}

export function parseTimeframe(value: string): Timeframe {
  if (!isTimeframe(value)) {
    throw new RangeError(`unsupported timeframe "${value}" (expected one of ${TIMEFRAMES.join(", ")})`);
  }
  return value;
}

/** Start of the UTC-aligned period of `timeframe` that contains `time`. */
export function periodStart(time: number, timeframe: Timeframe): number {
  const ms = TIMEFRAME_MS[timeframe];
  return Math.floor(time / ms) * ms;
}

export function isAligned(time: number, timeframe: Timeframe): boolean {
  return time % TIMEFRAME_MS[timeframe] === 0;
}

export function periodEnd(openTime: number, timeframe: Timeframe): number {
  return openTime + TIMEFRAME_MS[timeframe];
}
