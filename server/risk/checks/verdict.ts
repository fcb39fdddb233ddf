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
  return String(toPrecisionNumber(n, 8));
}

export function money(n: number, currency: string): string {
  return Number.isFinite(n) ? `${n.toFixed(2)} ${currency}` : String(n);
}

export function pct(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}%` : String(n);
}

/** Round for verdict data: enough precision to audit, no 17-digit noise. */
export function r(n: number, significant = 10): number {
  return Number.isFinite(n) ? toPrecisionNumber(n, significant) : n;
}

/** Exact powers of ten (every one up to 1e22 is a double). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * Number(n.toPrecision(p)) for a finite n, without the string (issue 20: ~170 ns a call, dozens per
 * order). toPrecision rounds the exact value of n to p significant digits, ties away from zero;
 * n × 10^m (m = p − 1 − exponent, 10^m exact) is within half an ulp (< 1e-5 for p ≤ 10) of that
 * exact scaled value, so when it is not within 1e-4 of a tie, Math.round of it is the digits
 * toPrecision keeps, and k / 10^m (or k × 10^−m) is the correctly rounded double of that decimal,
 * which is what Number() of the string gives. Anything else (ties, exponents out of range, p > 10)
 * takes toPrecision.
 */
function toPrecisionNumber(n: number, p: number): number {
  const a = Math.abs(n);
  if (p <= 10 && a >= 1e-12 && a < 1e21) {
    let e = Math.floor(Math.log10(a));
    // log10 can be off by one next to a power of ten: put the scaled value in [10^(p−1), 10^p).
    let m = p - 1 - e;
    let scaled = m >= 0 ? (m <= 22 ? a * POW10[m] : Number.NaN) : -m <= 22 ? a / POW10[-m] : Number.NaN;
    if (scaled >= POW10[p]) {
      e += 1;
      m -= 1;
      scaled = m >= 0 ? a * POW10[m] : a / POW10[-m];
    } else if (scaled < POW10[p - 1]) {
      e -= 1;
      m += 1;
      scaled = m <= 22 ? (m >= 0 ? a * POW10[m] : a / POW10[-m]) : Number.NaN;
    }
    if (m >= -22 && m <= 22 && scaled >= POW10[p - 1] && scaled < POW10[p]) {
      const f = Math.floor(scaled);
      const frac = scaled - f;
      // m < 0 divides: then a / 10^−m carries its own half-ulp error, still far below the margin.
      if (frac < 0.5 - 1e-4 || frac > 0.5 + 1e-4) {
        const k = frac < 0.5 ? f : f + 1;
        const v = m >= 0 ? k / POW10[m] : k * POW10[-m];
        return n < 0 ? -v : v;
      }
    }
  }
  return Number(n.toPrecision(p));
}
