import { COLORS } from "../shell/colors";
import { isNum } from "../lib/format";
import type { RiskUsageDto } from "../lib/types";
import { usageLevel } from "../risk/risk-format";
import type { CalibrationBinDto, ContributionDto, Lean, OutOfSampleDto, RegimeLabel } from "./types";

/** Pure helpers of the insights views (tested without a browser). */

export const REGIME_TEXT: Record<RegimeLabel, string> = {
  trending_up: "Trending up",
  trending_down: "Trending down",
  ranging: "Ranging",
  volatile: "Volatile",
};

export function regimeColor(label: RegimeLabel): string {
  return label === "trending_up" ? COLORS.profit : label === "trending_down" ? COLORS.loss : label === "volatile" ? COLORS.warning : COLORS.neutral;
}

export function leanColor(lean: Lean): string {
  return lean === "bullish" ? COLORS.profit : lean === "bearish" ? COLORS.loss : COLORS.muted;
}

/** 0.6234 → "0.62"; absent → "—" */
export function formatProbability(p: unknown): string {
  return isNum(p) ? p.toFixed(2) : "—";
}

/** 0.5512 → "55.1%" */
export function formatShare(x: unknown): string {
  return isNum(x) ? `${(100 * x).toFixed(1)}%` : "—";
}

export interface EdgeVerdict {
  level: "edge" | "none" | "worse";
  text: string;
}

/** What the out-of-sample accuracy is worth next to always guessing the majority (a verb phrase: "the model …"). */
export function edgeVerdict(oos: Pick<OutOfSampleDto, "accuracyEdge" | "accuracyStdErr">): EdgeVerdict {
  const pp = (x: number) => `${(100 * x).toFixed(1)} pp`;
  if (oos.accuracyEdge > 2 * oos.accuracyStdErr) return { level: "edge", text: `beats the majority guess by ${pp(oos.accuracyEdge)} (more than 2 standard errors, ${pp(2 * oos.accuracyStdErr)})` };
  if (oos.accuracyEdge < -2 * oos.accuracyStdErr) return { level: "worse", text: `is worse than the majority guess by ${pp(-oos.accuracyEdge)}: ignore its probability` };
  return { level: "none", text: `has no significant edge over the majority guess (${oos.accuracyEdge >= 0 ? "+" : ""}${pp(oos.accuracyEdge)}, 2 standard errors = ${pp(2 * oos.accuracyStdErr)}): treat as no signal` };
}

export interface CalibrationPoint {
  x: number;
  y: number;
  r: number;
  bin: CalibrationBinDto;
}

/**
 * SVG coordinates of a reliability diagram in a `size`×`size` plot with `pad` margins: x = mean predicted
 * probability, y = observed frequency (up is higher), the dot's area proportional to the bin's count.
 */
export function calibrationPoints(bins: readonly CalibrationBinDto[], size: number, pad: number): CalibrationPoint[] {
  const inner = size - 2 * pad;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  return bins.map((bin) => ({
    x: pad + bin.predicted * inner,
    y: pad + (1 - bin.observed) * inner,
    r: 2 + 6 * Math.sqrt(bin.count / maxCount),
    bin,
  }));
}

export interface ContributionBar {
  feature: string;
  contribution: number;
  value: number;
  /** Share (0..1) of the half-width the bar spans; the largest magnitude fills it. */
  width: number;
  direction: "up" | "down";
}

/** The `limit` largest contributions as bars scaled to the largest magnitude. */
export function contributionBars(contributions: readonly ContributionDto[], limit = 8): ContributionBar[] {
  const top = [...contributions].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, limit);
  const max = Math.max(1e-12, ...top.map((c) => Math.abs(c.contribution)));
  return top.map((c) => ({ feature: c.feature, contribution: c.contribution, value: c.value, width: Math.abs(c.contribution) / max, direction: c.contribution >= 0 ? "up" : "down" }));
}

export type RiskLevel = "ok" | "warn" | "danger" | "unknown";

/**
 * Risk level of GET /api/risk, by the same rules as the Risk page: the trading state first (HALTED is danger,
 * REDUCING a warning, whatever the counters), then the limit closest to being reached (ok < 70 %, warn < 90 %,
 * danger from 90 %; a capacity limit the sizer fills on purpose is not a danger at its cap).
 */
export function riskLevel(usage: readonly RiskUsageDto[] | undefined, tradingState?: string | null): { level: RiskLevel; worst: RiskUsageDto | null } {
  const measured = (usage ?? []).filter((u) => isNum(u.ratio));
  const worst = measured.length ? measured.reduce((a, b) => ((b.ratio as number) > (a.ratio as number) ? b : a)) : null;
  if (tradingState === "HALTED") return { level: "danger", worst };
  if (tradingState === "REDUCING") return { level: "warn", worst };
  if (!measured.length) return { level: "unknown", worst: null };
  const levels = measured.map((u) => usageLevel(u.ratio, u.key));
  const level: RiskLevel = levels.includes("danger") ? "danger" : levels.includes("warn") ? "warn" : "ok";
  return { level, worst };
}

export const RISK_COLOR: Record<RiskLevel, string> = { ok: COLORS.profit, warn: COLORS.warning, danger: COLORS.loss, unknown: COLORS.muted };

export interface InsightsPrefs {
  symbol: string | null;
  timeframe: "1m" | "5m" | "15m" | "1h" | "4h" | "1d";
}

const PREF_TIMEFRAMES = new Set(["1m", "5m", "15m", "1h", "4h", "1d"]);

/** Stored page preferences, or null when they are not ours. */
export function parseInsightsPrefs(raw: unknown): InsightsPrefs | null {
  if (!raw || typeof raw !== "object") return null;
  const { symbol, timeframe } = raw as Record<string, unknown>;
  if (!(symbol === null || typeof symbol === "string")) return null;
  if (typeof timeframe !== "string" || !PREF_TIMEFRAMES.has(timeframe)) return null;
  return { symbol, timeframe: timeframe as InsightsPrefs["timeframe"] };
}
