import { formatInt, formatMoney, formatNumber, formatPlainPct, isNum } from "../lib/format";

/** "maxPositionPctEquity" → "Max position % equity", "symbolCooldownSec" → "Symbol cooldown (s)". */
export function humanizeKey(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/\bPct\b/g, "%")
    .replace(/\bSec\b/g, "(s)")
    .replace(/\bUtc\b/g, "UTC")
    .toLowerCase()
    .replace(/\butc\b/g, "UTC");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A usage figure in its unit: "%"-units as percentages, currency codes as money, counts as integers. */
export function formatUsage(value: unknown, unit: string | null | undefined): string {
  if (!isNum(value)) return "—";
  if (unit && unit.startsWith("%")) return formatPlainPct(value);
  if (unit && /^[A-Z]{3,5}$/.test(unit)) return formatMoney(value);
  if (Number.isInteger(value)) return formatInt(value);
  return formatNumber(value, 2);
}

/**
 * "4.10 / 15.00 USDT", "12.00% / 30.00% of equity", "2 / 3 positions"; a floor (direction "min") reads
 * "100.00% (min 10.00%) of equity".
 */
export function usageText(u: { used: unknown; limit: unknown; unit: string | null | undefined; direction?: string }): string {
  const unit = u.unit ?? "";
  const suffix = unit.startsWith("%") ? unit.slice(1).trim() : unit;
  const tail = suffix ? ` ${suffix}` : "";
  const used = formatUsage(u.used, unit);
  const limit = formatUsage(u.limit, unit);
  return u.direction === "min" ? `${used} (min ${limit})${tail}` : `${used} / ${limit}${tail}`;
}

export type UsageLevel = "ok" | "warn" | "danger" | "unknown";

/** How close a limit is: under 70 % fine, from 70 % a warning, from 90 % (or over) danger. */
export function usageLevel(ratio: unknown): UsageLevel {
  if (!isNum(ratio)) return "unknown";
  if (ratio >= 0.9) return "danger";
  if (ratio >= 0.7) return "warn";
  return "ok";
}

/**
 * The fields of a limits form that changed. An empty input means "no limit" (null); the server decides
 * whether a change tightens or loosens, and refuses loosening.
 */
export function changedLimits(
  current: Record<string, unknown>,
  edited: Record<string, number | null | undefined>,
): Record<string, number | null> {
  const patch: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(edited)) {
    const next = value ?? null;
    const before = current[key] ?? null;
    if (next !== before) patch[key] = next;
  }
  return patch;
}
