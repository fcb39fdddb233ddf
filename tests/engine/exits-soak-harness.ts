import { ManualClock, type Clock } from "../../server/core/clock";
import { EventBus } from "../../server/core/event-bus";
import { SequentialIds } from "../../server/core/ids";
import { createLogger } from "../../server/core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../server/config/risk-limits";
import { TradingAccount } from "../../server/engine/account";
import type { EngineEvents } from "../../server/engine/events";
import { TradingKernel } from "../../server/engine/kernel";
import { DEFAULT_FEES, InMemoryOrderStore, PaperVenue } from "../../server/execution";
import { CandleAggregator } from "../../server/market/aggregator";
import type { Candle, Instrument, Order, OrderBook, Timeframe } from "../../server/model/types";
import { Ledger, sequentialLedgerIds } from "../../server/portfolio";
import { InMemoryRiskStateStore } from "../../server/risk";
import { buildSymbolSpec, type SymbolSpec } from "../../server/simulator/instruments";
import { DEFAULT_ORDER_BOOK_CONFIG, SyntheticOrderBook, type OrderBookConfig } from "../../server/simulator/order-book";
import { StochasticPriceModel, SUBSTEP_MS, SUBSTEPS_PER_MINUTE } from "../../server/simulator/price-model";
import { createStrategy, listStrategyKinds, safeStrategy, type Strategy } from "../../server/strategy";

/**
 * The exits soak of issue 12, in process and deterministic: the simulator's own price model, order
 * book model and instruments, minute after minute, fed to the app's kernel + paper account + paper
 * venue the way server/engine/runtime.ts feeds a paper account live (order books and traded prices
 * between candles, then the closed 1m candle, then the higher timeframes the aggregator closes), with
 * the default strategies of a fresh install. No timer, no network, no database.
 *
 * Time: a ManualClock is the market's clock, set to each 5-second sub-step of the simulator. The
 * account's "wall clock" (exit alarms, retry pacing) runs `speed` times slower, as in the app at
 * SIM_SPEED = speed, and its retry sleeps end when the market clock has moved by ms × speed (they
 * resolve at the first market event after their due time, like a timer between two ticks).
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export interface SoakOptions {
  days: number;
  seed: string;
  symbols: string[];
  feeAsset: "quote" | "received";
  limits: RiskLimits;
  /** The simulator's book model; levels published per side = `depth` (the app's market service asks for 20). */
  book: Partial<OrderBookConfig>;
  depth?: number;
  /** SIM_SPEED: market ms per wall ms, for the account's wall clock and its retry sleeps. */
  speed?: number;
  startingBalance?: number;
  startTime?: number;
}

export interface Rejection {
  clientOrderId: string;
  symbol: string;
  side: string;
  intent: string;
  exitReason?: string;
  quantity: number;
  status: string;
  error?: string;
  at: number;
}

export interface StopViolation {
  positionId: string;
  symbol: string;
  stop: number;
  candleOpenTime: number;
  low: number;
  deadline: number;
  closedAt: number | null;
}

export interface SoakReport {
  minutes: number;
  candles: Record<string, number>;
  orders: { total: number; entries: number; exits: number; byStatus: Record<string, number>; byExitReason: Record<string, number> };
  fills: number;
  /** Market orders that the visible book could not fill in full (expired after a partial fill). */
  partialFills: { entries: number; exits: number };
  /** Taker fills that took liquidity from more than one price level. */
  multiLevelFills: number;
  /** Orders the venue rejected (status "rejected"). */
  rejections: Rejection[];
  /** Orders that ended "expired" (a market order the visible book could not fill in full). */
  expired: Rejection[];
  /** Every non-empty exit:alarm list published during the run (first few). */
  alarmsRaised: Array<{ at: number; alarms: EngineEvents["exit:alarm"]["alarms"] }>;
  alarmEvents: number;
  alarmsAtEnd: number;
  warnings: Array<{ code: string; message: string }>;
  listenerErrors: string[];
  positionsOpened: number;
  trades: number;
  tradesByExitReason: Record<string, number>;
  dustMoves: number;
  /** Positions whose stop a 1m candle's low went through. */
  stopsPassed: number;
  /** ...and that were still open after the end of the next candle. */
  stopViolations: StopViolation[];
  /** Longest market time between the first sub-step price at or below a stop and the position's close. */
  maxStopToCloseMs: number;
  openAtEnd: number;
  balances: Array<{ symbol: string; asset: string; venueBase: number; openQuantity: number; dust: number; step: number; excess: number }>;
  tradingState: string;
  kernelStats: TradingKernel["stats"];
  equity: number;
  wallMs: number;
}

