import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { EXAMPLE_BTC_BRACKETS, isolatedWallet, unrealizedPnl } from "../../futures";
import { InMemoryOrderStore, PaperVenue } from "../../execution";
import type { Instrument, OrderBook } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore, type RiskPerpContract } from "../../risk";
import { TradingAccount } from "../account";
import type { EngineEvents } from "../events";
import { futuresRiskContext, type AccountFutures } from "../futures-account";

/**
 * TRADING_MARKET=futures: the account hands the risk engine its futures side (RiskContext.futures),
 * so the perp-only rules (leverage, margin utilisation, stop distance from liquidation, principal +
 * 70 % of profit, leverage unlock) decide perp orders; spot orders pass them untouched.
 */
const PERP = "BTC/USDT:USDT";
const SPOT = "BTC/USDT";
const BTC_PERP: Instrument = { symbol: PERP, base: "BTC", quote: "USDT", tickSize: 0.1, stepSize: 0.001, minQty: 0.001, maxQty: 1000, minNotional: 100, marketType: "perp" };
const BTC: Instrument = { symbol: SPOT, base: "BTC", quote: "USDT", tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, maxQty: 9000, minNotional: 5 };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const PERP_CHECKS = ["perp-leverage", "leverage-unlock", "margin-utilisation", "principal-position-cap", "stop-liquidation-distance"];
/** The spot-era sizing rules out of the way, so each scenario shows the futures rule it is about. */
const ROOMY: Partial<RiskLimits> = { maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, maxTradeLossPct: 100, stablecoinReservePct: 0, minAccountBalance: 0, minEntryIntervalSec: 0, symbolCooldownSec: 0 };

function contract(o: Partial<RiskPerpContract> = {}): RiskPerpContract {
  return { symbol: PERP, leverage: 1, marginMode: "cross", brackets: EXAMPLE_BTC_BRACKETS, ...o };
}

async function futuresAccount(options: { futures?: AccountFutures; limits?: Partial<RiskLimits> } = {}) {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>((event, err) => {
    throw new Error(`listener of ${event} failed: ${String(err)}`);
  });
  const venue = new PaperVenue({ clock, id: "paper", kind: "paper", fees: { maker: 0.0002, taker: 0.0005 }, slippageBps: 0, latencyMs: 0, balances: { USDT: 10_000 }, instruments: [BTC_PERP, BTC] });
  const account = await TradingAccount.create({
    mode: "paper",
    venue,
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", allowShort: true }),
    clock,
    limits: { ...DEFAULT_RISK_LIMITS, ...ROOMY, ...options.limits },
    bus,
    logger: createLogger("silent"),
    instruments: new Map([[PERP, BTC_PERP], [SPOT, BTC]]),
    fees: { maker: 0.0002, taker: 0.0005 },
    sleep: async (ms) => clock.advance(ms),
    ...(options.futures ? { futures: options.futures } : {}),
  });
  await account.start();
  const price = (symbol: string, p: number) => {
    clock.advance(1_000);
    const book: OrderBook = { symbol, timestamp: clock.now(), asks: [{ price: p, quantity: 100 }], bids: [{ price: p - 0.1, quantity: 100 }] };
    account.onOrderBook(book);
    account.onPrice(symbol, p, clock.now());
  };
  return { account, price, clock };
}

const shortEntry = (quantity: number, stopLoss = 51_000, takeProfit = 47_500) =>
  ({ symbol: PERP, side: "sell", type: "market", quantity, intent: "entry", reduceOnly: false, stopLoss, takeProfit, reason: "short entry" }) as const;

