import { describe, expect, it } from "vitest";
import { systemClock, type Clock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { InMemoryOrderStore, PaperVenue, type ExecutionVenue } from "../../execution";
import type { Instrument, OrderRequest } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore } from "../../risk";
import { TradingAccount } from "../account";
import type { EngineEvents } from "../events";

/**
 * The kill switch's time budget is the operator's, not the market's: on a simulator at SIM_SPEED=60 its
 * default minute of market time was one real second, so a close the venue took 1.5 s to answer timed out
 * and the run ended "incomplete" with the position still open (seen on a busy CI machine).
 */
const SPEED = 60;
const INSTRUMENT: Instrument = { symbol: "ETH/USDT", base: "ETH", quote: "USDT", tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, maxQty: 1e9, minNotional: 5 };

/** Market time running SPEED times faster than the wall clock, as the simulator's clock does. */
function fastMarketClock(): Clock {
  const wallStart = Date.now();
  const marketStart = Date.UTC(2026, 0, 5, 12, 0, 0);
  return { now: () => marketStart + (Date.now() - wallStart) * SPEED };
}

/** The paper venue, with sells and cancels answered after a real delay (a slow venue, a loaded machine). */
function slowVenue(inner: ExecutionVenue, delayMs: number): ExecutionVenue {
  const later = () => new Promise((r) => setTimeout(r, delayMs));
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "submit") {
        return async (request: OrderRequest) => {
          if (request.side === "sell") await later();
          return target.submit(request);
        };
      }
      if (prop === "cancel") {
        return async (clientOrderId: string, symbol: string) => {
          await later();
          return target.cancel(clientOrderId, symbol);
        };
      }
      if (prop === "cancelAllOrders" && target.cancelAllOrders) {
        const cancelAll = target.cancelAllOrders.bind(target);
        return async (symbol: string) => {
          await later();
          return cancelAll(symbol);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("kill switch on a fast market clock", () => {
  it("at 60× market speed a cancel and a close the venue answers in 1.5 s each still complete, confirmed flat", async () => {
    const clock = fastMarketClock();
    const bus = new EventBus<EngineEvents>((event, err) => {
      throw new Error(`listener of ${event} failed: ${String(err)}`);
    });
    const instruments = new Map([[INSTRUMENT.symbol, INSTRUMENT]]);
    const paper = new PaperVenue({ clock, id: "paper", kind: "paper", fees: { maker: 0.001, taker: 0.001 }, slippageBps: 0, latencyMs: 0, balances: { USDT: 100_000 }, instruments: instruments.values() });
    const account = await TradingAccount.create({
      mode: "paper",
      venue: slowVenue(paper, 1_500),
      orderStore: new InMemoryOrderStore(),
      riskStore: new InMemoryRiskStateStore(),
      ledger: new Ledger({ mode: "paper", startingCash: 100_000, quoteCurrency: "USDT" }),
      clock,
      wallClock: systemClock,
      limits: { ...DEFAULT_RISK_LIMITS, minEntryIntervalSec: 0, symbolCooldownSec: 0, maxPositionPctEquity: 100 },
      bus,
      logger: createLogger("silent"),
      instruments,
      fees: { maker: 0.001, taker: 0.001 },
    });
    await account.start();
    const mark = () => {
      account.onPrice("ETH/USDT", 2000, clock.now());
      account.onOrderBook({ symbol: "ETH/USDT", timestamp: clock.now(), asks: [{ price: 2000, quantity: 1e6 }], bids: [{ price: 1999.9, quantity: 1e6 }] });
    };
    mark();
    const bought = await account.submit({ symbol: "ETH/USDT", side: "buy", type: "market", quantity: 0.5, intent: "entry", reduceOnly: false, reason: "test entry" });
    expect(bought.decision.allowed, bought.decision.message).toBe(true);
    await account.idle();
    expect(account.hasPosition("ETH/USDT")).toBeTruthy();
    const resting = await account.submit({ symbol: "ETH/USDT", side: "buy", type: "limit", price: 1500, quantity: 0.1, intent: "entry", reduceOnly: false, reason: "resting buy" });
    expect(resting.decision.allowed, resting.decision.message).toBe(true);
    await account.idle();
    mark();

    const status = await account.killSwitch.trigger({ actor: "test", reason: "flatten" });

    expect(status.errors, JSON.stringify(status.errors)).toEqual([]);
    expect(status.flatConfirmed, JSON.stringify(status.remaining)).toBe(true);
    expect(status.positionsClosed).toBe(1);
    expect(status.ordersCancelled).toBe(1);
    expect(account.hasPosition("ETH/USDT")).toBeFalsy();
    // Its durations are wall time: the slow close is in them, not 60 times over.
    expect(status.durationMs).toBeGreaterThanOrEqual(2_900);
    expect(status.durationMs).toBeLessThan(60_000);
  }, 60_000);
});
