import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_RISK_LIMITS, riskLimitsSchema } from "../../server/config";
import { ManualClock } from "../../server/core/clock";
import { EventBus } from "../../server/core/event-bus";
import { SequentialIds } from "../../server/core/ids";
import { createLogger } from "../../server/core/logger";
import { TradingAccount } from "../../server/engine/account";
import type { EngineEvents } from "../../server/engine/events";
import { TradingKernel } from "../../server/engine/kernel";
import { feeScheduleFromCcxt, InMemoryOrderStore, LiveVenue } from "../../server/execution";
import { createExchange } from "../../server/market";
import { instrumentFromMarket } from "../../server/market/instruments";
import type { Candle, Instrument, Signal } from "../../server/model/types";
import { Ledger, sequentialLedgerIds } from "../../server/portfolio";
import { InMemoryRiskStateStore } from "../../server/risk";
import { startSimulator, type SimulatorHandle } from "../../server/simulator";
import {
  BaseStrategy,
  createStrategy,
  getStrategyDefinition,
  NO_SIGNALS,
  registerStrategyKind,
  safeStrategy,
  type StrategyContext,
  type StrategyDefinition,
  type StrategyInstanceConfig,
} from "../../server/strategy";
import { permissiveLiveRules } from "./fixtures/live-rules";

/**
 * Issue 14, "the bot survives the rules": live mode on the simulator, which (like Binance without BNB)
 * takes a buy's commission out of the coins bought. The account starts with no BTC at all, so every
 * BTC the venue holds came from the bot's buys: after the strategy's own exit, and after the kill
 * switch, the venue must hold less than one lot step of BTC (the unsellable dust), and no order may
 * have been refused for want of balance (Binance -2010).
 */

const SYMBOL = "BTC/USDT";
const logger = createLogger("silent");

/** Enters long when flat, exits when long: one order per candle. */
class EnterThenExit extends BaseStrategy<Record<string, never>, null> {
  constructor(config: StrategyInstanceConfig) {
    super("test_enter_then_exit", config, {}, [{ timeframe: config.timeframe ?? "1m", warmupCandles: 0 }]);
  }
  protected createState(): null {
    return null;
  }
  protected ingest(): void {}
  protected isReady(): boolean {
    return true;
  }
  protected decide(_s: null, candle: Candle, ctx: StrategyContext<Record<string, never>>): readonly Signal[] {
    if (ctx.position === "none") return [this.signal(candle, "enter_long", "test entry", {}, { stopLoss: candle.close * 0.9, takeProfit: candle.close * 1.2 })];
    if (ctx.position === "long") return [this.signal(candle, "exit_long", "test exit", {})];
    return NO_SIGNALS;
  }
}

function register(): void {
  try {
    getStrategyDefinition("test_enter_then_exit");
  } catch {
    registerStrategyKind({
      kind: "test_enter_then_exit",
      title: "Enter then exit (test)",
      description: "Enters when flat, exits when long.",
      paramsSchema: z.strictObject({}),
      defaultTimeframe: "1m",
      presets: [],
      create: (config: StrategyInstanceConfig) => new EnterThenExit(config),
    } as unknown as StrategyDefinition);
  }
}

let sim: SimulatorHandle;
let exchange: Exchange;
let account: TradingAccount;
let kernel: TradingKernel;
let step: number;
const venueErrors: string[] = [];

async function venueBtc(): Promise<{ free: number; total: number }> {
  const balance = (await exchange.fetchBalance()) as unknown as Record<string, { free?: number; total?: number } | undefined>;
  return { free: balance.BTC?.free ?? 0, total: balance.BTC?.total ?? 0 };
}

