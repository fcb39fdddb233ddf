/**
 * Number formats of the sentences this module writes. Fixed decimals (no grouping, no locale) so a
 * reader, or a test, can parse every number back out of a reason.
 */

/** 0.6234 → "0.62" */
export function formatProbability(p: number): string {
  return p.toFixed(2);
}

/** 0.5512 → "55.1%" */
export function formatShare(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** 0.314 → "+0.31", -0.12 → "-0.12" */
export function formatContribution(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
}

/** 31.24 → "31.2" */
export function formatOne(x: number): string {
  return x.toFixed(1);
}

/** Signed percentage with two decimals: 0.4213 → "+0.42%". */
export function formatSignedPct(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(2)}%`;
}
