/**
 * USDⓈ-M perpetual futures: the engine's own maths (issue 15). Pure functions of plain numbers, no
 * venue, no database; the built-in simulator (server/simulator/futures) computes the same figures on
 * its own, so a test comparing the two catches a bug in either. Amounts compared with a venue come out
 * of decimal arithmetic rounded half-even to 8 decimals (server/core/decimal.ts).
 *
 * Market type: `spot` | `perp` per instrument (marketTypeOf: a stated type, else ccxt's `BASE/QUOTE:SETTLE`).
 *
 * One-way mode, isolated or cross margin; side s = +1 long, −1 short; Q = size (base), EP = entry price,
 * M = mark price, L = leverage; MMR and cum ("maintAmount") of the bracket holding the notional:
 * - notional = Q × M; initial margin = Q × price / L (at entry for an order, at mark for a position)
 * - maintenance margin MM = notional × MMR − cum                        (bracket of the notional)
 * - unrealised P&L = s × Q × (M − EP)
 * - margin balance MB = WB + UPNL (isolated: WB = the position's isolated wallet = Q × EP / L + added
 *   margin − funding paid, UPNL its own; cross: WB = cross wallet balance, UPNL of every cross position)
 * - margin ratio = MM (cross: Σ every cross position's) / MB × 100; the venue liquidates at 100 %
 * - liquidation price (Binance, one-way): LP = (WB − TMM1 + UPNL1 + cum − s × Q × EP) / (Q × MMR − s × Q),
 *   TMM1 / UPNL1 = maintenance margin / unrealised P&L of the other cross positions (0 when isolated),
 *   MMR and cum of the bracket holding Q × LP; at LP, MB = MM exactly. None for a long when LP ≤ 0
 *   (MIN_PRICE for a short then: below maintenance at any price).
 * - liquidation risk % = max(0, (M − EP) / (LP − EP)) × 100: the share of the distance from entry to
 *   liquidation the mark has already covered (0 at entry or in profit, 100 at LP; 0 with no LP; 100
 *   when LP is not on the losing side of EP). The risk limits warn at liquidationWarnPct (80) and
 *   close at liquidationClosePct (90).
 * - funding fee paid = s × Q × M × rate (Binance: longs pay when the rate is positive); the cash flow
 *   into the account is its opposite. Every 8 h (00:00, 08:00, 16:00 UTC).
 * Capital rules (leverage-policy.ts): max position = principal + 70 % of profit; the opt-in leverage
 * unlock (spot only, then 2× / 3× / 4× on 50 % of profits from +100 / +200 / +300 %, cut one step when
 * futures losses reach 30 % of the profit).
 */
export {
  EXAMPLE_BTC_BRACKETS,
  FuturesMathError,
  bracketFor,
  bracketsFromTiers,
  validateBrackets,
  type BracketTier,
  type MarginBracket,
} from "./brackets";
export {
  initialMargin,
  isolatedWallet,
  MIN_PRICE,
  liquidationGuard,
  liquidationPrice,
  liquidationRiskPct,
  maintenanceMargin,
  marginBalance,
  marginRatioPct,
  perpPositionMetrics,
  positionNotional,
  priceAtLiquidationRisk,
  requiredMaintenance,
  unrealizedPnl,
  type LiquidationGuardAction,
  type MarginContext,
  type MarginMode,
  type PerpPosition,
  type PerpPositionMetrics,
  type PerpSide,
} from "./margin";
export { DEFAULT_FUNDING_RATE, FUNDING_INTERVAL_MS, fundingCashFlow, fundingFee, fundingTimesBetween } from "./funding";
export { MARKET_TYPES, isPerp, marketTypeOf, perpSymbol, type MarketType } from "./market-type";
export {
  DEFAULT_LEVERAGE_UNLOCK,
  leverageUnlockState,
  maxPositionNotional,
  profitOf,
  type CapitalFigures,
  type LeverageUnlockPolicy,
  type UnlockState,
} from "./leverage-policy";
