/**
 * Binance's X-MBX-TIME-UNIT: MICROSECOND: every time and timestamp field of a JSON answer is given in
 * microseconds instead of milliseconds. The simulator's times are whole milliseconds, so the
 * microsecond value is the millisecond value × 1000.
 */

/** Object keys that hold a time in Binance's spot REST answers. */
const TIME_KEYS = new Set([
  "serverTime",
  "transactTime",
  "time",
  "updateTime",
  "workingTime",
  "trailingTime",
  "openTime",
  "closeTime",
  "T",
  "E",
  "O",
  "W",
  "tradingDayTime",
]);

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 1e11;
}

export function toMicroseconds(payload: unknown): unknown {
  if (Array.isArray(payload)) {
    // A kline row: [openTime, o, h, l, c, v, closeTime, ...].
    if (payload.length >= 7 && isTime(payload[0]) && isTime(payload[6]) && typeof payload[1] === "string") {
      const row = [...payload];
      row[0] = payload[0] * 1000;
      // The last microsecond of the interval, as Binance's closeTime (…59999999).
      row[6] = ((payload[6] as number) + 1) * 1000 - 1;
      return row;
    }
    return payload.map(toMicroseconds);
  }
  if (payload !== null && typeof payload === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(payload)) out[k] = TIME_KEYS.has(k) && isTime(v) ? v * 1000 : toMicroseconds(v);
    return out;
  }
  return payload;
}