export function instrumentOf(spec: SymbolSpec): Instrument {
  return {
    symbol: spec.symbol,
    base: spec.base,
    quote: spec.quote,
    tickSize: spec.tickSize,
    stepSize: spec.stepSize,
    minQty: spec.minQty,
    maxQty: spec.maxQty,
    minNotional: spec.minNotional,
  };
}

/** The strategies EngineRuntime.createDefaultStrategies creates on a fresh install, each with half the starting balance. */
export function defaultStrategies(symbols: string[], startingBalance: number): Array<{ id: string; name: string; kind: string; timeframe: Timeframe; capital: number; strategy: Strategy }> {
  const kinds = listStrategyKinds();
  const preset = (kind: string, id: string) => {
    const params = kinds.find((k) => k.kind === kind)?.presets.find((p) => p.id === id)?.params;
    if (!params) throw new Error(`default preset ${kind}/${id} not found`);
    return params;
  };
  const defaults = [
    { kind: "ma_crossover", params: preset("ma_crossover", "ema-9-21-5m"), name: "MA crossover 9/21 (5m)", timeframe: "5m" as Timeframe },
    { kind: "rsi_reversion", params: preset("rsi_reversion", "rsi-14-30-70-15m"), name: "RSI mean reversion 30/70 (1m)", timeframe: "1m" as Timeframe },
  ];
  return defaults.map((d, i) => {
    const id = `str_default_${i + 1}`;
    const inner = createStrategy(d.kind, d.params, { id, symbols, timeframe: d.timeframe });
    const strategy = safeStrategy(inner, (report) => {
      throw new Error(`strategy ${id} failed: ${report.message}`);
    }) as unknown as Strategy;
    return { id, name: d.name, kind: d.kind, timeframe: d.timeframe, capital: startingBalance / 2, strategy };
  });
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const wallStart = performance.now();
  const speed = options.speed ?? 60;
  const depth = options.depth ?? 20;
  const startingBalance = options.startingBalance ?? 10_000;
  const startTime = options.startTime ?? Date.UTC(2026, 0, 5);
  const quote = "USDT";

  const specs = options.symbols.map((s) => buildSymbolSpec(s, {}, options.seed));
  const instruments = new Map(specs.map((s) => [s.symbol, instrumentOf(s)] as const));
  const bookConfig: OrderBookConfig = { ...DEFAULT_ORDER_BOOK_CONFIG, levels: depth, ...options.book };
  const markets = specs.map((spec) => ({
    spec,
    model: new StochasticPriceModel(spec, options.seed),
    book: new SyntheticOrderBook(spec, bookConfig, options.seed),
    scale: 10 ** spec.priceDecimals,
  }));

  // ---- the engine, composed as runtime.ts composes the paper account ----
  const clock = new ManualClock(startTime);
  const wallClock: Clock = { now: () => clock.now() / speed };
  const listenerErrors: string[] = [];
  const bus = new EventBus<EngineEvents>((event, err) => listenerErrors.push(`${event}: ${String(err)}`));
  const sleepers: Array<{ due: number; resolve: () => void }> = [];
  const sleep = (ms: number) => new Promise<void>((resolve) => sleepers.push({ due: clock.now() + ms * speed, resolve }));
  const fees = DEFAULT_FEES;
  const logger = createLogger("silent");
  const venue = new PaperVenue({
    clock,
    id: "paper",
    kind: "paper",
    fees,
    feeAsset: options.feeAsset,
    slippageBps: 5,
    latencyMs: 0,
    balances: { [quote]: startingBalance },
    instruments: instruments.values(),
    logger,
    idPrefix: "soak",
  });
  const ledger = new Ledger({ mode: "paper", startingCash: startingBalance, quoteCurrency: quote, ids: sequentialLedgerIds("soak-") });
  const orderIds = new SequentialIds("soak-o-");
  const eventIds = new SequentialIds("soak-e-");
  const account = await TradingAccount.create({
    mode: "paper",
    venue,
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger,
    clock,
    wallClock,
    limits: options.limits,
    bus,
    logger,
    instruments,
    fees,
    newClientOrderId: () => orderIds.next(),
    newEventId: () => eventIds.next(),
    sleep,
  });
  await account.start();
  const kernel = new TradingKernel({ mode: "paper", clock, bus, logger, accounts: [account], limits: options.limits, instruments, baseTimeframe: "1m", allowShort: false });
  for (const d of defaultStrategies(options.symbols, startingBalance)) {
    kernel.addStrategy({ id: d.id, name: d.name, kind: d.kind, capital: d.capital }, d.strategy);
  }

  // ---- what the run saw ----
  const orders = new Map<string, Order>();
  const rejections: Rejection[] = [];
  const expired: Rejection[] = [];
  const fillsPerOrder = new Map<string, number>();
  let fills = 0;
  let multiLevelFills = 0;
  const alarmsRaised: SoakReport["alarmsRaised"] = [];
  let alarmEvents = 0;
  const warnings: SoakReport["warnings"] = [];
  const tradesByExitReason: Record<string, number> = {};
  let trades = 0;
  let dustMoves = 0;
  let positionsOpened = 0;
  const knownPositions = new Set<string>();
  const openIds = new Set<string>();
  /** Open positions: id -> the first sub-step price time at or below its stop (if any). */
  const firstPassed = new Map<string, number>();
  let maxStopToCloseMs = 0;
  /** Positions whose stop a candle's low went through, with the end of the next candle. */
  const deadlines = new Map<string, StopViolation>();
  const stopViolations: StopViolation[] = [];
  let stopsPassed = 0;
  const lastBookTouch = new Map<string, { bid: number; ask: number }>();

  bus.on("order", (order) => {
    orders.set(order.clientOrderId, order);
    if (order.status === "rejected" || order.status === "expired") {
      (order.status === "rejected" ? rejections : expired).push({
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        intent: order.intent,
        exitReason: order.exitReason,
        quantity: order.quantity,
        status: order.status,
        error: order.error,
        at: clock.now(),
      });
    }
  });
  bus.on("fill", (fill) => {
    fills += 1;
    fillsPerOrder.set(fill.clientOrderId, (fillsPerOrder.get(fill.clientOrderId) ?? 0) + 1);
    const touch = lastBookTouch.get(fill.symbol);
    // A taker fill at an average price strictly beyond the touch walked more than one level.
    if (fill.liquidity === "taker" && touch && (fill.side === "buy" ? fill.price > touch.ask : fill.price < touch.bid)) multiLevelFills += 1;
  });
  bus.on("exit:alarm", (event) => {
    alarmEvents += 1;
    if (event.alarms.length > 0 && alarmsRaised.length < 20) alarmsRaised.push({ at: clock.now(), alarms: event.alarms });
  });
  bus.on("warning", (w) => {
    if (warnings.length < 20) warnings.push({ code: w.code, message: w.message });
  });
  bus.on("trade", (t) => {
    trades += 1;
    tradesByExitReason[t.exitReason] = (tradesByExitReason[t.exitReason] ?? 0) + 1;
  });
  bus.on("dust", () => {
    dustMoves += 1;
  });
  bus.on("position", (p) => {
    if (p.status === "open") {
      openIds.add(p.id);
      if (!knownPositions.has(p.id)) {
        knownPositions.add(p.id);
        positionsOpened += 1;
      }
      return;
    }
    openIds.delete(p.id);
    const passedAt = firstPassed.get(p.id);
    if (passedAt !== undefined) maxStopToCloseMs = Math.max(maxStopToCloseMs, clock.now() - passedAt);
    firstPassed.delete(p.id);
    const pending = deadlines.get(p.id);
    if (pending) {
      pending.closedAt = clock.now();
      if (pending.closedAt > pending.deadline) stopViolations.push({ ...pending });
      deadlines.delete(p.id);
    }
  });

  // ---- driving the engine ----
  const engineErrors: unknown[] = [];
  /**
   * Let the work a market event started run to its end: with no latency and in-memory stores it all
   * completes within the microtasks before the next macrotask, except retries sleeping until a later
   * market time (they continue when the clock reaches them).
   */
  const drain = async (work?: Promise<unknown>) => {
    let done = work === undefined;
    work?.then(
      () => (done = true),
      (err) => {
        engineErrors.push(err);
        done = true;
      },
    );
    for (let i = 0; i < 10_000; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done && !account.busy) return;
      // What is left sleeps until a later market time (a retry's backoff): the clock must move on.
      if (sleepers.length > 0) return;
    }
    throw new Error("engine work did not settle");
  };
  const wakeSleepers = (now: number) => {
    let woke = false;
    for (let i = sleepers.length - 1; i >= 0; i--) {
      if (sleepers[i].due <= now) {
        sleepers[i].resolve();
        sleepers.splice(i, 1);
        woke = true;
      }
    }
    return woke;
  };

  const aggregated: Candle[] = [];
  const aggregator = new CandleAggregator({ timeframes: ["5m"], onClosed: (c) => aggregated.push(c) });
  for (const m of markets) aggregator.seed(m.spec.symbol, startTime);
  const candles: Record<string, number> = {};
  const minutes = Math.round(options.days * 1440);
  const paths = new Array(markets.length);
  const bars = markets.map(() => ({ open: 0, high: 0, low: 0, close: 0, volume: 0 }));
  /** Stop level in force per open position during the current minute (taken at its start). */
  let stops: Array<{ id: string; symbol: string; stop: number }> = [];

  const feedCandle = async (candle: Candle) => {
    candles[`${candle.symbol} ${candle.timeframe}`] = (candles[`${candle.symbol} ${candle.timeframe}`] ?? 0) + 1;
    const work = kernel.onCandle(candle);
    if (work || account.busy) await drain(work);
  };

  for (let minute = 0; minute < minutes; minute++) {
    const openTime = startTime + minute * MINUTE_MS;
    for (let i = 0; i < markets.length; i++) paths[i] = markets[i].model.nextMinute();
    stops = [];
    for (const position of markets.flatMap((m) => ledger.openPositionsOf(m.spec.symbol))) {
      if (position.side !== "long") continue;
      const levels = [position.stopLoss, position.trailingStop, position.atrStop].filter((v): v is number => v !== undefined);
      if (levels.length) stops.push({ id: position.id, symbol: position.symbol, stop: Math.max(...levels) });
    }

    for (let k = 0; k < SUBSTEPS_PER_MINUTE; k++) {
      const t = openTime + k * SUBSTEP_MS;
      clock.set(t);
      const substep = Math.floor(t / SUBSTEP_MS);
      // The simulator's book around the last traded price (its order book stream), then the trade.
      // A book only matters to the paper venue when a taker order executes: at a candle close (the
      // strategies' entries and exits) or when a price triggers a protective exit of an open position.
      // So it is built at the minute's last sub-step (fresh at the close) and at every sub-step of a
      // symbol with an open position; the others would be replaced unread (no resting orders here).
      for (let i = 0; i < markets.length; i++) {
        const m = markets[i];
        if (k !== SUBSTEPS_PER_MINUTE - 1 && ledger.openPositionsOf(m.spec.symbol).length === 0) continue;
        const price = paths[i].prices[k] as number;
        const sides = m.book.levelsAt(Math.round(price * m.scale), substep);
        const book: OrderBook = {
          symbol: m.spec.symbol,
          timestamp: t,
          bids: sides.bids.slice(0, depth).map((l) => ({ price: l.price, quantity: l.qty })),
          asks: sides.asks.slice(0, depth).map((l) => ({ price: l.price, quantity: l.qty })),
        };
        lastBookTouch.set(m.spec.symbol, { bid: book.bids[0]?.price ?? 0, ask: book.asks[0]?.price ?? Number.POSITIVE_INFINITY });
        kernel.onOrderBook(book);
      }
      if (sleepers.length && wakeSleepers(t)) await drain();
      for (let i = 0; i < markets.length; i++) {
        const m = markets[i];
        const price = paths[i].prices[k] as number;
        const bar = bars[i];
        if (k === 0) {
          bar.open = bar.high = bar.low = bar.close = price;
          bar.volume = 0;
        } else {
          if (price > bar.high) bar.high = price;
          if (price < bar.low) bar.low = price;
          bar.close = price;
        }
        bar.volume += paths[i].volumes[k] as number;
        for (const s of stops) if (s.symbol === m.spec.symbol && price <= s.stop && !firstPassed.has(s.id) && openIds.has(s.id)) firstPassed.set(s.id, t);
        kernel.onPrice(m.spec.symbol, price, t);
        if (account.busy) await drain();
      }
    }

    // The minute closed: the 1m candle of each symbol, then the higher timeframes it closes.
    const closeTime = openTime + MINUTE_MS;
    clock.set(closeTime);
    if (sleepers.length && wakeSleepers(closeTime)) await drain();
    for (let i = 0; i < markets.length; i++) {
      const m = markets[i];
      const bar = bars[i];
      const candle: Candle = { symbol: m.spec.symbol, timeframe: "1m", openTime, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume, closed: true };
      // Stops this candle went through: the position must be closed by the end of the next candle.
      for (const s of stops) {
        if (s.symbol !== candle.symbol || candle.low > s.stop || deadlines.has(s.id)) continue;
        if (!knownPositions.has(s.id)) continue;
        stopsPassed += 1;
        const stillOpen = openIds.has(s.id);
        const entry: StopViolation = { positionId: s.id, symbol: s.symbol, stop: s.stop, candleOpenTime: openTime, low: candle.low, deadline: openTime + 2 * MINUTE_MS, closedAt: null };
        if (stillOpen) deadlines.set(s.id, entry);
      }
      await feedCandle(candle);
      aggregator.addClosed(candle);
    }
    while (aggregated.length) await feedCandle(aggregated.shift()!);
    // Positions past their deadline and still open are violations (recorded once).
    for (const [id, pending] of deadlines) {
      if (closeTime >= pending.deadline && openIds.has(id)) {
        stopViolations.push({ ...pending });
        deadlines.delete(id);
      }
    }
  }

  // Let any sleeping retry finish (a minute of market time at most) before reading the end state.
  for (let extra = 0; sleepers.length && extra < 600; extra++) {
    clock.advance(SUBSTEP_MS);
    if (wakeSleepers(clock.now())) await drain();
  }
  await drain();

  const dust = ledger.dust();
  const balances = specs.map((spec) => {
    const held = venue.balanceList().find((b) => b.asset === spec.base);
    const venueBase = (held?.free ?? 0) + (held?.locked ?? 0);
    const openQuantity = ledger.openPositionsOf(spec.symbol).reduce((sum, p) => sum + p.quantity, 0);
    const dustQty = dust.filter((d) => d.asset === spec.base).reduce((sum, d) => sum + d.quantity, 0);
    return { symbol: spec.symbol, asset: spec.base, venueBase, openQuantity, dust: dustQty, step: spec.stepSize, excess: venueBase - openQuantity };
  });

  const byStatus: Record<string, number> = {};
  const byExitReason: Record<string, number> = {};
  let entries = 0;
  let exits = 0;
  const partialFills = { entries: 0, exits: 0 };
  for (const order of orders.values()) {
    byStatus[order.status] = (byStatus[order.status] ?? 0) + 1;
    if (order.intent === "entry") entries += 1;
    else {
      exits += 1;
      byExitReason[order.exitReason ?? "?"] = (byExitReason[order.exitReason ?? "?"] ?? 0) + 1;
    }
    if (order.filledQuantity > 0 && order.filledQuantity < order.quantity) partialFills[order.intent === "entry" ? "entries" : "exits"] += 1;
  }
  if (engineErrors.length) listenerErrors.push(...engineErrors.map((e) => `engine: ${String(e)}`));

  return {
    minutes,
    candles,
    orders: { total: orders.size, entries, exits, byStatus, byExitReason },
    fills,
    partialFills,
    multiLevelFills,
    rejections,
    expired,
    alarmsRaised,
    alarmEvents,
    alarmsAtEnd: account.exitAlarms().length,
    warnings,
    listenerErrors,
    positionsOpened,
    trades,
    tradesByExitReason,
    dustMoves,
    stopsPassed,
    stopViolations,
    maxStopToCloseMs,
    openAtEnd: ledger.positions().length,
    balances,
    tradingState: account.tradingState,
    kernelStats: { ...kernel.stats },
    equity: ledger.equity(),
    wallMs: Math.round(performance.now() - wallStart),
  };
}
