import type { RiskLimits } from "../config/risk-limits";
import {
  TERMINAL_ORDER_STATUSES,
  type Instrument,
  type OrderRequest,
  type PositionSide,
} from "../model/types";
import { positionKey } from "../portfolio";
import type { CalendarPeriod } from "./calendar";
import type { PeriodAnchor } from "./state-store";
import type { RiskContext, RiskEntryRecord, RiskOpenOrder, RiskPosition } from "./types";

/** The risk engine's own state a check may read (baselines it tracks across snapshots). */
export interface RiskEngineView {
  readonly day: CalendarPeriod;
  readonly week: CalendarPeriod;
  readonly dayAnchor: PeriodAnchor | null;
  readonly weekAnchor: PeriodAnchor | null;
  readonly equityPeak: number | null;
  readonly lossStreakResetAt: number | null;
  /** Entries this engine approved recently (may not be in ctx.recentEntries yet), by clientOrderId. */
  readonly approvedEntries: ReadonlyMap<string, RiskEntryRecord>;
  /** The order being decided: it never counts against itself (a re-evaluation of the same id). */
  readonly excludeClientOrderId?: string;
}

const UNSET: unique symbol = Symbol("unset");

/**
 * Numbers derived from one snapshot (and optionally one order request), each computed at most once
 * per evaluation so several checks can share them without rebuilding anything.
 */
export class RiskMetrics {
  // One slot per memoised metric (a Map and a closure per call showed in the order path's profile).
  private memoStopPrice: number | typeof UNSET = UNSET;
  private memoTakeProfitPrice: number | typeof UNSET = UNSET;
  private memoOrderRisk: number | typeof UNSET = UNSET;
  private memoPositionsAddedTo: RiskPosition[] | typeof UNSET = UNSET;
  private memoPositionsReduced: RiskPosition[] | typeof UNSET = UNSET;
  private memoPendingEntries: RiskOpenOrder[] | typeof UNSET = UNSET;
  private memoOpenPositionsBySymbol: ReadonlyMap<string, ReadonlySet<string>> | typeof UNSET = UNSET;
  private memoExposure: number | typeof UNSET = UNSET;
  private memoHeat: number | typeof UNSET = UNSET;
  private memoLossStreak: number | typeof UNSET = UNSET;
  private memoLastEntryAt: number | null | typeof UNSET = UNSET;
  private memoEntriesToday: number | typeof UNSET = UNSET;

  constructor(
    readonly ctx: RiskContext,
    readonly limits: Readonly<RiskLimits>,
    readonly view: RiskEngineView,
    readonly request: OrderRequest | null = null,
  ) {}

  private req(): OrderRequest {
    if (!this.request) throw new Error("this metric needs an order request");
    return this.request;
  }

  // ---- the order request ----

  instrument(): Instrument | undefined {
    return this.ctx.instruments.get(this.req().symbol);
  }

  lastPrice(symbol: string): number | undefined {
    const p = this.ctx.lastPrices.get(symbol);
    return p !== undefined && Number.isFinite(p) && p > 0 ? p : undefined;
  }

  /** Price the order is expected to trade at: its limit price, else the last price. */
  referencePrice(): number | undefined {
    const r = this.req();
    if (r.type !== "market" && r.price !== undefined) return r.price;
    return this.lastPrice(r.symbol);
  }

  orderNotional(): number {
    const ref = this.referencePrice();
    return ref === undefined ? Number.NaN : this.req().quantity * ref;
  }

  /** Side of the position an entry opens or adds to. */
  entrySide(): PositionSide {
    return this.req().side === "buy" ? "long" : "short";
  }

  /** The entry's stop: the one stated, else defaultStopLossPct away from the reference price. */
  stopPrice(): number {
    const memo = this.memoStopPrice;
    if (memo !== UNSET) return memo;
    return (this.memoStopPrice = (() => {
      const r = this.req();
      if (r.stopLoss !== undefined) return r.stopLoss;
      const ref = this.referencePrice() ?? Number.NaN;
      const d = this.limits.defaultStopLossPct / 100;
      return this.entrySide() === "long" ? ref * (1 - d) : ref * (1 + d);
    })());
  }

