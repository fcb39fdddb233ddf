/** Below this many trades or signals a ratio (win rate, Sharpe, accuracy…) says little: the UI warns beside it. */
export const MIN_SAMPLE = 30;

/** Null when the sample is large enough (or unknown), else the warning sentence. */
export function sampleWarning(n: number | null | undefined, what: string): string | null {
  if (typeof n !== "number" || !Number.isFinite(n)) return null;
  if (n >= MIN_SAMPLE) return null;
  return `Only ${n} ${what}: fewer than ${MIN_SAMPLE}, so this figure is mostly chance.`;
}
