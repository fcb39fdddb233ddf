import type { MarketInterface } from "ccxt";
import type { Instrument, VenueRules } from "../model/types";

/**
 * A ccxt market as the engine's Instrument. Binance (and the simulator) use ccxt's TICK_SIZE precision
 * mode, so `precision.price` / `precision.amount` are the tick and lot step themselves. A linear swap
 * (ccxt `swap` + `linear`, e.g. binanceusdm's BTC/USDT:USDT) is marketType `perp`; a spot market
 * carries no marketType (spot instruments are exactly what they were before futures).
 */
export function instrumentFromMarket(
  symbol: string,
  market: Pick<MarketInterface, "base" | "quote" | "precision" | "limits"> & { info?: unknown; swap?: boolean; linear?: boolean | undefined; type?: string },
): Instrument {
  const venueRules = venueRulesFromFilters((market.info as { filters?: unknown } | undefined)?.filters);
  return {
    ...(venueRules ? { venueRules } : {}),
    ...(isLinearSwap(market) ? { marketType: "perp" as const } : {}),
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

/** A ccxt linear perpetual swap (USDⓈ-M): settled in the quote currency. */
export function isLinearSwap(market: { swap?: boolean; linear?: boolean | undefined; type?: string }): boolean {
  return (market.swap === true || market.type === "swap") && market.linear !== false;
}

/** Binance's exchangeInfo filters (MARKET_LOT_SIZE, PERCENT_PRICE_BY_SIDE, MAX_NUM_*) as VenueRules; undefined when none is there. */
export function venueRulesFromFilters(filters: unknown): VenueRules | undefined {
  if (!Array.isArray(filters)) return undefined;
  const rules: VenueRules = {};
  const positive = (v: unknown): number | undefined => {
    const n = Number(v);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  for (const f of filters as Array<Record<string, unknown>>) {
    if (f?.filterType === "MARKET_LOT_SIZE") {
      const max = positive(f.maxQty);
      if (max !== undefined) rules.marketMaxQty = max;
    } else if (f?.filterType === "PERCENT_PRICE_BY_SIDE") {
      const [bidUp, bidDown, askUp, askDown] = [f.bidMultiplierUp, f.bidMultiplierDown, f.askMultiplierUp, f.askMultiplierDown].map(positive);
      if (bidUp && bidDown && askUp && askDown) rules.priceBand = { bidUp, bidDown, askUp, askDown, avgPriceMins: positive(f.avgPriceMins) ?? 5 };
    } else if (f?.filterType === "MAX_NUM_ALGO_ORDERS") {
      const max = positive(f.maxNumAlgoOrders);
      if (max !== undefined) rules.maxAlgoOrders = max;
    } else if (f?.filterType === "MAX_NUM_ORDERS") {
      const max = positive(f.maxNumOrders);
      if (max !== undefined) rules.maxOrders = max;
    }
  }
  return Object.keys(rules).length > 0 ? rules : undefined;
}