  takeProfitPrice(): number {
    const memo = this.memoTakeProfitPrice;
    if (memo !== UNSET) return memo;
    return (this.memoTakeProfitPrice = (() => {
      const r = this.req();
      if (r.takeProfit !== undefined) return r.takeProfit;
      const ref = this.referencePrice() ?? Number.NaN;
      const d = this.limits.defaultTakeProfitPct / 100;
      return this.entrySide() === "long" ? ref * (1 + d) : ref * (1 - d);
    })());
  }

  /** Fee rate of the entry leg: market orders take liquidity, resting ones are assumed to make it. */
  entryFeeRate(): number {
    return this.req().type === "market" ? this.ctx.fees.taker : this.ctx.fees.maker;
  }

  /** What the new entry loses if its stop is hit: size × stop distance (fees excluded). */
  orderRisk(): number {
    const memo = this.memoOrderRisk;
    if (memo !== UNSET) return memo;
    return (this.memoOrderRisk = (() => {
      const ref = this.referencePrice();
      if (ref === undefined) return Number.NaN;
      return this.req().quantity * Math.abs(ref - this.stopPrice());
    })());
  }

  /** Open positions the entry would add to (same symbol, side and strategy instance). */
  positionsAddedTo(): RiskPosition[] {
    const memo = this.memoPositionsAddedTo;
    if (memo !== UNSET) return memo;
    return (this.memoPositionsAddedTo = (() => {
      const r = this.req();
      const side = this.entrySide();
      return this.ctx.positions.filter(
        (p) => p.symbol === r.symbol && p.side === side && p.strategyInstanceId === r.strategyInstanceId && p.quantity > 0,
      );
    })());
  }

  /** Open positions an exit reduces: same symbol, the side the order closes, the request's instance if it names one. */
  positionsReduced(): RiskPosition[] {
    const memo = this.memoPositionsReduced;
    if (memo !== UNSET) return memo;
    return (this.memoPositionsReduced = (() => {
      const r = this.req();
      const side: PositionSide = r.side === "sell" ? "long" : "short";
      const onSymbol = this.ctx.positions.filter((p) => p.symbol === r.symbol && p.side === side && p.quantity > 0);
      if (r.strategyInstanceId === undefined) return onSymbol;
      const own = onSymbol.filter((p) => p.strategyInstanceId === r.strategyInstanceId);
      return own.length > 0 ? own : onSymbol.filter((p) => p.strategyInstanceId === undefined);
    })());
  }

  // ---- the portfolio ----

  markPrice(p: RiskPosition): number {
    if (p.markPrice !== undefined && Number.isFinite(p.markPrice) && p.markPrice > 0) return p.markPrice;
    return this.lastPrice(p.symbol) ?? p.avgEntryPrice;
  }

  positionNotional(p: RiskPosition): number {
    return p.quantity * this.markPrice(p);
  }

  /** Entry orders still working (each may become or grow a position). */
  pendingEntries(): RiskOpenOrder[] {
    const memo = this.memoPendingEntries;
    if (memo !== UNSET) return memo;
    return (this.memoPendingEntries = this.ctx.openOrders.filter(
        (o) =>
          o.intent === "entry" &&
          !o.reduceOnly &&
          (o.status === undefined || !TERMINAL_ORDER_STATUSES.includes(o.status)) &&
          remainingQuantity(o) > 0,
      ));
  }

  pendingPrice(o: RiskOpenOrder): number {
    if (o.type !== "market" && o.price !== undefined && o.price > 0) return o.price;
    return this.lastPrice(o.symbol) ?? Number.NaN;
  }

