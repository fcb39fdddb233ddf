import { describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../server/config/risk-limits";
import { runSoak, type SoakReport } from "./exits-soak-harness";

/**
 * Issue 12, "a position can always be closed": the soak. The default strategies of a fresh install
 * (EMA 9/21 on 5m, RSI 14 30/70 on 1m, half the balance each) trade BTC/USDT and ETH/USDT for 30
 * simulated days of the built-in simulator's market (its price model, order book model and
 * instruments, seed fixed) on a paper account composed as the app composes it. Over the whole run no
 * order may be rejected, no exit alarm may be raised, every position whose stop a candle went
 * through must be closed by the end of the next candle, and at the end the venue must hold what the
 * ledger's open positions say, give or take less than a lot step plus the recorded dust.
 *
 * See exits-soak-harness.ts for how the market is fed (order book then trade at every 5-second
 * sub-step, then the closed candles) and how time works.
 */

const DAYS = Number(process.env.SOAK_DAYS ?? 30);

// Default risk limits, with the entry pacing and the loss breakers relaxed so that the soak keeps
// trading for 30 days (what is under test is getting out, not how often one gets in):
// - minEntryIntervalSec / symbolCooldownSec 0: two strategies on two symbols may enter on the same
//   candle close, and re-enter right after an exit (more entries, more exits on the same book).
// - maxTradesPerDay 1000: the default 20 a day would stop entries by mid-morning most days.
// - maxConsecutiveLosses 1000, dailyLossPct / weeklyLossPct / maxDrawdownPct 100: after fees the default
//   strategies lose slowly on a random walk; a latched breaker would end all entries (and so all
//   exits) for the rest of the run.
// Sizing limits (position % of equity, per-trade loss, heat, reserve, open positions) stay the
// defaults: they decide the order sizes the exits must get right.
const SOAK_LIMITS: RiskLimits = {
  ...DEFAULT_RISK_LIMITS,
  minEntryIntervalSec: 0,
  symbolCooldownSec: 0,
  maxTradesPerDay: 1000,
  maxConsecutiveLosses: 1000,
  dailyLossPct: 100,
  weeklyLossPct: 100,
  maxDrawdownPct: 100,
};

// The simulator's book model with thinner levels than its default (10 000 USDT at the touch, which
// no order of a 10 000 USDT account ever gets past): about 60 USDT at the touch, growing with depth,
// 20 levels a side as the app's market service subscribes (about 2 900 USDT a side, the size of one
// entry). Every order walks several levels, and the larger ones exhaust the visible book: market
// orders then fill in part and the rest expires, as on Binance when liquidity runs out.
const BOOK = { levelQuote: 60, spacingBps: 1 };

function summary(r: SoakReport): string {
  return JSON.stringify(
    {
      minutes: r.minutes,
      orders: r.orders,
      fills: r.fills,
      partialFills: r.partialFills,
      multiLevelFills: r.multiLevelFills,
      positionsOpened: r.positionsOpened,
      trades: r.trades,
      tradesByExitReason: r.tradesByExitReason,
      dustMoves: r.dustMoves,
      stopsPassed: r.stopsPassed,
      maxStopToCloseMs: r.maxStopToCloseMs,
      openAtEnd: r.openAtEnd,
      balances: r.balances,
      tradingState: r.tradingState,
      equity: r.equity,
      kernelStats: r.kernelStats,
      wallMs: r.wallMs,
      rejections: r.rejections.slice(0, 5),
      expired: { count: r.expired.length, first: r.expired.slice(0, 4) },
      alarms: r.alarmsRaised.slice(0, 3),
      stopViolations: r.stopViolations.slice(0, 5),
      warnings: r.warnings.slice(0, 5),
      listenerErrors: r.listenerErrors.slice(0, 5),
    },
    null,
    1,
  );
}

function expectSoakHeld(r: SoakReport, minTrades: number): void {
  const context = summary(r);
  // Soft: a failing run reports every property it broke, not only the first.
  expect.soft(r.listenerErrors, context).toEqual([]);
  // No order rejected (an exit for funds above all): the first few with the venue's error.
  expect.soft(r.rejections.slice(0, 5), "rejected orders").toEqual([]);
  // No exit alarm raised during the run, none left at the end.
  expect.soft(r.alarmsRaised.slice(0, 3), "exit alarms raised during the run").toEqual([]);
  expect.soft(r.alarmsAtEnd, "exit alarms at the end").toBe(0);
  // Every position whose stop a candle's low went through was closed by the end of the next candle.
  expect.soft(r.stopViolations.slice(0, 5), "positions that outlived their passed stop by more than a candle").toEqual([]);
  expect.soft(r.stopsPassed, "stops passed").toBeGreaterThan(0);
  // The venue holds what the open positions say, plus less than one lot step plus the recorded dust.
  for (const b of r.balances) {
    expect.soft(b.excess, `${b.symbol}: venue base - open positions`).toBeGreaterThanOrEqual(0);
    expect.soft(b.excess, `${b.symbol}: venue base - open positions`).toBeLessThan(b.step + b.dust + 1e-12);
  }
  // It really traded (the bound is about half of what the run measured), walking the book.
  expect.soft(r.trades, "trades").toBeGreaterThanOrEqual(minTrades);
  expect.soft(r.multiLevelFills, "fills that walked the book").toBeGreaterThan(0);
  expect.soft(r.tradingState, "trading state at the end").toBe("ACTIVE");
}

describe("exits soak: the default strategies for 30 simulated days, every exit gets out", () => {
  it("Binance fees (commission taken from the asset received): no rejection, no alarm, every passed stop closed within a candle, no drift", async () => {
    const report = await runSoak({ days: DAYS, seed: "issue-12-soak", symbols: ["BTC/USDT", "ETH/USDT"], feeAsset: "received", limits: SOAK_LIMITS, book: BOOK });
    console.log(`soak (fee from the asset received): ${summary(report)}`);
    expectSoakHeld(report, DAYS >= 30 ? 400 : 1);
  }, 300_000);

  it("quote fees: the same", async () => {
    const report = await runSoak({ days: DAYS, seed: "issue-12-soak", symbols: ["BTC/USDT", "ETH/USDT"], feeAsset: "quote", limits: SOAK_LIMITS, book: BOOK });
    console.log(`soak (quote fees): ${summary(report)}`);
    expectSoakHeld(report, DAYS >= 30 ? 400 : 1);
  }, 300_000);
});

/**
 * What the thin-book soak ran into, reduced to one exit: a stop whose market sell exhausts the
 * visible bids. The sold part is booked, the rest must go out on the next book, without an alarm.
 */
describe("an exit larger than the visible book", () => {
  it("sells the rest on the next book, with no EXIT_REJECTED alarm", async () => {
    const { ManualClock } = await import("../../server/core/clock");
    const { EventBus } = await import("../../server/core/event-bus");
    const { createLogger } = await import("../../server/core/logger");
    const { InMemoryOrderStore, PaperVenue } = await import("../../server/execution");
    const { Ledger } = await import("../../server/portfolio");
    const { InMemoryRiskStateStore } = await import("../../server/risk");
    const { TradingAccount } = await import("../../server/engine/account");
    const SYMBOL = "ETH/USDT";
    const instruments = new Map([[SYMBOL, { symbol: SYMBOL, base: "ETH", quote: "USDT", tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, maxQty: 9000, minNotional: 5 }]]);
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const bus = new EventBus<import("../../server/engine/events").EngineEvents>();
    const venue = new PaperVenue({ clock, id: "paper", kind: "paper", fees: { maker: 0.001, taker: 0.001 }, slippageBps: 0, latencyMs: 0, balances: { USDT: 10_000 }, instruments: instruments.values() });
    const account = await TradingAccount.create({
      mode: "paper", venue, orderStore: new InMemoryOrderStore(), riskStore: new InMemoryRiskStateStore(),
      ledger: new Ledger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT" }), clock,
      // SIM_SPEED=60: the 5 s between two books are 83 ms of wall time, well inside the 1 s alarm limit.
      wallClock: { now: () => clock.now() / 60 },
      limits: SOAK_LIMITS, bus, logger: createLogger("silent"), instruments, fees: { maker: 0.001, taker: 0.001 },
      sleep: () => new Promise<void>(() => {}), // a retry's backoff never ends within this test: only the next book may help
    });
    await account.start();
    const alarms: string[] = [];
    bus.on("exit:alarm", (e) => e.alarms.forEach((a) => alarms.push(`${a.code}: ${a.reason}`)));
    const book = (bids: [number, number][], asks: [number, number][]) =>
      account.onOrderBook({ symbol: SYMBOL, timestamp: clock.now(), bids: bids.map(([price, quantity]) => ({ price, quantity })), asks: asks.map(([price, quantity]) => ({ price, quantity })) });
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

    account.onPrice(SYMBOL, 2000, clock.now());
    book([[1999, 50]], [[2000, 50]]);
    const entry = await account.submit({ symbol: SYMBOL, side: "buy", type: "market", quantity: 0.3, intent: "entry", reduceOnly: false, stopLoss: 1980, takeProfit: 2060, reason: "entry" });
    expect(entry.order?.status).toBe("filled");

    // The stop is passed; the visible bids hold 0.2 of the 0.3.
    clock.advance(5_000);
    book([[1975, 0.2]], [[1976, 50]]);
    account.onPrice(SYMBOL, 1975, clock.now());
    await settle();
    // The next book (5 s later) has the liquidity for the rest.
    clock.advance(5_000);
    book([[1974, 50]], [[1975, 50]]);
    account.onPrice(SYMBOL, 1974, clock.now());
    await settle();

    expect(account.hasPosition(SYMBOL)).toBeUndefined();
    expect(alarms).toEqual([]);
  });
});