beforeAll(async () => {
  register();
  sim = await startSimulator({
    port: 0,
    historyDays: 0,
    symbols: [SYMBOL],
    seed: 14,
    accounts: [{ apiKey: "base-fee-key", secret: "base-fee-secret", balances: { USDT: 10_000 } }],
  });
  expect(sim.core.engine.account("base-fee-key")).toBeDefined();
  exchange = await createExchange({ id: "simulator" }, { simulator: { restUrl: sim.restUrl, wsUrl: sim.wsUrl, wsApiUrl: sim.wsApiUrl, defaultAccount: sim.defaultAccount } });
  await exchange.loadMarkets();
  const client = exchange as unknown as { createOrder: (...args: unknown[]) => Promise<unknown> };
  const createOrder = client.createOrder.bind(exchange);
  client.createOrder = async (...args: unknown[]) => {
    try {
      return await createOrder(...args);
    } catch (err) {
      venueErrors.push((err as Error).message);
      throw err;
    }
  };
  const market = exchange.markets![SYMBOL];
  const instrument = instrumentFromMarket(SYMBOL, market);
  step = instrument.stepSize;
  const instruments = new Map<string, Instrument>([[SYMBOL, instrument]]);
  const clock = new ManualClock(sim.now());
  const venue = new LiveVenue({ exchange, symbols: [SYMBOL], clock, id: "simulator", simulated: true, logger });
  const bus = new EventBus<EngineEvents>();
  const limits = riskLimitsSchema.parse({
    ...DEFAULT_RISK_LIMITS,
    symbolCooldownSec: 0,
    minEntryIntervalSec: 0,
    minEdgeOverFeesPct: 0,
    maxSlippagePct: 5,
    live: permissiveLiveRules([SYMBOL]),
  });
  const ids = new SequentialIds(`base-fee-${Date.now().toString(36)}-`);
  account = await TradingAccount.create({
    mode: "live",
    venue,
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode: "live", startingCash: 10_000, quoteCurrency: "USDT", ids: sequentialLedgerIds("live-") }),
    clock,
    limits,
    bus,
    logger,
    instruments,
    fees: feeScheduleFromCcxt(exchange, SYMBOL),
    newClientOrderId: () => ids.next(),
  });
  await account.start();
  kernel = new TradingKernel({ mode: "live", clock, bus, logger, accounts: [account], limits, instruments });
  const strategy = createStrategy("test_enter_then_exit", {}, { id: "enter-exit", symbols: [SYMBOL], timeframe: "1m" });
  kernel.addStrategy({ id: "enter-exit", name: "enter-exit", kind: "test_enter_then_exit", capital: 10_000 }, safeStrategy(strategy, () => {}) as never);
}, 60_000);

afterAll(async () => {
  await account?.stop().catch(() => {});
  await (exchange as unknown as { close?: () => Promise<void> })?.close?.().catch(() => {});
  await sim?.close();
});

function btcDust(): number {
  return account.ledger.dust().find((d) => d.asset === "BTC")?.quantity ?? 0;
}

function candleAt(openTime: number): Candle {
  const p = sim.lastPrice(SYMBOL);
  return { symbol: SYMBOL, timeframe: "1m", openTime, open: p, high: p * 1.0005, low: p * 0.9995, close: p, volume: 1, closed: true };
}

describe("live on the simulator with the commission taken from the coins bought", () => {
  it("the strategy's own exit sells what the venue holds and leaves only dust below the step", async () => {
    expect((await venueBtc()).total).toBe(0);
    const t0 = Math.floor(sim.now() / 60_000) * 60_000 - 120_000;
    await kernel.onCandle(candleAt(t0));
    await kernel.idle();
    await expect.poll(() => account.ledger.positions().length, { timeout: 20_000 }).toBe(1);
    const position = account.ledger.positions()[0];
    const held = await venueBtc();
    // The venue credited the bought quantity minus its commission, and the ledger agrees.
    expect(held.total).toBeGreaterThan(0);
    expect(position.quantity).toBeCloseTo(held.total, 8);

    await kernel.onCandle(candleAt(t0 + 60_000));
    await kernel.idle();
    await expect.poll(() => account.ledger.positions().length, { timeout: 20_000 }).toBe(0);
    const after = await venueBtc();
    expect(after.total).toBeGreaterThanOrEqual(0);
    expect(after.total).toBeLessThan(step);
    // What the venue still holds is exactly the dust the ledger set aside.
    expect(after.total).toBeCloseTo(btcDust(), 8);
    expect(venueErrors).toEqual([]);
  }, 60_000);

  it("the kill switch sells what the venue holds and leaves only dust below the step", async () => {
    const before = (await venueBtc()).total;
    const price = sim.lastPrice(SYMBOL);
    const result = await kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "market", quantity: 250 / price, actor: "test" });
    expect(result.decision.allowed, result.decision.message).toBe(true);
    await kernel.idle();
    await expect.poll(() => account.ledger.positions().length, { timeout: 20_000 }).toBe(1);
    const held = await venueBtc();
    expect(held.total).toBeGreaterThan(before + step);

    const status = await kernel.killSwitch("flatten", "test");
    expect(status.remaining.positions).toEqual([]);
    expect(status.flatConfirmed).toBe(true);
    const after = await venueBtc();
    // This close left less than one step behind, and the venue holds exactly the ledger's dust.
    expect(after.total - before).toBeGreaterThanOrEqual(0);
    expect(after.total - before).toBeLessThan(step);
    expect(after.total).toBeCloseTo(btcDust(), 8);
    expect(venueErrors).toEqual([]);
    expect(status.errors).toEqual([]);
  }, 60_000);
});