  /**
   * Positions open now plus the ones working entry orders would open, by symbol (each symbol's set holds
   * one positionKey per position). An entry order whose symbol, side and strategy instance already hold a
   * position grows it rather than opening another.
   */
  openPositionsBySymbol(): ReadonlyMap<string, ReadonlySet<string>> {
    const memo = this.memoOpenPositionsBySymbol;
    if (memo !== UNSET) return memo;
    return (this.memoOpenPositionsBySymbol = (() => {
      const bySymbol = new Map<string, Set<string>>();
      const add = (symbol: string, side: PositionSide, strategyInstanceId: string | undefined) => {
        let keys = bySymbol.get(symbol);
        if (!keys) bySymbol.set(symbol, (keys = new Set()));
        keys.add(positionKey(symbol, strategyInstanceId, side));
      };
      for (const p of this.ctx.positions) if (p.quantity > 0) add(p.symbol, p.side, p.strategyInstanceId);
      for (const o of this.pendingEntries()) add(o.symbol, o.side === "buy" ? "long" : "short", o.strategyInstanceId);
      return bySymbol;
    })());
  }

  openPositionCount(symbol?: string): number {
    const bySymbol = this.openPositionsBySymbol();
    if (symbol !== undefined) return bySymbol.get(symbol)?.size ?? 0;
    let total = 0;
    for (const keys of bySymbol.values()) total += keys.size;
    return total;
  }

  /** Gross exposure in quote: positions at mark plus working entry orders. */
  exposure(): number {
    const memo = this.memoExposure;
    if (memo !== UNSET) return memo;
    return (this.memoExposure = (() => {
      let total = 0;
      for (const p of this.ctx.positions) total += Math.abs(this.positionNotional(p));
      for (const o of this.pendingEntries()) total += remainingQuantity(o) * this.pendingPrice(o);
      return total;
    })());
  }

  /** Portfolio heat in quote: what every position and working entry loses if all stops are hit. */
  heat(): number {
    const memo = this.memoHeat;
    if (memo !== UNSET) return memo;
    return (this.memoHeat = (() => {
      const d = this.limits.defaultStopLossPct / 100;
      let total = 0;
      for (const p of this.ctx.positions) {
        if (!(p.quantity > 0)) continue;
        const mark = this.markPrice(p);
        const stop = p.stopLoss ?? (p.side === "long" ? p.avgEntryPrice * (1 - d) : p.avgEntryPrice * (1 + d));
        // A stop already beyond the mark on the profit side risks nothing more.
        total += p.quantity * Math.max(0, p.side === "long" ? mark - stop : stop - mark);
      }
      for (const o of this.pendingEntries()) {
        const price = this.pendingPrice(o);
        const stop = o.stopLoss ?? (o.side === "buy" ? price * (1 - d) : price * (1 + d));
        total += remainingQuantity(o) * Math.abs(price - stop);
      }
      return total;
    })());
  }

  // ---- loss baselines tracked by the engine ----

  /** Realized + unrealized P&L since the start of the local day (equity change since then). */
  dayPnl(): number {
    const anchor = this.view.dayAnchor;
    return anchor ? this.ctx.equity - anchor.equity : 0;
  }

  dayLossLimitQuote(): number {
    const base = this.view.dayAnchor?.equity ?? this.ctx.equity;
    return (this.limits.dailyLossPct / 100) * base;
  }

  weekPnl(): number {
    const anchor = this.view.weekAnchor;
    return anchor ? this.ctx.equity - anchor.equity : 0;
  }

  weekLossLimitQuote(): number {
    const base = this.view.weekAnchor?.equity ?? this.ctx.equity;
    return (this.limits.weeklyLossPct / 100) * base;
  }

  equityPeak(): number {
    return Math.max(this.view.equityPeak ?? 0, this.ctx.equity);
  }

  /** Drawdown from the equity peak, %. */
  drawdownPct(): number {
    const peak = this.equityPeak();
    return peak > 0 ? ((peak - this.ctx.equity) / peak) * 100 : 0;
  }

  /** Losing trades since the last non-losing one (or the person's reset), whatever the exit reason. */
  lossStreak(): number {
    const memo = this.memoLossStreak;
    if (memo !== UNSET) return memo;
    return (this.memoLossStreak = cachedLossStreak(this.ctx.recentClosedTrades, this.view.lossStreakResetAt));
  }

  /*
   * Recent entries are the snapshot's (ctx.recentEntries) plus the ones this engine approved that the
   * snapshot does not hold yet (view.approvedEntries, by clientOrderId; the snapshot's record wins),
   * less the order being decided. Both questions are answered in one pass over the two windows with
   * map lookups, without building a map or an array of 48 h of entries on every evaluation.
   */