describe("the futures account's risk context", () => {
  it("a perp short using more than half the margin balance is refused by margin utilisation; a smaller one passes every perp rule", async () => {
    const { account, price } = await futuresAccount({ futures: { contracts: new Map([[PERP, contract()]]) } });
    price(PERP, 50_000);
    // 1×: 0.12 BTC × 50,000 = 6,000 of initial margin on a 10,000 wallet = 60 % > 50 %.
    const big = account.previewOrder(shortEntry(0.12));
    expect(big.allowed).toBe(false);
    expect(big.code).toBe("MARGIN_UTILISATION");
    const small = account.previewOrder(shortEntry(0.04));
    expect(small.allowed, small.message).toBe(true);
    for (const id of PERP_CHECKS) expect(small.checks.find((c) => c.check === id)?.code, id).not.toMatch(/^(NOT_PERP|PERP_CONTEXT_MISSING)$/);
    expect(small.checks.find((c) => c.check === "margin-utilisation")?.code).toBe("MARGIN_UTILISATION_OK");
  });

  it("at 3× the same short fits, and a contract set above risk.maxLeverage is refused by the leverage cap", async () => {
    const at3 = await futuresAccount({ futures: { contracts: new Map([[PERP, contract({ leverage: 3 })]]) }, limits: { maxLeverage: 3 } });
    at3.price(PERP, 50_000);
    expect(at3.account.previewOrder(shortEntry(0.12)).allowed).toBe(true); // 2,000 of margin = 20 %
    const over = await futuresAccount({ futures: { contracts: new Map([[PERP, contract({ leverage: 5 })]]) }, limits: { maxLeverage: 3 } });
    over.price(PERP, 50_000);
    const decision = over.account.previewOrder(shortEntry(0.01));
    expect(decision.allowed).toBe(false);
    expect(decision.checks.find((c) => c.check === "perp-leverage")?.allowed).toBe(false);
  });

  it("without the futures side a perp order cannot be checked and is refused; spot orders on a futures account pass the perp rules untouched", async () => {
    const bare = await futuresAccount();
    bare.price(PERP, 50_000);
    expect(bare.account.riskContext().futures).toBeUndefined();
    expect(bare.account.previewOrder(shortEntry(0.01)).code).toBe("PERP_CONTEXT_MISSING");

    const { account, price } = await futuresAccount({ futures: { contracts: new Map([[PERP, contract()]]) } });
    price(SPOT, 50_000);
    const spot = account.previewOrder({ symbol: SPOT, side: "buy", type: "market", quantity: 0.01, intent: "entry", reduceOnly: false, stopLoss: 49_000, takeProfit: 52_500, reason: "spot entry" });
    expect(spot.allowed, spot.message).toBe(true);
    for (const id of PERP_CHECKS) expect(spot.checks.find((c) => c.check === id)?.code).toBe("NOT_PERP");
  });
});

describe("futuresRiskContext from the ledger", () => {
  it("wallet = starting cash + realized P&L (fees and funding), futures P&L adds the open perps at mark, isolated wallets net of funding", () => {
    const ledger = new Ledger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", allowShort: true });
    ledger.applyFill({ clientOrderId: "a", venueTradeId: "1", symbol: PERP, side: "sell", price: 50_000, quantity: 0.1, fee: 2.5, liquidity: "taker", timestamp: T0 }, { strategyInstanceId: "s1" });
    ledger.applyFunding({ symbol: PERP, strategyInstanceId: "s1", cashFlow: 0.5, timestamp: T0 + 1 });
    ledger.applyFill({ clientOrderId: "b", venueTradeId: "2", symbol: SPOT, side: "buy", price: 50_000, quantity: 0.01, fee: 0.5, liquidity: "taker", timestamp: T0 + 2 });
    ledger.mark(PERP, 51_000);
    ledger.mark(SPOT, 49_000);

    const view = futuresRiskContext(ledger, { contracts: new Map([[PERP, contract({ leverage: 2, marginMode: "isolated" })]]) });
    expect(view.principal).toBe(10_000);
    expect(view.walletBalance).toBeCloseTo(10_000 - 2.5 + 0.5 - 0.5, 8);
    const upnl = unrealizedPnl({ side: "short", quantity: 0.1, entryPrice: 50_000 }, 51_000);
    expect(upnl).toBe(-100);
    expect(view.futuresPnl).toBeCloseTo(-2.5 + 0.5 + upnl, 8); // the spot position's fee and loss are not futures P&L
    expect(view.isolatedWallets?.get(PERP)).toBeCloseTo(isolatedWallet({ side: "short", quantity: 0.1, entryPrice: 50_000 }, 2, { fundingPaid: -0.5 }), 8);
    expect(futuresRiskContext(ledger, { contracts: new Map(), principal: 7_500 }).principal).toBe(7_500);
  });
});
