import { z } from "zod";

/**
 * Risk limits. Defaults are the plans' numbers (Phase 2 plan for every mode, Phase 5 plan for live
 * money in `live`, the master plan for reward to risk), except where the code already had a stricter
 * one: then the stricter is kept. Each key says where its default comes from. At run time a limit can
 * only be tightened (see server/risk); loosening one takes a config change and a restart, and is
 * audited. For every key, the direction that is "tighter" is declared in RISK_LIMIT_TIGHTER (and
 * LIVE_RULE_TIGHTER for the live rulebook).
 */
const pct = (max = 100) => z.number().min(0).max(max);
const hours = () => z.array(z.number().int().min(0).max(23));

/**
 * The live rulebook (Phase 5 plan, "going live with real money"): quote-currency rules that apply on
 * top of the percentage limits while the account trades real money (mode "live", testnet included,
 * so the rules are practised before they matter). Every number is the plan's.
 */
export const liveRulesSchema = z.object({
  /** Max value of one live position, quote (Phase 5: $50). */
  maxPositionQuote: z.number().positive().default(50),
  /**
   * Smallest live order worth sending, quote. Not in the plans: the Phase 2 $50 minimum equals the
   * live $50 cap, so an order sized to the cap and floored to the lot step would fall below it; live
   * uses the venue-sized $10 instead (Binance's usual minimum notional for USDT pairs).
   */
  minPositionQuote: z.number().min(0).default(10),
  /** Max loss of one live trade at its stop, quote (Phase 5: $5). */
  maxTradeLossQuote: z.number().positive().default(5),
  /** Live loss today at which every new entry stops, quote (Phase 5: $25 "stop all trading"). */
  dailyLossQuote: z.number().positive().default(25),
  /** Live loss this week at which entries stop and a review is asked for, quote (Phase 5: $100). */
  weeklyLossQuote: z.number().positive().default(100),
  /** Max concurrent live positions (Phase 5: 2). */
  maxOpenPositions: z.number().int().min(0).default(2),
  /** Seconds between two live entries (Phase 5: 60 s). */
  minEntryIntervalSec: z.number().int().min(0).default(60),
  /** Symbols live money may trade (Phase 5: BTC/USDT and ETH/USDT only). */
  symbolWhitelist: z.array(z.string()).default(["BTC/USDT", "ETH/USDT"]),
  /** UTC hours without live entries (Phase 5: 22, 23, 0, 1 — thin books around the daily close). */
  blackoutHoursUtc: hours().default([22, 23, 0, 1]),
  /**
   * The position ramp (Phase 5): the first live trades are capped at firstCapQuote; after
   * tradesToSecondStage winning live trades the cap is secondCapQuote; full size (the other limits)
   * only after one profitable week at the second stage; a losing week steps back one stage.
   */
  ramp: z
    .object({
      firstCapQuote: z.number().positive().default(50),
      tradesToSecondStage: z.number().int().min(1).default(3),
      secondCapQuote: z.number().positive().default(100),
    })
    .prefault({}),
});

export type LiveRules = z.infer<typeof liveRulesSchema>;

