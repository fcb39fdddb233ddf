import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS, riskLimitsSchema } from "../../server/config";
import { systemClock } from "../../server/core/clock";
import { EventBus } from "../../server/core/event-bus";
import { SequentialIds } from "../../server/core/ids";
import { createLogger } from "../../server/core/logger";
import { TradingAccount } from "../../server/engine/account";
import type { EngineEvents } from "../../server/engine/events";
import { TradingKernel } from "../../server/engine/kernel";
import { BINANCE_SPOT_ORDER_LIMITS, feeScheduleFromCcxt, InMemoryOrderStore, LiveVenue, OrderThrottle } from "../../server/execution";
import { createExchange } from "../../server/market";
import { instrumentFromMarket } from "../../server/market/instruments";
import type { Instrument } from "../../server/model/types";
import { Ledger, sequentialLedgerIds } from "../../server/portfolio";
import { InMemoryRiskStateStore } from "../../server/risk";
import { startSimulator, type SimulatorHandle } from "../../server/simulator";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Issue 14, done when "a burst of 150 manual orders is throttled without a single -1015 or 429 from
 * the simulator": live mode on the simulator with Binance's rate limits on, the order gateway's
 * throttle as the composition root builds it (100 per 10 s, 20 % kept free). The orders over the
 * throttle are refused before they reach the venue, with the window named; and after the burst the
 * kill switch still gets out (its closes and cancels have priority) and the venue confirms flat.
 */

const SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT"];
const logger = createLogger("silent");

let sim: SimulatorHandle;
let exchange: Exchange;
let venue: LiveVenue;
let account: TradingAccount;
let kernel: TradingKernel;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, historyDays: 0, speed: 1, symbols: SYMBOLS, seed: 14, accounts: [{ apiKey: "burst", secret: "burst-secret", balances: { USDT: 100_000 } }] });
  exchange = await createExchange({ id: "simulator" }, { simulator: { restUrl: sim.restUrl, wsUrl: sim.wsUrl, wsApiUrl: sim.wsApiUrl, defaultAccount: sim.defaultAccount } });
  await exchange.loadMarkets();
  const instruments = new Map<string, Instrument>(SYMBOLS.map((s) => [s, instrumentFromMarket(s, exchange.markets![s])]));
  venue = new LiveVenue({ exchange, symbols: SYMBOLS, clock: systemClock, id: "simulator", simulated: true, logger });
  const bus = new EventBus<EngineEvents>();
  const limits = riskLimitsSchema.parse({
    ...DEFAULT_RISK_LIMITS,
    ...permissiveEntryLimits(SYMBOLS, { maxOpenPositions: 1_000, maxOpenPositionsPerSymbol: 1_000, maxTradesPerDay: 100_000 }),
  });
  const ids = new SequentialIds(`burst-${Date.now().toString(36)}-`);
  account = await TradingAccount.create({
    mode: "live",
    venue,
    orderStore: new InMemoryOrderStore(),
    throttle: new OrderThrottle(BINANCE_SPOT_ORDER_LIMITS, systemClock),
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode: "live", startingCash: 100_000, quoteCurrency: "USDT", ids: sequentialLedgerIds("burst-") }),
    clock: systemClock,
    limits,
    bus,
    logger,
    instruments,
    fees: feeScheduleFromCcxt(exchange, SYMBOLS[0]),
    newClientOrderId: () => ids.next(),
  });
  await account.start();
  kernel = new TradingKernel({ mode: "live", clock: systemClock, bus, logger, accounts: [account], limits, instruments });
  for (const symbol of SYMBOLS) kernel.onPrice(symbol, sim.lastPrice(symbol), Date.now());
}, 60_000);

afterAll(async () => {
  await account?.stop().catch(() => {});
  await (exchange as unknown as { close?: () => Promise<void> })?.close?.().catch(() => {});
  await sim?.close();
});

describe("a burst of manual orders, live on the simulator", () => {
  it("150 manual orders at once: the throttle sends what the venue allows, refuses the rest by name, and the simulator answers no -1015, 429 or 418", async () => {
    // Three positions first, so the kill switch afterwards has something to sell.
    for (const symbol of SYMBOLS) {
      const bought = await kernel.placeManualOrder({ symbol, side: "buy", type: "market", quantity: 60 / sim.lastPrice(symbol), actor: "trader" });
      expect(bought.decision.allowed, bought.decision.message).toBe(true);
    }
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => {
        const symbol = SYMBOLS[i % SYMBOLS.length];
        const price = sim.lastPrice(symbol) * 0.6;
        return kernel.placeManualOrder({ symbol, side: "buy", type: "limit", price, quantity: 8 / price, actor: "trader" });
      }),
    );
    const sent = results.filter((r) => r.decision.allowed);
    const throttled = results.filter((r) => !r.decision.allowed);
    // 80 per 10 s for orders that add exposure; three of them were the market buys (same window unless it rolled).
    expect(sent.length).toBeGreaterThanOrEqual(77);
    expect(sent.length).toBeLessThanOrEqual(80);
    expect(throttled.every((r) => r.decision.code === "ORDER_RATE_LIMITED")).toBe(true);
    expect(throttled[0]?.decision.message).toMatch(/orders per 10 s used \(the venue allows 100; 20% kept free\)/);
    expect(sent.every((r) => r.order && r.order.status !== "rejected")).toBe(true);
    expect(sim.rateLimiter?.refused).toEqual({ weight429: 0, orders429: 0, bans418: 0 });
    expect(venue.usage()).toMatchObject({ tooManyRequests: 0, banned: 0 });
  });

  it("right after the burst the kill switch cancels the resting orders and sells the positions; the venue confirms flat", async () => {
    const status = await kernel.killSwitch("flatten", "trader", "after the burst");
    expect(status.flatConfirmed, JSON.stringify(status.remaining)).toBe(true);
    const own = status.accounts.live!;
    expect(own.closeOrdersSent).toBe(SYMBOLS.length);
    expect(own.errors.filter((e) => /-1015|429|ORDER_RATE_LIMITED/.test(e.message))).toEqual([]);
    expect(await venue.fetchOpenOrders()).toEqual([]);
    expect(sim.rateLimiter?.refused).toEqual({ weight429: 0, orders429: 0, bans418: 0 });
    await kernel.resetKillSwitch("trader");
  });
});
