import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { ManualClock } from "../../core/clock";
import { SequentialIds } from "../../core/ids";
import type { Instrument, OrderBook, OrderRequest } from "../../model/types";
import { RiskEngine } from "../risk-engine";
import { InMemoryRiskStateStore, type RiskStateStore } from "../state-store";
import type { Scheduler } from "../scheduler";
import type { RiskContext, RiskEvent, RiskEventSink, RiskPosition } from "../types";

/** Wednesday 2024-03-06 12:00 UTC. */
export const T0 = Date.UTC(2024, 2, 6, 12, 0, 0);
export const MIN = 60_000;
export const HOUR = 3_600_000;

export const BTC: Instrument = {
  symbol: "BTC/USDT",
  base: "BTC",
  quote: "USDT",
  tickSize: 0.01,
  stepSize: 0.00001,
  minQty: 0.00001,
  maxQty: 9000,
  minNotional: 5,
};
export const ETH: Instrument = { ...BTC, symbol: "ETH/USDT", base: "ETH", stepSize: 0.0001, minQty: 0.0001 };
export const SOL: Instrument = { ...BTC, symbol: "SOL/USDT", base: "SOL", stepSize: 0.001, minQty: 0.001 };
export const XRP: Instrument = { ...BTC, symbol: "XRP/USDT", base: "XRP", stepSize: 0.1, minQty: 0.1, tickSize: 0.0001 };

export interface ContextOverrides extends Partial<Omit<RiskContext, "lastPrices" | "orderBooks">> {
  prices?: Record<string, number>;
  books?: Record<string, OrderBook>;
}

/** A 10,000 USDT account with no positions, BTC at 50,000, ETH at 2,500, SOL at 100, XRP at 0.5; 0.1% fees. */
export function context(o: ContextOverrides = {}): RiskContext {
  const prices = { "BTC/USDT": 50_000, "ETH/USDT": 2_500, "SOL/USDT": 100, "XRP/USDT": 0.5, ...(o.prices ?? {}) };
  return {
    now: o.now ?? T0,
    quoteCurrency: "USDT",
    equity: o.equity ?? 10_000,
    freeQuote: o.freeQuote ?? o.equity ?? 10_000,
    positions: o.positions ?? [],
    openOrders: o.openOrders ?? [],
    lastPrices: new Map(Object.entries(prices)),
    ...(o.books ? { orderBooks: new Map(Object.entries(o.books)) } : {}),
    instruments: o.instruments ?? new Map([BTC, ETH, SOL, XRP].map((i) => [i.symbol, i])),
    fees: o.fees ?? { maker: 0.001, taker: 0.001 },
    recentClosedTrades: o.recentClosedTrades ?? [],
    recentEntries: o.recentEntries ?? [],
  };
}

let orderSeq = 0;

/** Buy 0.01 BTC at market (500 USDT) with a 1% stop and a 2% take-profit. */
export function entry(o: Partial<OrderRequest> = {}): OrderRequest {
  orderSeq += 1;
  return {
    clientOrderId: `test-entry-${orderSeq}`,
    symbol: "BTC/USDT",
    side: "buy",
    type: "market",
    quantity: 0.01,
    intent: "entry",
    reduceOnly: false,
    stopLoss: 49_500,
    takeProfit: 51_000,
    reason: "test entry",
    createdAt: T0,
    ...o,
  };
}

/** Sell 0.01 BTC at market, reduce-only. */
export function exit(o: Partial<OrderRequest> = {}): OrderRequest {
  orderSeq += 1;
  return {
    clientOrderId: `test-exit-${orderSeq}`,
    symbol: "BTC/USDT",
    side: "sell",
    type: "market",
    quantity: 0.01,
    intent: "exit",
    reduceOnly: true,
    exitReason: "signal",
    reason: "test exit",
    createdAt: T0,
    ...o,
  };
}

export function longBtc(o: Partial<RiskPosition> = {}): RiskPosition {
  return { symbol: "BTC/USDT", side: "long", quantity: 0.01, avgEntryPrice: 50_000, stopLoss: 49_500, ...o };
}

export class RecordingSink implements RiskEventSink {
  events: RiskEvent[] = [];
  publish(event: RiskEvent): void {
    this.events.push(event);
  }
  codes(kind?: RiskEvent["kind"]): string[] {
    return this.events.filter((e) => kind === undefined || e.kind === kind).map((e) => e.code);
  }
}

export interface Harness {
  engine: RiskEngine;
  sink: RecordingSink;
  store: RiskStateStore;
  clock: ManualClock;
}

export async function startEngine(
  limits: Partial<RiskLimits> = {},
  options: { store?: RiskStateStore; clock?: ManualClock; wallClock?: ManualClock; sink?: RecordingSink } = {},
): Promise<Harness> {
  const store = options.store ?? new InMemoryRiskStateStore();
  const sink = options.sink ?? new RecordingSink();
  const clock = options.clock ?? new ManualClock(T0);
  const ids = new SequentialIds("evt_");
  const engine = await RiskEngine.start({
    limits: { ...DEFAULT_RISK_LIMITS, ...limits },
    store,
    sink,
    clock,
    wallClock: options.wallClock ?? clock,
    newEventId: () => ids.next(),
  });
  return { engine, sink, store, clock };
}

/**
 * Virtual time for the kill switch: sleeps are timers on a ManualClock, fired in time order only
 * when every pending promise has settled, so concurrent retries and timeouts behave as with real
 * time but run instantly and deterministically.
 */
export class VirtualScheduler implements Scheduler {
  private timers: { at: number; seq: number; fire: () => void }[] = [];
  private seq = 0;
  constructor(readonly clock: ManualClock) {}

  now(): number {
    return this.clock.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = { at: this.clock.now() + Math.max(0, ms), seq: this.seq++, fire: resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Drive virtual time until `work` settles (fails the test if it would need more than maxSteps timers). */
  async run<T>(work: Promise<T>, maxSteps = 100_000): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let steps = 0; !settled; steps++) {
      await new Promise<void>((r) => setImmediate(r));
      if (settled) break;
      if (steps > maxSteps) throw new Error("virtual scheduler: too many steps");
      if (this.timers.length === 0) continue;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      if (next.at > this.clock.now()) this.clock.set(next.at);
      next.fire();
    }
    return work;
  }
}
