import { LIVE_RAMP_TIGHTER, LIVE_RULE_TIGHTER, RISK_LIMIT_TIGHTER, riskLimitsSchema, type LiveRules, type RiskLimits } from "../config/risk-limits";
import { AppError } from "../core/errors";
import { TradingCalendar } from "./calendar";

/**
 * Tighten-only rules for risk limits.
 * - Numeric keys follow RISK_LIMIT_TIGHTER ("lower" or "higher" is tighter). maxPositionQuote null
 *   means "no quote cap", i.e. the loosest possible value.
 * - venueErrorBreakerWindowSec is not declared in the shared config; a longer window counts more
 *   errors, so "higher" is tighter (declared here, see RISK_LIMIT_TIGHTER_EXTRA).
 * - symbolWhitelist may only shrink, or go from empty (= every symbol) to a non-empty list.
 * - blackoutHoursUtc may only grow.
 * - timeZone, defaultStopLossPct and defaultTakeProfitPct have no tighter direction (they move the
 *   loss calendar or the placed stops): they only change through the config and a restart.
 */
export const RISK_LIMIT_TIGHTER_EXTRA: Partial<Record<keyof RiskLimits, "lower" | "higher">> = {
  venueErrorBreakerWindowSec: "higher",
};

export type LimitKey = keyof RiskLimits;
export type LimitDirection = "same" | "tighter" | "looser" | "changed";

export interface LimitChange {
  key: LimitKey;
  from: unknown;
  to: unknown;
  direction: LimitDirection;
}

export const RISK_LIMIT_KEYS = Object.keys(riskLimitsSchema.shape) as LimitKey[];

function tighterDirection(key: LimitKey): "lower" | "higher" | undefined {
  return RISK_LIMIT_TIGHTER[key] ?? RISK_LIMIT_TIGHTER_EXTRA[key];
}

/** Whether moving `key` from `from` to `to` tightens, loosens or changes it without a direction. */
export function compareLimit<K extends LimitKey>(key: K, from: RiskLimits[K], to: RiskLimits[K]): LimitDirection {
  if (key === "symbolWhitelist") return compareWhitelist(from as string[], to as string[]);
  if (key === "blackoutHoursUtc") return compareBlackout(from as number[], to as number[]);
  if (key === "live") return compareLive(from as LiveRules, to as LiveRules);
  if (from === to) return "same";
  const direction = tighterDirection(key);
  if (!direction) return "changed";
  // null is only allowed for maxPositionQuote and means "no cap": the loosest value.
  const a = from === null ? Number.POSITIVE_INFINITY : (from as number);
  const b = to === null ? Number.POSITIVE_INFINITY : (to as number);
  if (a === b) return "same";
  const tighter = direction === "lower" ? b < a : b > a;
  return tighter ? "tighter" : "looser";
}

/** The live rulebook moves as one: tighter when no rule loosens and one tightens (issue 16). */
function compareLive(from: LiveRules, to: LiveRules): LimitDirection {
  const directions: LimitDirection[] = [
    compareWhitelist(from.symbolWhitelist, to.symbolWhitelist),
    compareBlackout(from.blackoutHoursUtc, to.blackoutHoursUtc),
  ];
  const numeric = (a: number, b: number, d: "lower" | "higher"): LimitDirection => (a === b ? "same" : (d === "lower" ? b < a : b > a) ? "tighter" : "looser");
  for (const [k, d] of Object.entries(LIVE_RULE_TIGHTER)) directions.push(numeric(from[k as keyof typeof LIVE_RULE_TIGHTER], to[k as keyof typeof LIVE_RULE_TIGHTER], d));
  for (const [k, d] of Object.entries(LIVE_RAMP_TIGHTER)) directions.push(numeric(from.ramp[k as keyof LiveRules["ramp"]], to.ramp[k as keyof LiveRules["ramp"]], d));
  if (directions.includes("looser")) return "looser";
  return directions.includes("tighter") ? "tighter" : "same";
}

function compareWhitelist(from: string[], to: string[]): LimitDirection {
  const a = new Set(from);
  const b = new Set(to);
  if (a.size === b.size && [...a].every((s) => b.has(s))) return "same";
  if (b.size === 0) return "looser"; // empty = every symbol allowed
  if (a.size === 0) return "tighter";
  return [...b].every((s) => a.has(s)) ? "tighter" : "looser";
}

function compareBlackout(from: number[], to: number[]): LimitDirection {
  const a = new Set(from);
  const b = new Set(to);
  if (a.size === b.size && [...a].every((h) => b.has(h))) return "same";
  return [...a].every((h) => b.has(h)) ? "tighter" : "looser";
}

function limitsEqual<K extends LimitKey>(key: K, a: RiskLimits[K], b: RiskLimits[K]): boolean {
  return compareLimit(key, a, b) === "same";
}

/** Every key whose value differs between two limit sets, with its direction. */
export function diffLimits(previous: RiskLimits, next: RiskLimits): LimitChange[] {
  const changes: LimitChange[] = [];
  for (const key of RISK_LIMIT_KEYS) {
    const direction = compareLimit(key, previous[key], next[key]);
    if (direction !== "same") changes.push({ key, from: previous[key], to: next[key], direction });
  }
  return changes;
}

