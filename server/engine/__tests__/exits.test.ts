import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { InMemoryOrderStore, PaperVenue, type ExecutionVenue } from "../../execution";
import { VenueError } from "../../execution/errors";
import type { PaperBalanceBook } from "../../execution/paper-balances";
import type { Instrument, OrderBook, OrderRequest } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore } from "../../risk";
import { TradingAccount } from "../account";
import type { EngineEvents } from "../events";
import { MAX_BURST } from "../exit-guard";

/**
 * "When it decides to get out, it gets out — or it raises an alarm within a second." Scenarios of
 * issue 12 on a paper account composed as the app composes it (risk engine, order manager, ledger).
 */
const SYMBOL = "ETH/USDT";
const ETH: Instrument = { symbol: SYMBOL, base: "ETH", quote: "USDT", tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, maxQty: 9000, minNotional: 5 };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

function book(timestamp: number, side: "asks" | "bids", levels: [number, number][]): OrderBook {
  const other: [number, number][] = side === "asks" ? [[levels[0][0] - 1, 50]] : [[levels[0][0] + 1, 50]];
  const asks = side === "asks" ? levels : other;
  const bids = side === "bids" ? levels : other;
  return { symbol: SYMBOL, timestamp, asks: asks.map(([price, quantity]) => ({ price, quantity })), bids: bids.map(([price, quantity]) => ({ price, quantity })) };
}

