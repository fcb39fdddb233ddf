import type { RiskLatchDto } from "@/server/contract";
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

export type UsageLevel = "ok" | "warn" | "danger" | "full" | "tripped" | "unknown";

/**
 * Limits that the position sizer fills on purpose: a position sized to 30 % of equity under a 30 % cap is
 * the rule working, not a danger. They read "full" (neutral) at the limit and danger only beyond it.
 */
export const CAPACITY_KEYS: ReadonlySet<string> = new Set(["openPositions", "largestPosition", "portfolioHeat", "leverage", "tradesToday"]);

/**
 * How close a limit is: under 70 % fine, from 70 % a warning, from 90 % (or over) danger; a capacity limit
 * is "full" from 99.5 % and danger only when exceeded; a limit whose breaker holds the account is "tripped".
 */
export function usageLevel(ratio: unknown, key?: string, tripped = false): UsageLevel {
  if (tripped) return "tripped";
  if (!isNum(ratio)) return "unknown";
  if (key && CAPACITY_KEYS.has(key)) {
    if (ratio > 1.005) return "danger";
    if (ratio >= 0.995) return "full";
    if (ratio >= 0.7) return "warn";
    return "ok";
  }
  if (ratio >= 0.9) return "danger";
  if (ratio >= 0.7) return "warn";
  return "ok";
}

/** The usage row each breaker latch (GET /api/risk → latches[].id) belongs to. */
export const LATCH_USAGE_KEY: Readonly<Record<string, string>> = {
  daily_loss: "dailyLoss",
  weekly_loss: "weeklyLoss",
  drawdown: "drawdown",
  consecutive_losses: "consecutiveLosses",
  venue_errors: "venueErrors",
};

/** A breaker latch of GET /api/risk: the wire contract's type. */
export type { RiskLatchDto };

/**
 * What a breaker counted when it tripped, as "used / limit" numbers of its usage row: the counter shown
 * beside a held limit is the one that holds it (the live counter may have moved on since, e.g. a loss
 * streak ended by a win). Null for latches without a counter (kill switch, manual stop).
 */
export function latchFigures(latch: RiskLatchDto): { used: number; limit: number | null } | null {
  const d = latch.data ?? {};
  const n = (k: string) => (typeof d[k] === "number" ? (d[k] as number) : null);
  switch (latch.id) {
    case "consecutive_losses": {
      const used = n("streak");
      const limit = n("maxConsecutiveLosses");
      return used !== null && limit !== null ? { used, limit } : null;
    }
    case "daily_loss":
    case "weekly_loss": {
      const used = n("loss");
      const limit = n("limit");
      return used !== null && limit !== null ? { used, limit } : null;
    }
    case "drawdown": {
      const used = n("drawdownPct");
      const limit = n("maxDrawdownPct");
      return used !== null && limit !== null ? { used, limit } : null;
    }
    case "venue_errors": {
      const used = n("count");
      return used !== null ? { used, limit: null } : null;
    }
    default:
      return null;
  }
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
