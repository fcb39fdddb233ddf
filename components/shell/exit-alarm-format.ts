import type { ExitAlarmCode } from "../lib/types";

/** The alarm codes in the trader's words. */
export const EXIT_ALARM_WORDS: Record<ExitAlarmCode, string> = {
  EXIT_REJECTED: "Exit rejected",
  STOP_PASSED_OPEN: "Stop passed, position still open",
  POSITIONS_LEFT_OPEN: "Left open",
};

/** "EXIT_REJECTED" → "Exit rejected"; a code this UI does not know yet is still readable ("NEW_CODE" → "New code"). */
export function exitAlarmWords(code: string | null | undefined): string {
  if (!code) return "Exit failed";
  const known = (EXIT_ALARM_WORDS as Record<string, string>)[code];
  if (known) return known;
  const words = code.replace(/[_-]+/g, " ").trim().toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : "Exit failed";
}

/** "1 attempt", "3 attempts". */
export function attemptsLabel(attempts: unknown): string {
  const n = typeof attempts === "number" && Number.isFinite(attempts) ? Math.max(0, Math.round(attempts)) : null;
  if (n === null) return "attempts unknown";
  return `${n} attempt${n === 1 ? "" : "s"}`;
}

/**
 * Milliseconds since an alarm was raised. The contract does not say which clock `since` is on: the wall
 * clock, or the engine's (ahead of it when the simulator runs fast). The earliest "now" that is not before
 * `since` is the right one; a little skew between the machines is tolerated.
 */
export function alarmAgeMs(since: unknown, wallNow: number | null, marketNow: number | null): number | null {
  if (typeof since !== "number" || !Number.isFinite(since)) return null;
  const candidates = [wallNow, marketNow].filter((n): n is number => typeof n === "number" && Number.isFinite(n)).sort((a, b) => a - b);
  if (candidates.length === 0) return null;
  const SKEW_MS = 5_000;
  const now = candidates.find((n) => n >= since - SKEW_MS) ?? candidates[candidates.length - 1]!;
  return Math.max(0, now - since);
}

/** Colours of the banner: white on a deep red (WCAG AA needs 4.5:1 for text; exit-alarm-format.test checks). */
export const ALARM_COLORS = {
  background: "#a8071a",
  text: "#ffffff",
  secondary: "#ffe3e3",
  border: "#ff7875",
  buttonBackground: "#ffffff",
  buttonText: "#a8071a",
} as const;

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance of "#rrggbb" (WCAG 2). */
export function luminance(hex: string): number {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => channel(parseInt(h, 16)));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG contrast ratio of two "#rrggbb" colours, 1..21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
