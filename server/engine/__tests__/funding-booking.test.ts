import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { EXAMPLE_BTC_BRACKETS, FUNDING_INTERVAL_MS, fundingCashFlow } from "../../futures";
import { InMemoryOrderStore, PaperVenue } from "../../execution";
import type { Instrument, KernelMode, OrderBook } from "../../model/types";
import { Ledger, type FundingPayment } from "../../portfolio";
import { InMemoryRiskStateStore } from "../../risk";
import { TradingAccount } from "../account";
import type { EngineEvents } from "../events";
import { DEFAULT_FUNDING_RATE } from "../../futures";
import type { AccountFutures } from "../futures-account";

/**
 * Funding on a paper futures account: at every funding time (00:00, 08:00, 16:00 UTC) each open perp
 * position pays or receives size × mark × rate, booked on the ledger (cash, fundingPaid, P&L) and
 * stored, with the stored rate or the documented default rate.
 */
const PERP = "BTC/USDT:USDT";
const BTC_PERP: Instrument = { symbol: PERP, base: "BTC", quote: "USDT", tickSize: 0.1, stepSize: 0.001, minQty: 0.001, maxQty: 1000, minNotional: 100, marketType: "perp" };
// 07:00 UTC: the next funding time is 08:00.
const T0 = Date.UTC(2026, 0, 5, 7, 0, 0);
const ROOMY: Partial<RiskLimits> = { maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, maxTradeLossPct: 100, stablecoinReservePct: 0, minAccountBalance: 0, minEntryIntervalSec: 0, symbolCooldownSec: 0 };

async function paperFutures(futures: Omit<AccountFutures, "contracts"> = {}) {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>((event, err) => {
    throw new Error(`listener of ${event} failed: ${String(err)}`);
  });
  const stored: Array<{ mode: KernelMode; payment: FundingPayment }> = [];
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
    futures: {
      contracts: new Map([[PERP, { symbol: PERP, leverage: 1, marginMode: "cross" as const, brackets: EXAMPLE_BTC_BRACKETS }]]),
      fundingStore: { recordFunding: async (mode, payment) => void stored.push({ mode, payment }) },
      ...futures,
    },
  });
  await account.start();
  const price = (p: number, advanceMs = 1_000) => {
    clock.advance(advanceMs);
    const book: OrderBook = { symbol: PERP, timestamp: clock.now(), asks: [{ price: p + 0.1, quantity: 100 }], bids: [{ price: p, quantity: 100 }] };
    account.onOrderBook(book);
    account.onPrice(PERP, p, clock.now());
  };
  return { account, price, stored, clock };
}

describe("funding on a paper futures account", () => {
  it("a short receives the default rate at 08:00 and 16:00 UTC on its size at mark; cash, fundingPaid and the store agree", async () => {
    const { account, price, stored, clock } = await paperFutures();
    price(50_000);
    const entry = await account.submit({ symbol: PERP, side: "sell", type: "market", quantity: 0.1, intent: "entry", reduceOnly: false, stopLoss: 51_000, takeProfit: 47_500, reason: "short" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    await account.idle();
    const cashAfterEntry = account.ledger.cash;
    price(50_100, 30 * 60_000); // 07:30: no funding yet
    expect(stored).toEqual([]);

    price(50_200, 31 * 60_000); // past 08:00
    const first = fundingCashFlow("short", 0.1, 50_200, DEFAULT_FUNDING_RATE);
    expect(first).toBeCloseTo(0.502, 8); // a short receives at a positive rate
    expect(stored.map((s) => s.payment)).toEqual([{ symbol: PERP, cashFlow: first, timestamp: Date.UTC(2026, 0, 5, 8), fundingRate: DEFAULT_FUNDING_RATE, markPrice: 50_200 }]);
    expect(account.ledger.cash).toBeCloseTo(cashAfterEntry + first, 8);
    expect(account.ledger.positions()[0].fundingPaid).toBeCloseTo(-first, 8);

    price(50_300, 8 * 3_600_000); // past 16:00
    expect(stored).toHaveLength(2);
    expect(stored[1].payment.timestamp).toBe(Date.UTC(2026, 0, 5, 16));
    expect(account.ledger.fundingPaid).toBeCloseTo(-(first + fundingCashFlow("short", 0.1, 50_300, DEFAULT_FUNDING_RATE)), 8);
    expect(clock.now() - T0).toBeGreaterThan(FUNDING_INTERVAL_MS);
  });

  it("a stored negative rate makes the short pay; a flat account books nothing", async () => {
    const { account, price, stored } = await paperFutures({ fundingRate: () => -0.0003 });
    price(40_000);
    price(40_000, 2 * 3_600_000); // past 08:00, flat
    expect(stored).toEqual([]);
    await account.submit({ symbol: PERP, side: "sell", type: "market", quantity: 0.05, intent: "entry", reduceOnly: false, stopLoss: 41_000, takeProfit: 38_000, reason: "short" });
    await account.idle();
    price(40_000, 8 * 3_600_000); // past 16:00
    expect(stored.map((s) => s.payment.cashFlow)).toEqual([fundingCashFlow("short", 0.05, 40_000, -0.0003)]);
    expect(stored[0].payment.cashFlow).toBeLessThan(0);
  });
});