  lastEntryAt(): number | null {
    const memo = this.memoLastEntryAt;
    if (memo !== UNSET) return memo;
    return (this.memoLastEntryAt = (() => {
      // A maximum: an entry present in both windows cannot change it, so no de-duplication is needed.
      const exclude = this.view.excludeClientOrderId;
      let last = Number.NEGATIVE_INFINITY;
      let any = false;
      const recent = this.ctx.recentEntries;
      for (let i = 0; i < recent.length; i++) {
        const e = recent[i];
        if (e.clientOrderId === exclude) continue;
        any = true;
        if (e.at > last) last = e.at;
      }
      for (const [id, e] of this.view.approvedEntries) {
        if (id === exclude) continue;
        any = true;
        if (e.at > last) last = e.at;
      }
      return any ? last : null;
    })());
  }

  /** Entries since the start of the local day. */
  entriesToday(): number {
    const memo = this.memoEntriesToday;
    if (memo !== UNSET) return memo;
    return (this.memoEntriesToday = (() => {
      const exclude = this.view.excludeClientOrderId;
      const start = this.view.day.start;
      const approved = this.view.approvedEntries;
      let n = 0;
      const recent = this.ctx.recentEntries;
      for (let i = 0; i < recent.length; i++) {
        const e = recent[i];
        if (e.clientOrderId === exclude) continue;
        if (e.at >= start) n += 1;
        // The approved record of the same order is counted below: take it back (the snapshot's wins).
        const twin = approved.get(e.clientOrderId);
        if (twin !== undefined && twin.at >= start) n -= 1;
      }
      for (const [id, e] of approved) if (id !== exclude && e.at >= start) n += 1;
      return n;
    })());
  }

  lastExitAt(symbol: string): number | null {
    let last: number | null = null;
    for (const t of this.ctx.recentClosedTrades) if (t.symbol === symbol && (last === null || t.closedAt > last)) last = t.closedAt;
    return last;
  }
}

export function remainingQuantity(o: RiskOpenOrder): number {
  return o.quantity - (o.filledQuantity ?? 0);
}

/**
 * lossStreak() of the account's recent-trades window, remembered between snapshots: the window
 * (engine/fill-booker.ts) only grows at the end and drops from the front, so the same array with the
 * same length, the same first and last record (and that last record's numbers) holds the same trades.
 * Every breaker pass (each minute with a position open) and every entry asked for it: two passes over
 * up to 100 trades each time.
 */
const streakCache = new WeakMap<readonly { pnl: number; closedAt: number }[], { length: number; first: object; last: object; lastPnl: number; lastClosedAt: number; resetAt: number | null; value: number }>();

function cachedLossStreak(trades: readonly { pnl: number; closedAt: number }[], resetAt: number | null): number {
  const n = trades.length;
  if (n === 0) return 0;
  const first = trades[0];
  const last = trades[n - 1];
  const hit = streakCache.get(trades);
  if (hit !== undefined && hit.length === n && hit.first === first && hit.last === last && hit.lastPnl === last.pnl && hit.lastClosedAt === last.closedAt && hit.resetAt === resetAt) {
    return hit.value;
  }
  const value = lossStreak(trades, resetAt);
  streakCache.set(trades, { length: n, first, last, lastPnl: last.pnl, lastClosedAt: last.closedAt, resetAt, value });
  return value;
}

/** Count losing trades closed after both the latest non-losing trade and `resetAt`. Order-independent. */
export function lossStreak(trades: readonly { pnl: number; closedAt: number }[], resetAt: number | null): number {
  let lastNonLoss = resetAt ?? Number.NEGATIVE_INFINITY;
  // A trade with a non-finite P&L is bad data: it neither counts as a loss nor breaks the streak.
  for (const t of trades) if (t.pnl >= 0 && t.closedAt > lastNonLoss) lastNonLoss = t.closedAt;
  let streak = 0;
  for (const t of trades) if (t.pnl < 0 && t.closedAt > lastNonLoss) streak += 1;
  return streak;
}
