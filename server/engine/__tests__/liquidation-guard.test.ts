import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { EXAMPLE_BTC_BRACKETS, isolatedWallet, liquidationPrice, priceAtLiquidationRisk } from "../../futures";
import { InMemoryOrderStore, PaperVenue } from "../../execution";
import type { Instrument, OrderBook } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore, type RiskEvent } from "../../risk";
import { TradingAccount } from "../account";
import type { EngineEvents } from "../events";

/**
 * The liquidation guard on a paper futures account: a 3× isolated short that the market moves against
 * is warned once when 80 % of the distance from entry to its liquidation price is covered, and closed
 * (reduce-only, through risk, exit reason liquidation_guard) at 90 %, before the price reaches it.
 */
const PERP = "BTC/USDT:USDT";
const BTC_PERP: Instrument = { symbol: PERP, base: "BTC", quote: "USDT", tickSize: 0.1, stepSize: 0.001, minQty: 0.001, maxQty: 1000, minNotional: 100, marketType: "perp" };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const ROOMY: Partial<RiskLimits> = { maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, maxTradeLossPct: 100, stablecoinReservePct: 0, minAccountBalance: 0, minEntryIntervalSec: 0, symbolCooldownSec: 0, maxLeverage: 3, dailyLossPct: 100, weeklyLossPct: 100,
  // The guard is the last line behind the stop: this scenario's stop sits between the 90 % close and
  // the liquidation price (the stop-distance rule loosened) so that only the guard can act first.
  minStopLiquidationDistancePct: 0 };

async function shortAt3x() {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>((event, err) => {
    throw new Error(`listener of ${event} failed: ${String(err)}`);
  });
  const events: RiskEvent[] = [];
  const trades: EngineEvents["trade"][] = [];
  bus.on("risk:event", (e) => events.push(e));
  bus.on("trade", (t) => trades.push(t));
  const orders: EngineEvents["order"][] = [];
  bus.on("order", (o) => orders.push(o));
  const venue = new PaperVenue({ clock, id: "paper", kind: "paper", fees: { maker: 0.0002, taker: 0.0005 }, slippageBps: 0, latencyMs: 0, balances: { USDT: 10_000 }, instruments: [BTC_PERP], allowShorting: true });
  const account = await TradingAccount.create({
    mode: "paper",
    venue,
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", allowShort: true }),
    clock,
    wallClock: clock,
    limits: { ...DEFAULT_RISK_LIMITS, ...ROOMY },
    bus,
    logger: createLogger("silent"),
    instruments: new Map([[PERP, BTC_PERP]]),
    fees: { maker: 0.0002, taker: 0.0005 },
    sleep: async (ms) => clock.advance(ms),
    futures: { contracts: new Map([[PERP, { symbol: PERP, leverage: 3, marginMode: "isolated" as const, brackets: EXAMPLE_BTC_BRACKETS }]]) },
  });
  await account.start();
  const price = (p: number) => {
    clock.advance(1_000);
    const book: OrderBook = { symbol: PERP, timestamp: clock.now(), asks: [{ price: p + 0.1, quantity: 100 }], bids: [{ price: p, quantity: 100 }] };
    account.onOrderBook(book);
    account.onPrice(PERP, p, clock.now());
  };
  return { account, price, events, trades, orders };
}

describe("liquidation guard (futures)", () => {
  it("a 3× isolated short is warned at 80 % of the way to liquidation and closed at 90 %, before the liquidation price", async () => {
    const { account, price, events, trades, orders } = await shortAt3x();
    price(50_000);
    const entry = await account.submit({ symbol: PERP, side: "sell", type: "market", quantity: 0.02, intent: "entry", reduceOnly: false, stopLoss: 66_000, takeProfit: 10_000, reason: "short" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    await account.idle();
    const short = account.ledger.positions()[0];
    expect(short).toMatchObject({ symbol: PERP, side: "short", quantity: 0.02 });
    const lp = liquidationPrice({ side: "short", quantity: 0.02, entryPrice: short.avgEntryPrice }, { marginMode: "isolated", walletBalance: isolatedWallet({ side: "short", quantity: 0.02, entryPrice: short.avgEntryPrice }, 3), brackets: EXAMPLE_BTC_BRACKETS })!;
    expect(lp).toBeGreaterThan(short.avgEntryPrice * 1.3);
    expect(account.perpExposures().get(PERP)?.liquidationPrice).toBeCloseTo(lp, 6);

    const at = (pct: number) => priceAtLiquidationRisk(short.avgEntryPrice, lp, pct);
    price(at(70));
    await account.idle();
    expect(events.filter((e) => e.code.startsWith("LIQUIDATION"))).toEqual([]);
    price(at(81));
    price(at(85)); // still above the warning: no second warning
    await account.idle();
    expect(events.filter((e) => e.code === "LIQUIDATION_RISK_WARNING")).toHaveLength(1);
    expect(events.find((e) => e.code === "LIQUIDATION_RISK_WARNING")).toMatchObject({ kind: "warning", severity: "warning", data: { symbol: PERP, warnPct: 80 } });
    expect(account.ledger.positions()).toHaveLength(1);

    price(at(91));
    await account.idle();
    await expect.poll(() => account.ledger.positions().length).toBe(0);
    expect(events.find((e) => e.code === "LIQUIDATION_GUARD_CLOSE")).toMatchObject({ severity: "critical", data: { closePct: 90 } });
    const close = orders.find((o) => o.intent === "exit" && o.status === "filled")!;
    expect(close).toMatchObject({ side: "buy", type: "market", reduceOnly: true, exitReason: "liquidation_guard", quantity: 0.02 });
    expect(close.riskChecks?.length).toBeGreaterThan(0); // decided by the risk engine
    const trade = trades.at(-1)!;
    expect(trade).toMatchObject({ symbol: PERP, side: "short", exitReason: "liquidation_guard" });
    expect(trade.exitPrice).toBeLessThan(lp);
    expect(trade.exitPrice).toBeGreaterThanOrEqual(at(90) - 1);
  });

  it("a risk hovering at the warning level (marks slightly out of order) warns once; it warns again only after falling clearly back", async () => {
    const { account, price, events } = await shortAt3x();
    price(50_000);
    const entry = await account.submit({ symbol: PERP, side: "sell", type: "market", quantity: 0.02, intent: "entry", reduceOnly: false, stopLoss: 66_000, takeProfit: 10_000, reason: "short" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    await account.idle();
    const short = account.ledger.positions()[0];
    const lp = liquidationPrice({ side: "short", quantity: 0.02, entryPrice: short.avgEntryPrice }, { marginMode: "isolated", walletBalance: isolatedWallet({ side: "short", quantity: 0.02, entryPrice: short.avgEntryPrice }, 3), brackets: EXAMPLE_BTC_BRACKETS })!;
    const at = (pct: number) => priceAtLiquidationRisk(short.avgEntryPrice, lp, pct);
    const warnings = () => events.filter((e) => e.code === "LIQUIDATION_RISK_WARNING").length;
    for (const pct of [81, 79, 82, 78, 81]) price(at(pct)); // around 80 %, within the re-arm band
    await account.idle();
    expect(warnings()).toBe(1);
    price(at(70)); // clearly back down (below 80 − LIQUIDATION_WARN_REARM_POINTS)
    price(at(81));
    await account.idle();
    expect(warnings()).toBe(2);
    expect(account.ledger.positions()).toHaveLength(1); // warnings only: nothing closed below 90 %
  });
});