export const riskLimitsSchema = z.object({
  /** Max notional of one position, % of equity (Phase 2 plan: 20 %; was 30). */
  maxPositionPctEquity: pct().default(20),
  /** Max notional of one position in quote currency (null = only the % limit applies). */
  maxPositionQuote: z.number().positive().nullable().default(null),
  /** Smallest position worth opening, in quote currency (Phase 2 plan: $50; was 10). */
  minPositionQuote: z.number().min(0).default(50),
  /** Phase 2 plan says 5; the stricter 3 of the seed plan is kept. */
  maxOpenPositions: z.number().int().min(0).default(3),
  maxOpenPositionsPerSymbol: z.number().int().min(0).default(1),
  /** Sum over open positions of (distance to stop × size), % of equity (Phase 2 plan: 30 %; the stricter 6 is kept). */
  maxPortfolioHeatPct: pct().default(6),
  /** Share of equity always kept in the quote stablecoin (Phase 2 plan: 20 %; was 10). */
  stablecoinReservePct: pct().default(20),
  /** Trading stops opening positions when free quote balance falls below this (Phase 2 plan: $100; was 0). */
  minAccountBalance: z.number().min(0).default(100),
  /** Per-trade max loss (size × stop distance), % of equity. */
  maxTradeLossPct: pct().default(1),
  /**
   * Stop distance used for entries that do not state one, % (Phase 2 plan: 2 %; was 1). With the 5 %
   * target that is reward:risk 2.5, and the trailing stop (active after +3 %) can act before the target.
   */
  defaultStopLossPct: pct(50).default(2),
  /** Take-profit distance for entries that do not state one, % (Phase 2 plan: 5 %; was 1.5, below the +3 % trailing activation). */
  defaultTakeProfitPct: pct(1000).default(5),
  /** Target distance ÷ stop distance of an entry must reach this (master plan: ≥ 2). */
  minRewardToRisk: z.number().min(0).default(2),
  /** Phase 2 plan says 5 %; the stricter 3 is kept. */
  dailyLossPct: pct().default(3),
  weeklyLossPct: pct().default(6),
  /** A warning event is raised at this share of the daily loss limit. */
  dailyLossWarnRatio: z.number().min(0).max(1).default(0.8),
  /** Time zone of the daily/weekly loss calendar (IANA name). */
  timeZone: z.string().default("UTC"),
  /** Drawdown from the equity peak that pauses entries (Phase 2 plan: 10 %). */
  maxDrawdownPct: pct().default(10),
  /** Losing trades in a row that pause entries (Phase 2 plan: 3; was 4). */
  maxConsecutiveLosses: z.number().int().min(1).default(3),
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
  /**
   * Leverage cap (issue 15, from the plans: 1× by default). Spot: gross exposure / equity. Perps: also
   * the leverage a contract may be set to, and each position's notional / its margin.
   */
  maxLeverage: z.number().min(1).default(1),
  /**
   * Perps only: initial margin in use (open positions + working entries + this order) as % of the
   * futures margin balance (wallet + unrealised P&L) stays at or below this (plans: 50 %).
   */
  maxMarginUtilisationPct: pct().default(50),
  /**
   * Perps only: liquidation risk % (share of the distance from entry to the liquidation price the mark
   * has covered, see server/futures) at which a warning is raised (plans: 80 %) …
   */
  liquidationWarnPct: pct().default(80),
  /** … and at which the position is closed before the venue liquidates it (plans: 90 %). */
  liquidationClosePct: pct().default(90),
  /**
   * Perps only: an entry's stop must leave at least this share (%) of the distance from entry to the
   * liquidation price between itself and the liquidation price (plans: "minimum distance of the stop
   * from the liquidation price"; 20 % keeps the stop inside the 80 % warning).
   */
  minStopLiquidationDistancePct: pct().default(20),
  /** Perps only: one position's notional stays within principal + this % of profit (master plan: 70 %). */
  maxPositionProfitSharePct: pct().default(70),
  /**
   * The master plan's leverage unlock, opt-in (default off: perps trade up to maxLeverage). On: spot
   * only until profit reaches leverageUnlockStepPct % of principal; then 2×, one more × per further
   * step, up to leverageUnlockMaxLeverage (and never above maxLeverage), with margin limited to
   * leverageUnlockProfitSharePct % of the profit; cut one step when futures losses reach
   * leverageUnlockLossCutPct % of the profit (server/futures/leverage-policy.ts).
   */
  leverageUnlockEnabled: z.boolean().default(false),
  /** Profit % of principal per unlock step (master plan: 2× after +100 %, 3× after +200 %, 4× after +300 %). */
  leverageUnlockStepPct: z.number().positive().default(100),
  /** Highest leverage the unlock reaches (master plan: 4×). */
  leverageUnlockMaxLeverage: z.number().min(1).default(4),
  /** Share of the profit futures margin may use once unlocked (master plan: 50 %). */
  leverageUnlockProfitSharePct: pct().default(50),
  /** Futures losses, % of the profit, that cut the leverage one step (master plan: 30 %). */
  leverageUnlockLossCutPct: pct().default(30),
  /** Venue errors within the window that trip the breaker. */
  venueErrorBreakerCount: z.number().int().min(1).default(5),
  venueErrorBreakerWindowSec: z.number().int().min(1).default(300),
  /** Stricter rules while real money trades (mode live): see liveRulesSchema. */
  live: liveRulesSchema.prefault({}),
});

