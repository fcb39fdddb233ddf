import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { positionSchema, riskSchema } from "../../contract";
import { EXAMPLE_BTC_BRACKETS, initialMargin, isolatedWallet, liquidationPrice, liquidationRiskPct } from "../../futures";
import { InMemoryOrderStore, PaperVenue } from "../../execution";
import type { Instrument, OrderBook } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore } from "../../risk";
import { TradingAccount, positionDto, type AccountFutures, type EngineEvents, type EngineRuntime } from "../../engine";
import { positionUseCases } from "../positions";
import { riskView } from "../risk";

/**
 * GET /api/positions and GET /api/risk on a futures account carry the futures figures (market type,
 * leverage, margin used, liquidation price, funding paid; margin utilisation and liquidation risk),
 * each equal to an independent computation; a spot account answers exactly as before.
 */
const PERP = "BTC/USDT:USDT";
const SPOT = "BTC/USDT";
const BTC_PERP: Instrument = { symbol: PERP, base: "BTC", quote: "USDT", tickSize: 0.1, stepSize: 0.001, minQty: 0.001, maxQty: 1000, minNotional: 100, marketType: "perp" };
const BTC: Instrument = { symbol: SPOT, base: "BTC", quote: "USDT", tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, maxQty: 9000, minNotional: 5 };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const ROOMY: Partial<RiskLimits> = { maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, maxTradeLossPct: 100, stablecoinReservePct: 0, minAccountBalance: 0, minEntryIntervalSec: 0, symbolCooldownSec: 0, maxLeverage: 3 };

async function account(futures: AccountFutures | undefined) {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>(() => {});
  const instrument = futures ? BTC_PERP : BTC;
  const venue = new PaperVenue({ clock, id: "paper", kind: "paper", fees: { maker: 0.0002, taker: 0.0005 }, slippageBps: 0, latencyMs: 0, balances: { USDT: 10_000 }, instruments: [instrument], allowShorting: Boolean(futures) });
  const a = await TradingAccount.create({
    mode: "paper",
    venue,
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT", allowShort: Boolean(futures) }),
    clock,
    limits: { ...DEFAULT_RISK_LIMITS, ...ROOMY },
    bus,
    logger: createLogger("silent"),
    instruments: new Map([[instrument.symbol, instrument]]),
    fees: { maker: 0.0002, taker: 0.0005 },
    sleep: async (ms) => clock.advance(ms),
    ...(futures ? { futures } : {}),
  });
  await a.start();
  const price = (p: number) => {
    clock.advance(1_000);
    const book: OrderBook = { symbol: instrument.symbol, timestamp: clock.now(), asks: [{ price: p, quantity: 100 }], bids: [{ price: p, quantity: 100 }] };
    a.onOrderBook(book);
    a.onPrice(instrument.symbol, p, clock.now());
  };
  const engine = { kernel: { mode: "paper", accounts: new Map([["paper", a]]), activeAccount: a } } as unknown as EngineRuntime;
  return { account: a, price, engine };
}

describe("futures figures in the API", () => {
  it("a 3× isolated short: positions show leverage, margin used, liquidation price and funding; risk shows margin utilisation and liquidation risk", async () => {
    const { account: a, price, engine } = await account({ contracts: new Map([[PERP, { symbol: PERP, leverage: 3, marginMode: "isolated", brackets: EXAMPLE_BTC_BRACKETS }]]) });
    price(50_000);
    const entry = await a.submit({ symbol: PERP, side: "sell", type: "market", quantity: 0.02, intent: "entry", reduceOnly: false, stopLoss: 52_000, takeProfit: 45_000, reason: "short" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    await a.idle();
    a.ledger.applyFunding({ symbol: PERP, cashFlow: 0.1, timestamp: T0 + 3_600_000 });
    price(55_000);

    const [row] = positionUseCases({ engine } as never).list();
    expect(positionSchema.parse(row)).toEqual(row);
    const entryPrice = a.ledger.positions()[0].avgEntryPrice;
    const pos = { side: "short" as const, quantity: 0.02, entryPrice };
    const lp = liquidationPrice(pos, { marginMode: "isolated", walletBalance: isolatedWallet(pos, 3, { fundingPaid: -0.1 }), brackets: EXAMPLE_BTC_BRACKETS });
    expect(row).toMatchObject({ marketType: "perp", leverage: 3, marginMode: "isolated", fundingPaid: -0.1, markPrice: 55_000 });
    expect(row.marginUsed).toBeCloseTo(initialMargin(0.02, 55_000, 3), 8);
    expect(row.liquidationPrice).toBeCloseTo(lp!, 6);
    expect(row.liquidationRiskPct).toBeCloseTo(liquidationRiskPct("short", entryPrice, 55_000, lp), 6);

    const risk = riskView(engine);
    const futuresPart = riskSchema.pick({ marginUtilisationPct: true, liquidationRiskPct: true, futures: true }).strict();
    expect(futuresPart.parse({ marginUtilisationPct: risk.marginUtilisationPct, liquidationRiskPct: risk.liquidationRiskPct, futures: risk.futures })).toBeTruthy();
    expect(risk.futures?.marginUsed).toBeCloseTo(initialMargin(0.02, 55_000, 3), 8);
    const wallet = 10_000 + a.ledger.realizedPnl;
    const marginBalance = wallet + -0.02 * (55_000 - entryPrice);
    expect(risk.marginUtilisationPct).toBeCloseTo((initialMargin(0.02, 55_000, 3) / marginBalance) * 100, 6);
    expect(risk.liquidationRiskPct).toBeCloseTo(row.liquidationRiskPct!, 8);
  });

  it("a spot account's position and risk answers have no futures field at all", async () => {
    const { account: a, price, engine } = await account(undefined);
    price(50_000);
    await a.submit({ symbol: SPOT, side: "buy", type: "market", quantity: 0.02, intent: "entry", reduceOnly: false, stopLoss: 49_000, takeProfit: 52_500, reason: "long" });
    await a.idle();
    const row = positionDto({ ...a.ledger.positions()[0], status: "open" }, engine);
    for (const key of ["marketType", "leverage", "marginMode", "marginUsed", "liquidationPrice", "liquidationRiskPct", "fundingPaid"]) expect(key in row).toBe(false);
    const risk = riskView(engine);
    for (const key of ["marginUtilisationPct", "liquidationRiskPct", "futures"]) expect(key in risk).toBe(false);
  });
});
