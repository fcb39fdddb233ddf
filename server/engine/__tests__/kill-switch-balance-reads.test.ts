import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { InMemoryOrderStore, PaperVenue, type ExecutionVenue } from "../../execution";
import type { Instrument, OrderBook, OrderRequest } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore } from "../../risk";
import { TradingAccount } from "../account";
import type { EngineEvents } from "../events";

/**
 * The kill switch's closes sell what the venue says is free, and ask the venue as little as they can:
 * one balance read, sent with the halt ahead of the cancels, sizes every close whose coins nothing
 * locked; a symbol whose coins a resting sell locked reads again once its cancels are done, so it
 * sells the whole holding in one order. The venue here answers balances only when asked (as a real
 * exchange does), so every read is counted.
 */

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const PRICES: Record<string, number> = { "ETH/USDT": 2000, "SOL/USDT": 100, "ADA/USDT": 0.5 };
const INSTRUMENTS: Instrument[] = Object.keys(PRICES).map((symbol) => ({
  symbol,
  base: symbol.split("/")[0]!,
  quote: "USDT",
  tickSize: 0.0001,
  stepSize: 0.0001,
  minQty: 0.0001,
  maxQty: 1e9,
  minNotional: 5,
}));

function book(symbol: string, timestamp: number): OrderBook {
  const p = PRICES[symbol]!;
  return { symbol, timestamp, asks: [{ price: p, quantity: 1e7 }], bids: [{ price: p * 0.999, quantity: 1e7 }] };
}

/** The paper venue without its in-process balance list: balances come from fetchBalances, counted. */
function askedVenue(inner: PaperVenue, reads: { count: number }, sells: OrderRequest[]): ExecutionVenue {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "balanceList") return undefined;
      if (prop === "fetchBalances") {
        return async () => {
          reads.count += 1;
          return target.fetchBalances();
        };
      }
      if (prop === "submit") {
        return async (request: OrderRequest) => {
          if (request.side === "sell" && request.type === "market") sells.push(request);
          return target.submit(request);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function setup() {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>((event, err) => {
    throw new Error(`listener of ${event} failed: ${String(err)}`);
  });
  const instruments = new Map(INSTRUMENTS.map((i) => [i.symbol, i]));
  const paper = new PaperVenue({
    clock,
    id: "paper",
    kind: "paper",
    fees: { maker: 0.001, taker: 0.001 },
    slippageBps: 0,
    latencyMs: 0,
    balances: { USDT: 100_000 },
    instruments: instruments.values(),
  });
  const reads = { count: 0 };
  const sells: OrderRequest[] = [];
  const account = await TradingAccount.create({
    mode: "paper",
    venue: askedVenue(paper, reads, sells),
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode: "paper", startingCash: 100_000, quoteCurrency: "USDT" }),
    clock,
    wallClock: clock,
    limits: { ...DEFAULT_RISK_LIMITS, minEntryIntervalSec: 0, symbolCooldownSec: 0, maxOpenPositions: 10, maxPositionPctEquity: 100 },
    bus,
    logger: createLogger("silent"),
    instruments,
    fees: { maker: 0.001, taker: 0.001 },
    sleep: async (ms) => clock.advance(ms),
    killSwitch: { maxDurationMs: 2_000, pollIntervalMs: 10, callTimeoutMs: 500 },
  });
  await account.start();
  const market = () => {
    clock.advance(50);
    for (const symbol of Object.keys(PRICES)) {
      account.onPrice(symbol, PRICES[symbol]!, clock.now());
      account.onOrderBook(book(symbol, clock.now()));
    }
  };
  const free = (asset: string) => paper.balanceList().find((b) => b.asset === asset);
  return { clock, paper, account, reads, sells, market, free };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function buy(s: Setup, symbol: string, quote: number): Promise<number> {
  s.market();
  const quantity = Math.floor((quote / PRICES[symbol]!) * 1e4) / 1e4;
  const result = await s.account.submit({ symbol, side: "buy", type: "market", quantity, intent: "entry", reduceOnly: false, reason: "test entry" });
  expect(result.decision.allowed, result.decision.message).toBe(true);
  await s.account.idle();
  return s.account.hasPosition(symbol)!.quantity;
}

async function restingBuy(s: Setup, symbol: string): Promise<void> {
  const price = PRICES[symbol]! * 0.6;
  const result = await s.account.submit({ symbol, side: "buy", type: "limit", price, quantity: Math.ceil((60 / price) * 1e4) / 1e4, intent: "entry", reduceOnly: false, reason: "resting buy" });
  expect(result.decision.allowed, result.decision.message).toBe(true);
}

describe("kill switch: the closes size from the venue's free balances", () => {
  it("one balance read, sent before the cancels, sizes every close when resting buys lock only the quote", async () => {
    const s = await setup();
    const held: Record<string, number> = {};
    for (const symbol of Object.keys(PRICES)) held[symbol] = await buy(s, symbol, 1_000);
    for (const symbol of Object.keys(PRICES)) await restingBuy(s, symbol);
    s.market();
    expect(s.account.openOrders()).toHaveLength(3);
    s.reads.count = 0;

    const status = await s.account.killSwitch.trigger({ actor: "test", reason: "flatten" });

    expect(status.flatConfirmed, JSON.stringify(status.remaining)).toBe(true);
    expect(status.ordersCancelled).toBe(3);
    expect(status.closeOrdersSent).toBe(3);
    // Each holding sold whole, in one order, and nothing left at the venue.
    expect(Object.fromEntries(s.sells.map((o) => [o.symbol, o.quantity]))).toEqual(held);
    for (const symbol of Object.keys(PRICES)) expect(s.free(symbol.split("/")[0]!)?.free ?? 0).toBe(0);
    expect(s.reads.count).toBe(1);
  });

  it("a symbol whose coins a resting sell locked reads again after its cancels and sells the whole holding", async () => {
    const s = await setup();
    const held: Record<string, number> = {};
    for (const symbol of Object.keys(PRICES)) held[symbol] = await buy(s, symbol, 1_000);
    // A take-profit resting at the venue locks half of the SOL.
    s.market();
    const takeProfit = await s.account.submit({ symbol: "SOL/USDT", side: "sell", type: "limit", price: 150, quantity: held["SOL/USDT"]! / 2, intent: "exit", reduceOnly: true, reason: "take profit" });
    expect(takeProfit.decision.allowed, takeProfit.decision.message).toBe(true);
    await restingBuy(s, "ETH/USDT");
    expect(s.free("SOL")?.locked).toBe(held["SOL/USDT"]! / 2);
    s.reads.count = 0;

    const status = await s.account.killSwitch.trigger({ actor: "test", reason: "flatten" });

    expect(status.flatConfirmed, JSON.stringify(status.remaining)).toBe(true);
    expect(status.ordersCancelled).toBe(2);
    // The SOL close waited for its cancel and sold all of it, the locked half included: one order each.
    expect(status.closeOrdersSent).toBe(3);
    expect(Object.fromEntries(s.sells.map((o) => [o.symbol, o.quantity]))).toEqual(held);
    for (const symbol of Object.keys(PRICES)) expect(s.free(symbol.split("/")[0]!)?.free ?? 0).toBe(0);
    // (Reads are not counted here: the exit guard reacts to its cancelled take-profit with a close of
    // its own, which the halt refuses, and that one reads the balances too.)
  });
});