/** A venue that refuses sells while `refuseSells` says so, the way Binance answers -2010. */
function refusingVenue(inner: PaperVenue, control: { refuseSells: boolean; sellAttempts: number }): ExecutionVenue {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "submit") {
        return async (request: OrderRequest) => {
          if (request.side === "sell") {
            control.sellAttempts += 1;
            if (control.refuseSells) throw new VenueError("INSUFFICIENT_FUNDS", `Account has insufficient balance for requested action: needs ${request.quantity} ETH`);
          }
          return target.submit(request);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function setup(options: { wrap?: (paper: PaperVenue) => ExecutionVenue; feeAsset?: "quote" | "received" } = {}) {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>((event, err) => {
    throw new Error(`listener of ${event} failed: ${String(err)}`);
  });
  const instruments = new Map([[SYMBOL, ETH]]);
  const paper = new PaperVenue({
    clock,
    id: "paper",
    kind: "paper",
    fees: { maker: 0.001, taker: 0.001 },
    slippageBps: 0,
    latencyMs: 0,
    balances: { USDT: 10_000 },
    instruments: instruments.values(),
    feeAsset: options.feeAsset,
  });
  const venue = options.wrap ? options.wrap(paper) : paper;
  const ledger = new Ledger({ mode: "paper", startingCash: 10_000, quoteCurrency: "USDT" });
  const account = await TradingAccount.create({
    mode: "paper",
    venue,
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger,
    clock,
    wallClock: clock,
    limits: { ...DEFAULT_RISK_LIMITS, minEntryIntervalSec: 0, symbolCooldownSec: 0 },
    bus,
    logger: createLogger("silent"),
    instruments,
    fees: { maker: 0.001, taker: 0.001 },
    sleep: async (ms) => clock.advance(ms),
    killSwitch: { maxDurationMs: 400, pollIntervalMs: 10, callTimeoutMs: 200 },
  });
  await account.start();
  const alarms: EngineEvents["exit:alarm"][] = [];
  bus.on("exit:alarm", (a) => alarms.push(a));
  const rejected: string[] = [];
  const trades: EngineEvents["trade"][] = [];
  bus.on("trade", (t) => trades.push(t));
  bus.on("order", (o) => o.status === "rejected" && rejected.push(`${o.side} ${o.quantity}: ${o.error}`));
  const price = (p: number) => {
    clock.advance(50);
    account.onPrice(SYMBOL, p, clock.now());
  };
  const eth = () => paper.balanceList().find((b) => b.asset === "ETH")?.free ?? 0;
  return { clock, paper, account, ledger, alarms, rejected, trades, price, eth };
}

async function enterLong(s: Awaited<ReturnType<typeof setup>>, quantity: number) {
  s.price(2000);
  s.account.onOrderBook(book(s.clock.now(), "asks", [[2000, 100]]));
  const result = await s.account.submit({ symbol: SYMBOL, side: "buy", type: "market", quantity, intent: "entry", reduceOnly: false, stopLoss: 1980, takeProfit: 2060, reason: "test entry" });
  expect(result.decision.allowed, result.decision.message).toBe(true);
  await s.account.idle();
  return s.account.hasPosition(SYMBOL)!;
}

describe("exits: a position can always be closed", () => {
  it("partially filled long, stopped out, closes in full", async () => {
    const s = await setup();
    s.price(2001);
    // A resting limit buy filled in pieces whose float sum is not 0.3 (0.0713 + 0.1287 + 0.05 + 0.05).
    const entry = await s.account.submit({ symbol: SYMBOL, side: "buy", type: "limit", price: 2000, quantity: 0.3, intent: "entry", reduceOnly: false, stopLoss: 1980, takeProfit: 2060, reason: "limit entry" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    for (const piece of [0.0713, 0.1287, 0.05, 0.05]) {
      s.clock.advance(1_000);
      s.account.onOrderBook(book(s.clock.now(), "asks", [[2000, piece], [2003, 5]]));
    }
    await s.account.idle();
    const position = s.account.hasPosition(SYMBOL)!;
    expect(position.quantity).toBe(0.3);
    expect(s.eth()).toBe(0.3);

    s.account.onOrderBook(book(s.clock.now(), "bids", [[1975, 100]]));
    s.price(1975); // through the 1980 stop
    await s.account.idle();

    expect(s.account.hasPosition(SYMBOL)).toBeUndefined();
    expect(s.eth()).toBe(0);
    expect(s.account.openOrders()).toHaveLength(0);
    expect(s.account.exitAlarms()).toEqual([]);
    expect(s.trades.at(-1)?.exitReason).toBe("stop_loss");
  });

  it("a venue that holds less than the ledger: the exit sells what is free, and the rest is dust, not a position that can never close", async () => {
    const s = await setup();
    await enterLong(s, 0.0513);
    // The venue's holding drifted below the ledger's (e.g. a fee taken in the base asset that was not booked).
    const held = s.paper.balanceList().find((b) => b.asset === "ETH")!;
    // 0.0513 bought, 0.1 % of it withheld by the venue: 0.0512487 held.
    const eth = (s.paper as unknown as { balances: PaperBalanceBook }).balances.balance("ETH");
    eth.free = 0.0512487;
    eth.locked = held.locked;

    s.account.onOrderBook(book(s.clock.now(), "bids", [[1975, 100]]));
    s.price(1975);
    await s.account.idle();

    expect(s.rejected).toEqual([]);
    expect(s.account.hasPosition(SYMBOL)).toBeUndefined();
    expect(s.eth()).toBeLessThan(ETH.stepSize);
    expect(s.ledger.dust().map((d) => d.asset)).toEqual(["ETH"]);
    expect(s.account.exitAlarms()).toEqual([]);
  });

  it("exit rejected: an alarm at once, REDUCING, a bounded retry (not one order per tick), and a close that succeeds clears it", async () => {
    const control = { refuseSells: true, sellAttempts: 0 };
    const s = await setup({ wrap: (paper) => refusingVenue(paper, control) });
    const position = await enterLong(s, 0.3);

    s.account.onOrderBook(book(s.clock.now(), "bids", [[1975, 100]]));
    s.price(1975);
    await s.account.idle();

    const [alarm] = s.account.exitAlarms();
    expect(alarm).toMatchObject({ code: "EXIT_REJECTED", symbol: SYMBOL, side: "long", positionId: position.id, quantity: 0.3 });
    expect(alarm.reason).toContain("insufficient balance");
    expect(s.alarms.at(-1)?.alarms).toHaveLength(1);
    expect(s.account.tradingState).toBe("REDUCING");
    expect(s.account.risk.latches.map((l) => l.id)).toContain("exit_failure");

    // 200 more ticks below the stop within 10 s: the guard does not re-send an exit on every tick.
    for (let i = 0; i < 200; i++) s.price(1970);
    await s.account.idle();
    expect(control.sellAttempts).toBeLessThanOrEqual(MAX_BURST);
    expect(s.account.exitAlarms()[0].attempts).toBe(control.sellAttempts);

    // A new entry is refused while the exit fails.
    const refused = await s.account.submit({ symbol: SYMBOL, side: "buy", type: "market", quantity: 0.01, intent: "entry", reduceOnly: false, stopLoss: 1950, takeProfit: 2030, reason: "another entry" });
    expect(refused.decision.allowed).toBe(false);

    // The venue accepts again; the one-click close (a manual close) gets out and clears the alarm.
    control.refuseSells = false;
    const close = await s.account.closePosition(s.account.hasPosition(SYMBOL)!, { exitReason: "manual", reason: "close at market from the banner" });
    await s.account.idle();
    expect(close.order?.status).toBe("filled");
    expect(s.account.hasPosition(SYMBOL)).toBeUndefined();
    expect(s.account.exitAlarms()).toEqual([]);
    expect(s.alarms.at(-1)?.alarms).toEqual([]);
    expect(s.account.tradingState).toBe("ACTIVE");
  });

  it("buy fee in base asset, kill switch leaves no balance", async () => {
    const s = await setup({ feeAsset: "received" });
    const position = await enterLong(s, 0.3);
    // 0.1 % of 0.3 ETH withheld: the position is what the venue holds, not the gross 0.3.
    expect(position.quantity).toBe(0.2997);
    expect(s.eth()).toBe(0.2997);
    s.account.onOrderBook(book(s.clock.now(), "bids", [[1995, 100]]));

    const status = await s.account.killSwitch.trigger({ actor: "test", reason: "flatten" });

    expect(status.flatConfirmed).toBe(true);
    expect(status.remaining.positions).toEqual([]);
    expect(s.rejected).toEqual([]);
    expect(s.eth()).toBeLessThan(ETH.stepSize);
    expect(s.account.hasPosition(SYMBOL)).toBeUndefined();
  });

  it("kill switch with a refusing venue reports the venue's reason for the position it leaves", async () => {
    const control = { refuseSells: true, sellAttempts: 0 };
    const s = await setup({ wrap: (paper) => refusingVenue(paper, control) });
    await enterLong(s, 0.3);
    s.account.onOrderBook(book(s.clock.now(), "bids", [[1995, 100]]));

    const status = await s.account.killSwitch.trigger({ actor: "test", reason: "flatten" });

    expect(status.phase).toBe("incomplete");
    expect(status.remaining.positions).toHaveLength(1);
    expect(status.remaining.positions[0].reason).toContain("insufficient balance");
    expect(s.account.exitAlarms()[0]?.code).toBe("EXIT_REJECTED");
    expect(s.account.tradingState).toBe("HALTED");

    // HALTED stops the bot, not the owner: the close at market of the alarm goes out and clears it.
    control.refuseSells = false;
    const close = await s.account.closePosition(s.account.hasPosition(SYMBOL)!, { exitReason: "manual", reason: "close at market from the banner" });
    await s.account.idle();
    expect(close.decision.allowed, close.decision.message).toBe(true);
    expect(s.account.hasPosition(SYMBOL)).toBeUndefined();
    expect(s.account.exitAlarms()).toEqual([]);
    expect(s.account.tradingState).toBe("HALTED");
  });

  it("a stop passed while the exit stays in flight raises STOP_PASSED_OPEN within a second", async () => {
    const s = await setup({
      wrap: (paper) =>
        new Proxy(paper, {
          get(target, prop) {
            // The venue never answers a sell: the exit hangs in flight.
            if (prop === "submit") return (request: OrderRequest) => (request.side === "sell" ? new Promise(() => {}) : target.submit(request));
            const value = Reflect.get(target, prop, target);
            return typeof value === "function" ? value.bind(target) : value;
          },
        }),
    });
    await enterLong(s, 0.3);
    s.price(1975);
    expect(s.account.exitAlarms()).toEqual([]);
    for (let i = 0; i < 25; i++) s.price(1974); // 25 × 50 ms of wall time
    const [alarm] = s.account.exitAlarms();
    expect(alarm?.code).toBe("STOP_PASSED_OPEN");
    expect(s.account.tradingState).toBe("REDUCING");
  });
});
