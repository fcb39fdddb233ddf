import { describe, expect, it } from "vitest";
import { venueRulesFromFilters } from "../../market/instruments";
import type { Instrument } from "../../model/types";
import { symbolInfo } from "../../simulator/formats";
import { buildSymbolSpec } from "../../simulator/instruments";
import type { RiskOpenOrder } from "../types";
import { BTC, context, entry, exit, longBtc, startEngine } from "./fixtures";

/**
 * Issue 14: the pre-trade checks refuse what the venue would refuse (price band, market lot cap, stop
 * order count), with the venue's filter named, so a doomed order never becomes a venue error.
 * The rules come from the venue's own exchangeInfo filters, here the simulator's (Binance's set).
 */

const rules = venueRulesFromFilters(symbolInfo(buildSymbolSpec("BTC/USDT")).filters)!;
const STRICT_BTC: Instrument = { ...BTC, venueRules: rules };
const instruments = new Map([[STRICT_BTC.symbol, STRICT_BTC]]);

async function decide(req: ReturnType<typeof entry>, openOrders: RiskOpenOrder[] = [], positions = [] as ReturnType<typeof longBtc>[]) {
  const { engine } = await startEngine({ maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, minEdgeOverFeesPct: 0, maxTradeLossPct: 100 });
  return engine.evaluate(req, context({ instruments, openOrders, positions, equity: 10_000_000, freeQuote: 10_000_000 }));
}

function stop(i: number): RiskOpenOrder {
  return { clientOrderId: `stop-${i}`, symbol: "BTC/USDT", side: "sell", type: "stop_loss_limit", quantity: 0.001, price: 45_000, intent: "exit", reduceOnly: true, status: "submitted" };
}

describe("venue rules from Binance's filters", () => {
  it("the simulator's exchangeInfo gives the price band, market lot cap and stop-order cap", () => {
    expect(rules.priceBand).toEqual({ bidUp: 5, bidDown: 0.2, askUp: 5, askDown: 0.2, avgPriceMins: 5 });
    expect(rules.maxAlgoOrders).toBe(5);
    expect(rules.maxOrders).toBe(200);
    expect(rules.marketMaxQty).toBeGreaterThan(0);
  });

  it("a limit buy at 6× the price is refused before the venue, naming PERCENT_PRICE_BY_SIDE", async () => {
    const decision = await decide(entry({ type: "limit", price: 300_000, quantity: 0.001, timeInForce: "GTC", stopLoss: 290_000, takeProfit: 310_000 }));
    expect(decision.allowed).toBe(false);
    expect(decision.code).toBe("VENUE_PRICE_BAND");
    expect(decision.message).toContain("PERCENT_PRICE_BY_SIDE");
    const inside = await decide(entry({ type: "limit", price: 49_000, quantity: 0.001, timeInForce: "GTC", stopLoss: 48_000, takeProfit: 52_000 }));
    expect(inside.checks.find((c) => c.check === "venue-price-band")?.code).toBe("VENUE_PRICE_BAND_OK");
  });

  it("a market order above the market lot cap is refused, an exit included, naming MARKET_LOT_SIZE", async () => {
    const big = rules.marketMaxQty! + 1;
    const decision = await decide(exit({ quantity: big }), [], [longBtc({ quantity: big })]);
    expect(decision.allowed).toBe(false);
    expect(decision.code).toBe("VENUE_MARKET_LOT_SIZE");
    expect(decision.message).toContain("MARKET_LOT_SIZE");
  });

  it("a sixth open stop order on a symbol is refused, naming MAX_NUM_ALGO_ORDERS; the fifth passes", async () => {
    const req = exit({ type: "stop_loss_limit", price: 44_000, stopPrice: 44_500, timeInForce: "GTC", quantity: 0.001 });
    const fifth = await decide(req, [1, 2, 3, 4].map(stop), [longBtc()]);
    expect(fifth.checks.find((c) => c.check === "venue-algo-orders")?.code).toBe("VENUE_ALGO_ORDERS_OK");
    const sixth = await decide({ ...req, clientOrderId: "another" }, [1, 2, 3, 4, 5].map(stop), [longBtc()]);
    expect(sixth.allowed).toBe(false);
    expect(sixth.code).toBe("VENUE_MAX_ALGO_ORDERS");
    expect(sixth.message).toContain("MAX_NUM_ALGO_ORDERS");
  });
});
