import type { Exchange, LeverageTier } from "ccxt";
import type { RiskLimits } from "../config";
import { errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import { EXAMPLE_BTC_BRACKETS, bracketsFromTiers, marketTypeOf, type MarginBracket, type MarginMode } from "../futures";
import type { Instrument } from "../model/types";
import type { RiskPerpContract } from "../risk";

/**
 * The perpetual contracts a futures account trades (TRADING_MARKET=futures, issue 15), for the risk
 * context (RiskContext.futures.contracts):
 * - brackets: the venue's maintenance margin brackets (Binance GET /fapi/v1/leverageBracket, through
 *   ccxt fetchLeverageTiers; the maintenance amounts derived by Binance's own rule). When the venue
 *   cannot tell (no keys, no such endpoint, an error), DEFAULT_PERP_BRACKETS: the table Binance
 *   published for BTCUSDT (0.4 % up to 50,000, then 0.5 %, 1 %, 2.5 %, 5 %, 10 %, 12.5 %, 15 %, 25 %,
 *   50 %), with a warning in the log;
 * - leverage: risk.maxLeverage (1× by default): the engine sizes margin at the leverage the limits allow;
 * - margin mode: trading.marginMode (TRADING_MARGIN_MODE, cross by default, Binance's default too).
 * applyContractSettings sets both at the venue (POST /fapi/v1/marginType and /fapi/v1/leverage), so
 * the venue's liquidation price is the one the engine computes.
 */
export const DEFAULT_PERP_BRACKETS: readonly MarginBracket[] = EXAMPLE_BTC_BRACKETS;

/** ccxt leverage tiers (ascending notional) as margin brackets; the last tier is open-ended. */
export function bracketsFromLeverageTiers(tiers: readonly LeverageTier[]): MarginBracket[] {
  const sorted = [...tiers].sort((a, b) => Number(a.minNotional ?? 0) - Number(b.minNotional ?? 0));
  return bracketsFromTiers(
    sorted.map((t, i) => ({
      notionalCap: i === sorted.length - 1 ? Number.POSITIVE_INFINITY : Number(t.maxNotional),
      maintMarginRate: Number(t.maintenanceMarginRate),
      maxLeverage: Number(t.maxLeverage),
    })),
  );
}

export async function perpContracts(options: {
  exchange: Pick<Exchange, "has"> & { fetchLeverageTiers?: Exchange["fetchLeverageTiers"] };
  instruments: ReadonlyMap<string, Instrument>;
  limits: Pick<RiskLimits, "maxLeverage">;
  marginMode?: MarginMode;
  logger: Logger;
}): Promise<Map<string, RiskPerpContract>> {
  const symbols = [...options.instruments.values()].filter((i) => marketTypeOf(i) === "perp").map((i) => i.symbol);
  const contracts = new Map<string, RiskPerpContract>();
  if (symbols.length === 0) return contracts;
  let tiers: Record<string, LeverageTier[]> = {};
  if (options.exchange.has?.fetchLeverageTiers && options.exchange.fetchLeverageTiers) {
    try {
      tiers = (await options.exchange.fetchLeverageTiers(symbols)) as Record<string, LeverageTier[]>;
    } catch (err) {
      options.logger.warn({ err: errorMessage(err) }, "the venue's margin brackets could not be read: using the default table (Binance BTCUSDT)");
    }
  }
  for (const symbol of symbols) {
    let brackets: readonly MarginBracket[] = DEFAULT_PERP_BRACKETS;
    const own = tiers[symbol];
    if (own && own.length > 0) {
      try {
        brackets = bracketsFromLeverageTiers(own);
      } catch (err) {
        options.logger.warn({ symbol, err: errorMessage(err) }, "the venue's margin brackets are not usable: using the default table (Binance BTCUSDT)");
      }
    }
    contracts.set(symbol, { symbol, leverage: options.limits.maxLeverage, marginMode: options.marginMode ?? "cross", brackets });
  }
  return contracts;
}

/**
 * Set each traded contract's margin mode and leverage at the venue to the engine's (needs keys). A
 * contract already in that mode is fine (Binance -4046 "No need to change margin type"); any other
 * failure is returned, so the caller can say which contract the venue would liquidate differently.
 */
export async function applyContractSettings(
  exchange: Pick<Exchange, "has"> & { setMarginMode?: Exchange["setMarginMode"]; setLeverage?: Exchange["setLeverage"] },
  contracts: ReadonlyMap<string, RiskPerpContract>,
  symbols: readonly string[],
): Promise<Array<{ symbol: string; error: string }>> {
  const failures: Array<{ symbol: string; error: string }> = [];
  for (const symbol of symbols) {
    const c = contracts.get(symbol);
    if (!c) continue;
    try {
      if (exchange.has?.setMarginMode && exchange.setMarginMode) {
        await exchange.setMarginMode(c.marginMode, symbol).catch((err: unknown) => {
          if (!/-4046|no need to change margin type|MarginModeAlreadySet/i.test(`${errorMessage(err)} ${(err as { constructor?: { name?: string } })?.constructor?.name ?? ""}`)) throw err;
        });
      }
      if (exchange.has?.setLeverage && exchange.setLeverage) await exchange.setLeverage(c.leverage, symbol);
    } catch (err) {
      failures.push({ symbol, error: errorMessage(err) });
    }
  }
  return failures;
}
