import type { TradingAccount } from "../engine";
import type { VenueOrderUpdate } from "../execution";
import { maintenanceMargin, positionNotional, type PerpSide } from "../futures";
import type { Candle, Fill } from "../model/types";
import { checkExits } from "../portfolio";
import type { RiskPerpContract } from "../risk";

/**
 * The venue's liquidation in a futures backtest (issue 15). Before the account sees a base-timeframe
 * candle, each perp position (one-way mode: the net position of the symbol, server/engine/perp-exposure.ts)
 * is liquidated when the candle's adverse extreme reaches its liquidation price (server/futures
 * liquidationPrice: the low for a long, the high for a short), unless a protective stop of the
 * position gets there first (checkExits, the account's own exit check, fills it at a price short of
 * the liquidation price: the account then books that exit on this candle). A candle that opens beyond
 * the liquidation price still liquidates at it: the venue takes the position over at the
 * liquidation price and its insurance fund bears the gap.
 *
 * The liquidation is booked as Binance does, through the account's venue-liquidation path
 * (TradingAccount.bookVenueLiquidation: exit orders with exit reason "liquidation" through the one
 * fill path): the position is closed at the liquidation price and the maintenance margin of its
 * notional there (notional × MMR − cum of its bracket, server/futures maintenanceMargin) is lost, as
 * the fill's fee (Binance's liquidation clearance fee; no trading fee on top). At the liquidation
 * price the margin balance equals the maintenance margin, so an isolated position loses exactly its
 * margin (entry notional / leverage, less the funding it paid); a cross position what the account's
 * wallet had above the maintenance margin.
 */
export interface BacktestLiquidation {
  at: number;
  symbol: string;
  side: PerpSide;
  quantity: number;
  entryPrice: number;
  liquidationPrice: number;
  /** The maintenance margin lost (booked as the liquidation fill's fee). */
  maintenanceMargin: number;
}

export async function liquidateOnCandle(
  account: TradingAccount,
  contracts: ReadonlyMap<string, RiskPerpContract>,
  candle: Candle,
  at: number,
  seq: number,
): Promise<BacktestLiquidation | null> {
  const contract = contracts.get(candle.symbol);
  if (!contract || account.ledger.openPositionsOf(candle.symbol).length === 0) return null;
  const exposure = account.perpExposures().get(candle.symbol);
  if (!exposure || exposure.liquidationPrice === null) return null;
  const lp = exposure.liquidationPrice;
  const long = exposure.side === "long";
  if (long ? !(candle.low <= lp) : !(candle.high >= lp)) return null;
  for (const p of account.ledger.openPositionsOf(candle.symbol)) {
    if (p.side !== exposure.side) continue;
    const exit = checkExits(p, candle, candle.openTime);
    if (exit && exit.reason !== "take_profit" && (long ? exit.price > lp : exit.price < lp)) return null;
  }
  const quantity = exposure.quantity;
  const mm = maintenanceMargin(positionNotional(quantity, lp), contract.brackets);
  const clientOrderId = `bt-liq-${seq}`;
  const side = long ? "sell" : "buy";
  const fill: Fill = { clientOrderId, venueTradeId: `${clientOrderId}-1`, symbol: candle.symbol, side, price: lp, quantity, fee: mm, liquidity: "taker", timestamp: at };
  const update: VenueOrderUpdate = {
    clientOrderId,
    symbol: candle.symbol,
    side,
    type: "market",
    status: "filled",
    quantity,
    filledQuantity: quantity,
    avgFillPrice: lp,
    fee: mm,
    fills: [fill],
    timestamp: at,
  };
  await account.bookVenueLiquidation(update);
  return { at, symbol: candle.symbol, side: exposure.side, quantity, entryPrice: exposure.entryPrice, liquidationPrice: lp, maintenanceMargin: mm };
}
