import type { MarketInterface } from "ccxt";
import type { Instrument } from "../model/types";

/**
 * A ccxt market as the engine's Instrument. Binance (and the simulator) use ccxt's TICK_SIZE precision
 * mode, so `precision.price` / `precision.amount` are the tick and lot step themselves.
 */
export function instrumentFromMarket(symbol: string, market: Pick<MarketInterface, "base" | "quote" | "precision" | "limits">): Instrument {
  return {
    symbol,
    base: market.base,
    quote: market.quote,
    tickSize: Number(market.precision.price ?? 0),
    stepSize: Number(market.precision.amount ?? 0),
    minQty: Number(market.limits.amount?.min ?? 0),
    maxQty: Number(market.limits.amount?.max ?? Number.MAX_SAFE_INTEGER),
    minNotional: Number(market.limits.cost?.min ?? 0),
  };
}
