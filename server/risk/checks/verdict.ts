import type { RiskVerdict } from "../../model/types";

type VerdictData = NonNullable<RiskVerdict["data"]>;

// Built on every evaluation of every check (the order path): no spreads, no Object.entries arrays.
export function allow(code: string, message: string, data?: VerdictData): RiskVerdict {
  return data ? { allowed: true, code, message, data: cleanData(data) } : { allowed: true, code, message };
}

export function deny(code: string, message: string, data?: VerdictData): RiskVerdict {
  return data ? { allowed: false, code, message, data: cleanData(data) } : { allowed: false, code, message };
}

/**
 * Non-finite numbers become null so verdicts survive JSON (events, the order's riskChecks column).
 * Data that is already clean (nearly always) is kept as it is; otherwise a cleaned copy is returned.
 */
function cleanData(data: VerdictData): VerdictData {
  let clean = true;
  for (const k in data) {
    const v = data[k];
    if (typeof v === "number" && !Number.isFinite(v)) {
      clean = false;
      break;
    }
  }
  if (clean) return data;
  const out: VerdictData = {};
  for (const [k, v] of Object.entries(data)) out[k] = typeof v === "number" && !Number.isFinite(v) ? null : v;
  return out;
}

/** value > limit, with a relative tolerance so an order sized exactly at a limit passes. */
export function exceeds(value: number, limit: number): boolean {
  return value > limit + 1e-9 * Math.max(1, Math.abs(limit));
}

/** value < limit, with the same tolerance. */
export function fallsShort(value: number, limit: number): boolean {
  return value < limit - 1e-9 * Math.max(1, Math.abs(limit));
}

/** A number for a sentence: 8 significant digits, no float noise. */
export function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(8)));
}

export function money(n: number, currency: string): string {
  return Number.isFinite(n) ? `${n.toFixed(2)} ${currency}` : String(n);
}

export function pct(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}%` : String(n);
}

/** Round for verdict data: enough precision to audit, no 17-digit noise. */
export function r(n: number, significant = 10): number {
  return Number.isFinite(n) ? Number(n.toPrecision(significant)) : n;
}