export type RiskLimits = z.infer<typeof riskLimitsSchema>;

/**
 * The `risk` section of the config file: the same limits, but an unknown key (a misspelt limit) is an
 * error. riskLimitsSchema itself stays lenient, as it also reads limits stored by other versions.
 */
export const riskLimitsConfigSchema = riskLimitsSchema
  .extend({ live: liveRulesSchema.extend({ ramp: liveRulesSchema.shape.ramp.unwrap().strict().prefault({}) }).strict().prefault({}) })
  .strict();

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
  minRewardToRisk: "higher",
  maxSlippagePct: "lower",
  maxLeverage: "lower",
  maxMarginUtilisationPct: "lower",
  liquidationWarnPct: "lower",
  liquidationClosePct: "lower",
  minStopLiquidationDistancePct: "higher",
  maxPositionProfitSharePct: "lower",
  // On is tighter (futures locked until the profit unlocks them); true > false.
  leverageUnlockEnabled: "higher",
  leverageUnlockStepPct: "higher",
  leverageUnlockMaxLeverage: "lower",
  leverageUnlockProfitSharePct: "lower",
  leverageUnlockLossCutPct: "lower",
  venueErrorBreakerCount: "lower",
};

/** Tighter direction of each numeric live rule (arrays: whitelist may shrink, blackout may grow). */
export const LIVE_RULE_TIGHTER: Record<"maxPositionQuote" | "minPositionQuote" | "maxTradeLossQuote" | "dailyLossQuote" | "weeklyLossQuote" | "maxOpenPositions" | "minEntryIntervalSec", "lower" | "higher"> = {
  maxPositionQuote: "lower",
  minPositionQuote: "higher",
  maxTradeLossQuote: "lower",
  dailyLossQuote: "lower",
  weeklyLossQuote: "lower",
  maxOpenPositions: "lower",
  minEntryIntervalSec: "higher",
};
export const LIVE_RAMP_TIGHTER: Record<keyof LiveRules["ramp"], "lower" | "higher"> = {
  firstCapQuote: "lower",
  tradesToSecondStage: "higher",
  secondCapQuote: "lower",
};

export const DEFAULT_RISK_LIMITS: RiskLimits = riskLimitsSchema.parse({});

/**
 * The limits in force while real money trades: the percentage limits with the live rulebook's
 * stricter equivalents folded in (quote cap, concurrency, pacing, whitelist, blackout), so sizing and
 * the generic checks obey the rulebook too. The quote-currency loss rules are checks of their own.
 */
export function liveTradingLimits(limits: RiskLimits): RiskLimits {
  const live = limits.live;
  const whitelist =
    limits.symbolWhitelist.length === 0 ? [...live.symbolWhitelist] : limits.symbolWhitelist.filter((s) => live.symbolWhitelist.includes(s));
  return {
    ...limits,
    maxPositionQuote: limits.maxPositionQuote === null ? live.maxPositionQuote : Math.min(limits.maxPositionQuote, live.maxPositionQuote),
    minPositionQuote: Math.min(limits.minPositionQuote, live.minPositionQuote),
    maxOpenPositions: Math.min(limits.maxOpenPositions, live.maxOpenPositions),
    minEntryIntervalSec: Math.max(limits.minEntryIntervalSec, live.minEntryIntervalSec),
    // An intersection that ends empty would read as "every symbol": keep a name nothing trades.
    symbolWhitelist: whitelist.length > 0 ? whitelist : ["(none: the config and live whitelists do not overlap)"],
    blackoutHoursUtc: [...new Set([...limits.blackoutHoursUtc, ...live.blackoutHoursUtc])].sort((a, b) => a - b),
  };
}
