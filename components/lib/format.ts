/**
 * Number and time formatting for the dashboard. Every formatter answers "—" for a value that is absent or
 * not a finite number, so the screen never shows NaN, undefined or Infinity.
 */

export const DASH = "—";
const MINUS = "−"; // typographic minus: same width as "+" in tabular figures

export function isNum(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

const formatterCache = new Map<string, Intl.NumberFormat>();
function numberFormat(minDp: number, maxDp: number): Intl.NumberFormat {
  const key = `${minDp}:${maxDp}`;
  let fmt = formatterCache.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: minDp,
      maximumFractionDigits: maxDp,
      useGrouping: true,
    });
    formatterCache.set(key, fmt);
  }
  return fmt;
}

/** Plain number with thousands separators and a fixed number of decimals. */
export function formatNumber(value: unknown, dp = 2): string {
  if (!isNum(value)) return DASH;
  return fixMinus(numberFormat(dp, dp).format(value));
}

/** Integer count with thousands separators. */
export function formatInt(value: unknown): string {
  if (!isNum(value)) return DASH;
  return fixMinus(numberFormat(0, 0).format(Math.round(value)));
}

/**
 * Decimals that show a price of this magnitude with about five significant figures:
 * 27,123.45 · 1,650.12 · 21.345 · 1.2345 · 0.38120 · 0.074123 · 0.00001012 (capped at 8).
 */
export function priceDecimals(reference: unknown): number {
  if (!isNum(reference) || reference === 0) return 2;
  const abs = Math.abs(reference);
  if (abs >= 100) return 2;
  if (abs >= 10) return 3;
  if (abs >= 1) return 4;
  return Math.min(8, -Math.floor(Math.log10(abs)) + 4);
}

/**
 * A price. `reference` is a typical price of the same symbol (e.g. its last price), so every price of
 * one symbol in a table uses the same number of decimals.
 */
export function formatPrice(value: unknown, reference?: unknown): string {
  if (!isNum(value)) return DASH;
  const dp = priceDecimals(isNum(reference) && reference !== 0 ? reference : value);
  return fixMinus(numberFormat(dp, dp).format(value));
}

/** Money in the quote currency, 2 decimals (amounts below 0.01 keep up to 4 so fees do not read as 0). */
export function formatMoney(value: unknown): string {
  if (!isNum(value)) return DASH;
  const abs = Math.abs(value);
  const dp = abs > 0 && abs < 0.01 ? 4 : 2;
  return fixMinus(numberFormat(dp, dp).format(value));
}

/** Money with an explicit sign: "+12.30", "−4.10", "0.00". */
export function formatSignedMoney(value: unknown): string {
  if (!isNum(value)) return DASH;
  const text = formatMoney(Math.abs(value));
  if (value > 0 && text !== "0.00") return `+${text}`;
  if (value < 0 && text !== "0.00") return `${MINUS}${text}`;
  return text;
}

/** Percentage points with a sign: 1.234 → "+1.23%". */
export function formatPct(value: unknown, dp = 2): string {
  if (!isNum(value)) return DASH;
  const text = numberFormat(dp, dp).format(Math.abs(value));
  const zero = Number(text.replace(/,/g, "")) === 0;
  if (zero) return `${text}%`;
  return `${value > 0 ? "+" : MINUS}${text}%`;
}

/** Percentage points without a sign (limits, usage): 3 → "3.00%". */
export function formatPlainPct(value: unknown, dp = 2): string {
  if (!isNum(value)) return DASH;
  return `${fixMinus(numberFormat(dp, dp).format(value))}%`;
}

/** A fraction 0..1 as a percentage without a sign: 0.5312 → "53.1%". */
export function formatRatio(value: unknown, dp = 1): string {
  if (!isNum(value)) return DASH;
  return `${fixMinus(numberFormat(dp, dp).format(value * 100))}%`;
}

/** Base-asset quantity: up to 8 decimals, trailing zeros dropped. */
export function formatQty(value: unknown): string {
  if (!isNum(value)) return DASH;
  return fixMinus(numberFormat(0, 8).format(value));
}

/** Decimals needed to show every one of these quantities exactly (at most 8): for aligned columns. */
export function quantityDecimals(values: readonly unknown[]): number {
  let dp = 0;
  for (const v of values) {
    if (!isNum(v)) continue;
    const text = v.toFixed(8).replace(/0+$/, "");
    const dot = text.indexOf(".");
    if (dot >= 0) dp = Math.max(dp, text.length - dot - 1);
  }
  return Math.min(8, dp);
}

/** A dimensionless statistic (Sharpe, profit factor): 2 decimals. */
export function formatStat(value: unknown, dp = 2): string {
  return formatNumber(value, dp);
}

/** 0 → "0s", 65_000 → "1m 5s", 3_725_000 → "1h 2m", 90_000_000 → "1d 1h". */
export function formatDuration(ms: unknown): string {
  if (!isNum(ms) || ms < 0) return DASH;
  const s = Math.floor(ms / 1000);
  if (s < 60) return ms < 1000 ? `${Math.round(ms)}ms` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${h % 24}h`;
}

/** Milliseconds of latency: "12 ms", "1.2 s". */
export function formatLatency(ms: unknown): string {
  if (!isNum(ms) || ms < 0) return DASH;
  if (ms < 1000) return `${numberFormat(0, ms < 10 ? 1 : 0).format(ms)} ms`;
  return `${numberFormat(1, 1).format(ms / 1000)} s`;
}

/** Accepts epoch ms or an ISO string; anything else is null. */
export function toEpochMs(value: unknown): number | null {
  if (isNum(value)) return value;
  if (typeof value === "string" && value.length > 0) {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

function parts(ms: number, timeZone?: string) {
  const fmt = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** "2023-03-01 14:05:09" in the browser's time zone (or the one given). */
export function formatDateTime(value: unknown, timeZone?: string): string {
  const ms = toEpochMs(value);
  if (ms === null) return DASH;
  const p = parts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "14:05:09". */
export function formatTime(value: unknown, timeZone?: string): string {
  const ms = toEpochMs(value);
  if (ms === null) return DASH;
  const p = parts(ms, timeZone);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** How long ago, from a reference "now": "12s ago". */
export function formatAgo(value: unknown, now: number): string {
  const ms = toEpochMs(value);
  if (ms === null) return DASH;
  return `${formatDuration(Math.max(0, now - ms))} ago`;
}

/** Sign of a P&L value for colouring: 1 profit, -1 loss, 0 flat or absent. */
export function pnlSign(value: unknown): 1 | -1 | 0 {
  if (!isNum(value) || value === 0) return 0;
  return value > 0 ? 1 : -1;
}

/** Seconds of uptime as "3d 4h". */
export function formatUptime(seconds: unknown): string {
  if (!isNum(seconds)) return DASH;
  return formatDuration(seconds * 1000);
}

function fixMinus(text: string): string {
  return text.startsWith("-") ? `${MINUS}${text.slice(1)}` : text;
}
