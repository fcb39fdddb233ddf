import type { RiskCheck } from "../types";
import { accountBalanceCheck } from "./account-balance";
import { blackoutHoursCheck } from "./blackout-hours";
import { contextSanityCheck } from "./context-sanity";
import { dailyLossCheck } from "./daily-loss";
import { drawdownCheck } from "./drawdown";
import { edgeOverFeesCheck } from "./edge-over-fees";
import { entryIntervalCheck } from "./entry-interval";
import { exitSanityCheck } from "./exit-sanity";
import { leverageCheck } from "./leverage";
import { leverageUnlockCheck } from "./leverage-unlock";
import { liveDailyLossCheck } from "./live-daily-loss";
import { liveRampCheck } from "./live-ramp";
import { liveTradeLossCheck } from "./live-trade-loss";
import { liveWeeklyLossCheck } from "./live-weekly-loss";
import { marginUtilisationCheck } from "./margin-utilisation";
import { openPositionsCheck } from "./open-positions";
import { perpLeverageCheck } from "./perp-leverage";
import { perpOnly } from "./perp-only";
import { portfolioHeatCheck } from "./portfolio-heat";
import { positionSizeCheck } from "./position-size";
import { principalPositionCapCheck } from "./principal-position-cap";
import { requestSanityCheck } from "./request-sanity";
import { rewardToRiskCheck } from "./reward-to-risk";
import { sessionCapCheck } from "./session-cap";
import { slippageCheck } from "./slippage";
import { spotSellHoldingCheck } from "./spot-sell-holding";
import { stablecoinReserveCheck } from "./stablecoin-reserve";
import { stopLiquidationDistanceCheck } from "./stop-liquidation-distance";
import { strategyBudgetCheck } from "./strategy-budget";
import { symbolCooldownCheck } from "./symbol-cooldown";
import { symbolWhitelistCheck } from "./symbol-whitelist";
import { tradeLossCheck } from "./trade-loss";
import { tradesPerDayCheck } from "./trades-per-day";
import { tradingStateCheck } from "./trading-state";
import { venueAlgoOrdersCheck } from "./venue-algo-orders";
import { venueMarketLotCheck } from "./venue-market-lot";
import { venueMinimumsCheck } from "./venue-minimums";
import { venuePriceBandCheck } from "./venue-price-band";
import { weeklyLossCheck } from "./weekly-loss";

/**
 * The default pipeline, in order. Sanity first (so nothing later sees NaN), then the trading-state
 * gate, then exit sanity and, for sells that arrive as entries, the spot holding rule (both decide
 * whether the ledger can book the fill at all), then venue rules, then cheap entry rules before the
 * ones that walk the portfolio or the order book. A new rule is a new file added here. The futures
 * rules (issue 15) follow the leverage cap, each wrapped in perpOnly: they apply to perpetual
 * instruments only and allow spot orders untouched (NOT_PERP).
 */
export const DEFAULT_RISK_CHECKS: readonly RiskCheck[] = [
  requestSanityCheck,
  contextSanityCheck,
  tradingStateCheck,
  exitSanityCheck,
  spotSellHoldingCheck,
  venueMinimumsCheck,
  venuePriceBandCheck,
  venueMarketLotCheck,
  venueAlgoOrdersCheck,
  symbolWhitelistCheck,
  blackoutHoursCheck,
  entryIntervalCheck,
  symbolCooldownCheck,
  tradesPerDayCheck,
  openPositionsCheck,
  sessionCapCheck,
  strategyBudgetCheck,
  liveRampCheck,
  positionSizeCheck,
  tradeLossCheck,
  liveTradeLossCheck,
  portfolioHeatCheck,
  dailyLossCheck,
  weeklyLossCheck,
  liveDailyLossCheck,
  liveWeeklyLossCheck,
  drawdownCheck,
  accountBalanceCheck,
  stablecoinReserveCheck,
  leverageCheck,
  perpOnly(perpLeverageCheck),
  perpOnly(leverageUnlockCheck),
  perpOnly(marginUtilisationCheck),
  perpOnly(principalPositionCapCheck),
  perpOnly(stopLiquidationDistanceCheck),
  edgeOverFeesCheck,
  rewardToRiskCheck,
  slippageCheck,
];

export {
  accountBalanceCheck,
  blackoutHoursCheck,
  contextSanityCheck,
  dailyLossCheck,
  drawdownCheck,
  edgeOverFeesCheck,
  entryIntervalCheck,
  exitSanityCheck,
  leverageCheck,
  leverageUnlockCheck,
  liveDailyLossCheck,
  liveRampCheck,
  liveTradeLossCheck,
  liveWeeklyLossCheck,
  marginUtilisationCheck,
  openPositionsCheck,
  perpLeverageCheck,
  perpOnly,
  portfolioHeatCheck,
  positionSizeCheck,
  principalPositionCapCheck,
  requestSanityCheck,
  rewardToRiskCheck,
  sessionCapCheck,
  slippageCheck,
  spotSellHoldingCheck,
  stablecoinReserveCheck,
  stopLiquidationDistanceCheck,
  strategyBudgetCheck,
  symbolCooldownCheck,
  symbolWhitelistCheck,
  tradeLossCheck,
  tradesPerDayCheck,
  tradingStateCheck,
  venueAlgoOrdersCheck,
  venueMarketLotCheck,
  venueMinimumsCheck,
  venuePriceBandCheck,
  weeklyLossCheck,
};