/** Validate a complete limit set (config) with the shared schema; a clear error names the key. */
export function parseRiskLimits(input: unknown): RiskLimits {
  const parsed = riskLimitsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new AppError("RISK_LIMIT_INVALID", `invalid risk limits: ${issues.join("; ")}`, 400, parsed.error.issues);
  }
  // Fail at start-up, not at the first order, on a zone Intl does not know.
  try {
    new TradingCalendar(parsed.data.timeZone);
  } catch (err) {
    throw new AppError("RISK_LIMIT_INVALID", `invalid risk limits: timeZone: ${(err as Error).message}`, 400);
  }
  return parsed.data;
}

/**
 * Apply a run-time change that may only tighten. All-or-nothing: the first call that contains a
 * loosening, an unknown key, an invalid value or a key without a tighter direction throws an
 * AppError naming every offending key, and nothing changes.
 */
export function applyTightening(
  current: RiskLimits,
  partial: Partial<Record<string, unknown>>,
): { limits: RiskLimits; changes: LimitChange[] } {
  if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
    throw new AppError("RISK_LIMIT_INVALID", "tightenLimits expects an object of limit keys and values", 400);
  }
  const next: RiskLimits = { ...current };
  const invalid: string[] = [];
  const refused: string[] = [];
  const changes: LimitChange[] = [];
  for (const [rawKey, rawValue] of Object.entries(partial)) {
    if (rawValue === undefined) continue;
    if (!(rawKey in riskLimitsSchema.shape)) {
      invalid.push(`${rawKey}: not a risk limit`);
      continue;
    }
    const key = rawKey as LimitKey;
    // A partial live rulebook changes only the rules it names (the others keep their current values).
    const candidate =
      key === "live" && rawValue !== null && typeof rawValue === "object" && !Array.isArray(rawValue)
        ? { ...current.live, ...(rawValue as object), ramp: { ...current.live.ramp, ...((rawValue as { ramp?: object }).ramp ?? {}) } }
        : rawValue;
    const parsed = riskLimitsSchema.shape[key].safeParse(candidate);
    if (!parsed.success) {
      invalid.push(`${key}: ${parsed.error.issues.map((i) => i.message).join(", ")}`);
      continue;
    }
    const value = parsed.data as RiskLimits[typeof key];
    const direction = compareLimit(key, current[key], value);
    if (direction === "same") continue;
    if (direction === "changed") {
      refused.push(`${key} has no tighter direction and only changes through the config and a restart`);
      continue;
    }
    if (direction === "looser") {
      refused.push(`${key} ${describeValue(current[key])} → ${describeValue(value)} would loosen it (${looserHint(key)})`);
      continue;
    }
    (next as Record<LimitKey, unknown>)[key] = value;
    changes.push({ key, from: current[key], to: value, direction });
  }
  if (invalid.length > 0) {
    throw new AppError("RISK_LIMIT_INVALID", `invalid risk limit change: ${invalid.join("; ")}`, 400, { invalid });
  }
  if (refused.length > 0) {
    throw new AppError(
      "RISK_LIMIT_LOOSENING",
      `refused: limits can only be tightened at run time: ${refused.join("; ")}; loosening takes a config change and a restart`,
      409,
      { refused },
    );
  }
  return { limits: next, changes };
}

function looserHint(key: LimitKey): string {
  if (key === "symbolWhitelist") return "the whitelist may only shrink";
  if (key === "blackoutHoursUtc") return "blackout hours may only grow";
  if (key === "live") return "every live rule may only tighten: caps lower, whitelist shrink, blackout grow, intervals longer";
  return tighterDirection(key) === "lower" ? "only a lower value is tighter" : "only a higher value is tighter";
}

function describeValue(v: unknown): string {
  if (v === null) return "none";
  if (typeof v === "object" && !Array.isArray(v)) return JSON.stringify(v);
  return Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
}

export interface StartupLimitsReport {
  /** Keys whose effective value is looser than the last persisted effective value: audit them. */
  loosened: LimitChange[];
  tightened: LimitChange[];
  /** Keys without a tighter direction that changed (timeZone, default stop/take-profit). */
  changed: LimitChange[];
  /** Keys tightened at run time earlier whose config did not change: the tighter value is kept. */
  keptRuntimeTightening: LimitKey[];
}

/**
 * Effective limits at start-up. For each key: if its configured value is the one configured last
 * time, the last effective value is kept (a run-time tightening survives a crash or restart);
 * otherwise the new configured value wins (a deliberate config change). Loosened keys are reported.
 */
export function resolveStartupLimits(
  configured: RiskLimits,
  persisted: { configured: RiskLimits | null; effective: RiskLimits } | null,
): { effective: RiskLimits; report: StartupLimitsReport } {
  const report: StartupLimitsReport = { loosened: [], tightened: [], changed: [], keptRuntimeTightening: [] };
  if (!persisted) return { effective: { ...configured }, report };
  const effective: RiskLimits = { ...configured };
  for (const key of RISK_LIMIT_KEYS) {
    const configUnchanged = persisted.configured !== null && limitsEqual(key, persisted.configured[key], configured[key]);
    if (configUnchanged && compareLimit(key, configured[key], persisted.effective[key]) === "tighter") {
      (effective as Record<LimitKey, unknown>)[key] = persisted.effective[key];
      report.keptRuntimeTightening.push(key);
    }
  }
  for (const change of diffLimits(persisted.effective, effective)) {
    if (change.direction === "looser") report.loosened.push(change);
    else if (change.direction === "tighter") report.tightened.push(change);
    else report.changed.push(change);
  }
  return { effective, report };
}
