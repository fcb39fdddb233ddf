/**
 * The market type of an instrument: `spot` (coins bought and sold outright) or `perp` (a USDⓈ-M
 * perpetual: margin, leverage, shorts, funding, liquidation). An instrument that states its type is
 * that type; otherwise ccxt's unified symbol says it: a linear swap is `BASE/QUOTE:SETTLE`
 * (`BTC/USDT:USDT`), a spot pair `BASE/QUOTE`.
 */
export type MarketType = "spot" | "perp";

export const MARKET_TYPES: readonly MarketType[] = ["spot", "perp"];

export function marketTypeOf(instrument: string | { readonly symbol: string; readonly marketType?: MarketType }): MarketType {
  if (typeof instrument !== "string" && instrument.marketType !== undefined) return instrument.marketType;
  const symbol = typeof instrument === "string" ? instrument : instrument.symbol;
  return symbol.includes(":") ? "perp" : "spot";
}

export const isPerp = (instrument: string | { readonly symbol: string; readonly marketType?: MarketType }): boolean => marketTypeOf(instrument) === "perp";

/** The ccxt symbol of the linear perpetual of a spot pair: BTC/USDT → BTC/USDT:USDT (a perp symbol is returned as it is). */
export function perpSymbol(spotSymbol: string): string {
  if (spotSymbol.includes(":")) return spotSymbol;
  const slash = spotSymbol.indexOf("/");
  if (slash <= 0) throw new Error(`not a BASE/QUOTE symbol: ${spotSymbol}`);
  return `${spotSymbol}:${spotSymbol.slice(slash + 1)}`;
}
