import type { Exchange } from "ccxt";
import { DEFAULT_FEES, type FeeSchedule } from "./types";

function rate(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value < 1 ? value : undefined;
}

/**
 * The maker/taker rates a paper venue should charge to mirror a real venue: the market's own rates
 * when a symbol is given and its markets are loaded, else the exchange's published base tier
 * (ccxt `fees.trading`), else DEFAULT_FEES (0.1 % / 0.1 %).
 */
export function feeScheduleFromCcxt(exchange: Pick<Exchange, "fees" | "markets">, symbol?: string): FeeSchedule {
  const market = symbol ? exchange.markets?.[symbol] : undefined;
  const trading = (exchange.fees as { trading?: { maker?: unknown; taker?: unknown } } | undefined)?.trading;
  return {
    maker: rate(market?.maker) ?? rate(trading?.maker) ?? DEFAULT_FEES.maker,
    taker: rate(market?.taker) ?? rate(trading?.taker) ?? DEFAULT_FEES.taker,
  };
}
