import { z } from "zod";

/**
 * Risk limits. Defaults are the conservative ones of the seed plans. At run time a limit can only be
 * tightened (see server/risk); loosening one takes a config change and a restart, and is audited.
 * For every key, the direction that is "tighter" is declared in RISK_LIMIT_TIGHTER.
 */
const pct = (max = 100) => z.number().min(0).max(max);

export const riskLimitsSchema = z.object({
  /** Max notional of one position, % of equity. */
  maxPositionPctEquity: pct().default(30),
  /** Max notional of one position in quote currency (null = only the % limit applies). */
  maxPositionQuote: z.number().positive().nullable().default(null),
  /** Smallest position worth opening, in quote currency. */
  minPositionQuote: z.number().min(0).default(10),
  maxOpenPositions: z.number().int().min(0).default(3),
  maxOpenPositionsPerSymbol: z.number().int().min(0).default(1),
  /** Sum over open positions of (distance to stop × size), % of equity. */
  maxPortfolioHeatPct: pct().default(6),
  /** Share of equity always kept in the quote stablecoin. */
  stablecoinReservePct: pct().default(10),
  /** Trading stops opening positions when free quote balance falls below this. */
  minAccountBalance: z.number().min(0).default(0),
  /** Per-trade max loss (size × stop distance), % of equity. */
  maxTradeLossPct: pct().default(1),
  /** Stop distance used for entries that do not state one, %. */
  defaultStopLossPct: pct(50).default(1),
  defaultTakeProfitPct: pct(1000).default(1.5),
  dailyLossPct: pct().default(3),
  weeklyLossPct: pct().default(6),
  /** A warning event is raised at this share of the daily loss limit. */
  dailyLossWarnRatio: z.number().min(0).max(1).default(0.8),
  /** Time zone of the daily/weekly loss calendar (IANA name). */
  timeZone: z.string().default("UTC"),
  maxDrawdownPct: pct().default(10),
  maxConsecutiveLosses: z.number().int().min(1).default(4),
  /** Minimum seconds between two entries (any symbol). */
  minEntryIntervalSec: z.number().int().min(0).default(60),
  /** Seconds a symbol is blocked for new entries after an exit on it. */
  symbolCooldownSec: z.number().int().min(0).default(300),
  /** Empty = every symbol of the venue is allowed. */
  symbolWhitelist: z.array(z.string()).default([]),
  /** UTC hours (0-23) in which no entry is allowed. */
  blackoutHoursUtc: z.array(z.number().int().min(0).max(23)).default([]),
  maxTradesPerDay: z.number().int().min(0).default(20),
  /** Take-profit distance must exceed round-trip fees plus this margin, %. */
  minEdgeOverFeesPct: pct().default(0.5),
  /** Deny a market order whose expected fill deviates more than this from the last price, %. */
  maxSlippagePct: pct().default(0.5),
  maxLeverage: z.number().min(1).default(1),
  /** Venue errors within the window that trip the breaker. */
  venueErrorBreakerCount: z.number().int().min(1).default(5),
  venueErrorBreakerWindowSec: z.number().int().min(1).default(300),
});

export type RiskLimits = z.infer<typeof riskLimitsSchema>;

/**
 * The `risk` section of the config file: the same limits, but an unknown key (a misspelt limit) is an
 * error. riskLimitsSchema itself stays lenient, as it also reads limits stored by other versions.
 */
export const riskLimitsConfigSchema = riskLimitsSchema.strict();

/** "lower" = a smaller number is tighter; "higher" = a larger one is. Arrays are handled by the risk module. */
export const RISK_LIMIT_TIGHTER: Partial<Record<keyof RiskLimits, "lower" | "higher">> = {
  maxPositionPctEquity: "lower",
  maxPositionQuote: "lower",
  minPositionQuote: "higher",
  maxOpenPositions: "lower",
  maxOpenPositionsPerSymbol: "lower",
  maxPortfolioHeatPct: "lower",
  stablecoinReservePct: "higher",
  minAccountBalance: "higher",
  maxTradeLossPct: "lower",
  dailyLossPct: "lower",
  weeklyLossPct: "lower",
  dailyLossWarnRatio: "lower",
  maxDrawdownPct: "lower",
  maxConsecutiveLosses: "lower",
  minEntryIntervalSec: "higher",
  symbolCooldownSec: "higher",
  maxTradesPerDay: "lower",
  minEdgeOverFeesPct: "higher",
  maxSlippagePct: "lower",
  maxLeverage: "lower",
  venueErrorBreakerCount: "lower",
};

export const DEFAULT_RISK_LIMITS: RiskLimits = riskLimitsSchema.parse({});
