import type { BookShape } from "./calibration";
import { floorToDecimals, roundToDecimals, type SymbolSpec } from "./instruments";
import { hash01, hashString } from "./prng";

/**
 * The simulated market's resting liquidity: a book built around the last price on a fixed price
 * grid, level sizes growing with the distance from the touch and reshuffled every few sub-steps.
 * Its shape is calibrated from candles (calibration.ts `bookShape`: the spread a share of the typical
 * 1-minute range, at least a tick; `nearLevels` levels per side at that spacing, the deeper ones on a
 * wider absolute grid spanning two typical ranges; the touch's quantity a share of the typical
 * minute's volume), or configured (`OrderBookConfig`: a uniform grid of `spacingBps`).
 * Liquidity taken by the user's orders stays taken until the level is reshuffled, so large orders
 * walk the book and repeated orders see thinner levels. The accounts' resting orders (`showResting`)
 * are added to the published book (REST depth, the depth streams) at their prices, as every order
 * shows on Binance; they are not liquidity for other orders (accounts never trade with each other, see
 * matching-engine.ts), and one the synthetic book has moved across (being filled as the market trades
 * through it) is left out, so the published book is never crossed.
 *
 * Every change gets an update id, so the REST snapshot (lastUpdateId) and the diff stream (U/u)
 * follow Binance's "how to manage a local order book" rules that ccxt checks.
 */

export interface OrderBookConfig {
  /** Levels per side. */
  levels: number;
  /** Distance between levels, basis points of the starting price (at least one tick). */
  spacingBps: number;
  /** Quote value of the level at the touch; deeper levels hold more. */
  levelQuote: number;
}

export const DEFAULT_ORDER_BOOK_CONFIG: OrderBookConfig = { levels: 100, spacingBps: 1, levelQuote: 10_000 };

export interface BookLevel {
  priceTicks: number;
  price: number;
  qty: number;
}

export interface BookSides {
  bids: BookLevel[];
  asks: BookLevel[];
}

export interface DepthDiff {
  firstUpdateId: number;
  finalUpdateId: number;
  bids: Array<[number, number]>;
  asks: Array<[number, number]>;
}

type Side = "bid" | "ask";

class PendingDiff {
  firstUpdateId = -1;
  finalUpdateId = -1;
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();

  record(side: Side, priceTicks: number, qty: number, updateId: number): void {
    if (this.firstUpdateId < 0) this.firstUpdateId = updateId;
    this.finalUpdateId = updateId;
    (side === "bid" ? this.bids : this.asks).set(priceTicks, qty);
  }

  take(scale: number): DepthDiff | null {
    if (this.firstUpdateId < 0) return null;
    const toPairs = (m: Map<number, number>) => [...m.entries()].map(([ticks, qty]) => [ticks / scale, qty] as [number, number]);
    const diff: DepthDiff = {
      firstUpdateId: this.firstUpdateId,
      finalUpdateId: this.finalUpdateId,
      bids: toPairs(this.bids).sort((a, b) => b[0] - a[0]),
      asks: toPairs(this.asks).sort((a, b) => a[0] - b[0]),
    };
    this.firstUpdateId = -1;
    this.finalUpdateId = -1;
    this.bids.clear();
    this.asks.clear();
    return diff;
  }
}

export class SyntheticOrderBook {
  /** Distance between the near levels (the spread), in ticks. */
  readonly spacingTicks: number;
  readonly shape: BookShape;
  private readonly scale: number;
  private readonly salt: number;
  private current: BookSides = { bids: [], asks: [] };
  private readonly currentQty: Record<Side, Map<number, number>> = { bid: new Map(), ask: new Map() };
  /** Liquidity taken per level, valid while the level's reshuffle epoch is unchanged. */
  private readonly consumed: Record<Side, Map<number, { epoch: number; qty: number }>> = { bid: new Map(), ask: new Map() };
  private updateIdValue = 1;
  private readonly pending = { fast: new PendingDiff(), slow: new PendingDiff() };
  private lastMidTicks = -1;
  private lastSubstep = -1;
  /** Every account's working resting quantity per price (ticks), per side: see showResting. */
  private restingProvider: (() => Record<Side, ReadonlyMap<number, number>>) | undefined;
  private restingShown: Record<Side, Map<number, number>> = { bid: new Map(), ask: new Map() };

  /** `config`: a calibrated shape (calibration.ts bookShape), or a configured uniform grid. */
  constructor(
    private readonly spec: SymbolSpec,
    config: OrderBookConfig | BookShape,
    seed: string,
  ) {
    this.scale = 10 ** spec.priceDecimals;
    if ("spreadTicks" in config) this.shape = config;
    else {
      const spacing = Math.max(1, Math.round((spec.startPrice * config.spacingBps) / 10_000 / spec.tickSize));
      this.shape = { levels: config.levels, spreadTicks: spacing, nearLevels: config.levels, deepSpacingTicks: spacing, levelQuote: config.levelQuote, calibrated: false };
    }
    this.spacingTicks = this.shape.spreadTicks;
    this.salt = hashString(`${seed}:${spec.symbol}:book`)[0];
  }

  get updateId(): number {
    this.syncResting();
    return this.updateIdValue;
  }

  /** The published best bid and ask (what bookTicker and the tickers show). */
  get top(): { bid: BookLevel | undefined; ask: BookLevel | undefined } {
    const { bids, asks } = this.snapshot(1);
    return { bid: bids[0], ask: asks[0] };
  }

  /** Show the accounts' resting orders in the published book (the matching engine tells what rests where). */
  showResting(provider: () => Record<Side, ReadonlyMap<number, number>>): void {
    this.restingProvider = provider;
    this.syncResting();
  }

  private shown(side: Side, ticks: number): number {
    return this.restingShown[side].get(ticks) ?? 0;
  }

  /** Publish changes of the resting orders (with the synthetic quantity at the same price). */
  private syncResting(): void {
    if (!this.restingProvider) return;
    const source = this.restingProvider();
    const bestBid = this.current.bids[0]?.priceTicks ?? 0;
    const bestAsk = this.current.asks[0]?.priceTicks ?? Number.POSITIVE_INFINITY;
    let bumped = false;
    for (const side of ["bid", "ask"] as const) {
      const next = new Map<number, number>();
      for (const [ticks, qty] of source[side]) {
        // Not where the synthetic book already is on the other side (the market trades through it).
        if (qty > 0 && (side === "bid" ? ticks < bestAsk : ticks > bestBid)) next.set(ticks, qty);
      }
      const before = this.restingShown[side];
      this.restingShown[side] = next;
      for (const ticks of new Set([...before.keys(), ...next.keys()])) {
        if ((before.get(ticks) ?? 0) === (next.get(ticks) ?? 0)) continue;
        if (!bumped) {
          this.updateIdValue += 1;
          bumped = true;
        }
        this.record(side, ticks, this.currentQty[side].get(ticks) ?? 0);
      }
    }
  }

  /** Synthetic levels plus the resting orders shown, best first. */
  private published(side: Side, list: BookLevel[]): BookLevel[] {
    const shown = this.restingShown[side];
    if (shown.size === 0) return list;
    const merged = new Map<number, number>();
    for (const level of list) merged.set(level.priceTicks, level.qty);
    for (const [ticks, qty] of shown) merged.set(ticks, roundToDecimals((merged.get(ticks) ?? 0) + qty, this.spec.qtyDecimals));
    return [...merged.entries()]
      .sort((a, b) => (side === "bid" ? b[0] - a[0] : a[0] - b[0]))
      .map(([priceTicks, qty]) => ({ priceTicks, price: priceTicks / this.scale, qty }));
  }

  get sides(): BookSides {
    return this.current;
  }

  private epochOf(priceTicks: number, substep: number): number {
    return Math.floor((substep + (priceTicks % 7)) / 6);
  }

  private levelQty(side: Side, priceTicks: number, distance: number, substep: number): number {
    const price = priceTicks / this.scale;
    const epoch = this.epochOf(priceTicks, substep);
    const noise = 0.4 + 1.2 * hash01(this.salt + (side === "bid" ? 1 : 2), priceTicks, epoch);
    const quote = this.shape.levelQuote * (1 + 0.15 * distance) * noise;
    const full = Math.max(this.spec.stepSize, floorToDecimals(quote / price, this.spec.qtyDecimals));
    const taken = this.consumed[side].get(priceTicks);
    if (!taken || taken.epoch !== epoch) return full;
    return Math.max(0, floorToDecimals(full - taken.qty, this.spec.qtyDecimals));
  }

  /**
   * The book around `midTicks` at sub-step `substep`, without publishing it. Configured (uniform
   * grid): the last price lies strictly inside the spread. Calibrated: the best bid is the greatest
   * grid price at or below the last price and the best ask the next one (a 1-tick spread has the
   * last trade at the bid), then `nearLevels` per side at the spread's spacing and the rest on the
   * deep grid (absolute multiples of deepSpacingTicks beyond the near levels).
   */
  levelsAt(midTicks: number, substep: number): BookSides {
    const { spreadTicks: s, levels, nearLevels, deepSpacingTicks: deep, calibrated } = this.shape;
    const grid = Math.floor(midTicks / s);
    const bestBid = calibrated || grid * s < midTicks ? grid * s : (grid - 1) * s;
    const bestAsk = (grid + 1) * s;
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    const nearBidEnd = bestBid - (nearLevels - 1) * s;
    const nearAskEnd = bestAsk + (nearLevels - 1) * s;
    const deepBidStart = Math.floor((nearBidEnd - 1) / deep) * deep;
    const deepAskStart = Math.ceil((nearAskEnd + 1) / deep) * deep;
    for (let i = 0; i < levels; i++) {
      const bidTicks = i < nearLevels ? bestBid - i * s : deepBidStart - (i - nearLevels) * deep;
      if (bidTicks > 0) {
        const qty = this.levelQty("bid", bidTicks, i, substep);
        if (qty > 0) bids.push({ priceTicks: bidTicks, price: bidTicks / this.scale, qty });
      }
      const askTicks = i < nearLevels ? bestAsk + i * s : deepAskStart + (i - nearLevels) * deep;
      const qty = this.levelQty("ask", askTicks, i, substep);
      if (qty > 0) asks.push({ priceTicks: askTicks, price: askTicks / this.scale, qty });
    }
    return { bids, asks };
  }

  /** Rebuild the published book around the last price; records the changes for the diff streams. */
  refresh(midTicks: number, substep: number, force = false): boolean {
    if (!force && midTicks === this.lastMidTicks && substep === this.lastSubstep) return false;
    this.lastMidTicks = midTicks;
    this.lastSubstep = substep;
    const next = this.levelsAt(midTicks, substep);
    const changed = this.applyDiff("bid", next.bids) + this.applyDiff("ask", next.asks);
    this.current = next;
    const updateId = this.updateIdValue;
    this.syncResting();
    return changed > 0 || this.updateIdValue !== updateId;
  }

  private applyDiff(side: Side, levels: BookLevel[]): number {
    const before = this.currentQty[side];
    const after = new Map<number, number>();
    for (const level of levels) after.set(level.priceTicks, level.qty);
    let changes = 0;
    const bump = () => {
      if (changes === 0) this.updateIdValue += 1;
      changes += 1;
    };
    for (const [ticks, qty] of after) {
      if (before.get(ticks) !== qty) {
        bump();
        this.record(side, ticks, qty);
      }
    }
    for (const ticks of before.keys()) {
      if (!after.has(ticks)) {
        bump();
        this.record(side, ticks, 0);
      }
    }
    this.currentQty[side] = after;
    return changes;
  }

  /** Record a level's synthetic quantity for the diff streams (plus the resting orders shown there). */
  private record(side: Side, ticks: number, qty: number): void {
    const shown = this.shown(side, ticks);
    const published = shown > 0 ? roundToDecimals(qty + shown, this.spec.qtyDecimals) : qty;
    this.pending.fast.record(side, ticks, published, this.updateIdValue);
    this.pending.slow.record(side, ticks, published, this.updateIdValue);
  }

  /** Take `qty` of liquidity at a level (a taker order filled there). */
  consume(side: Side, priceTicks: number, qty: number, substep: number): void {
    const epoch = this.epochOf(priceTicks, substep);
    const map = this.consumed[side];
    const taken = map.get(priceTicks);
    const already = taken && taken.epoch === epoch ? taken.qty : 0;
    map.set(priceTicks, { epoch, qty: already + qty });
    if (map.size > 4 * this.shape.levels) {
      for (const [ticks, entry] of map) if (entry.epoch !== this.epochOf(ticks, substep)) map.delete(ticks);
    }
    // Reflect the taken liquidity in the published book at once.
    const list = side === "bid" ? this.current.bids : this.current.asks;
    const index = list.findIndex((l) => l.priceTicks === priceTicks);
    if (index >= 0) {
      const left = Math.max(0, floorToDecimals(list[index].qty - qty, this.spec.qtyDecimals));
      this.updateIdValue += 1;
      this.record(side, priceTicks, left);
      if (left > 0) {
        list[index] = { ...list[index], qty: left };
        this.currentQty[side].set(priceTicks, left);
      } else {
        list.splice(index, 1);
        this.currentQty[side].delete(priceTicks);
      }
    }
  }

  /** Changes since the last call for this channel (fast = 100 ms stream, slow = 1000 ms stream). */
  takeDiff(channel: "fast" | "slow"): DepthDiff | null {
    this.syncResting();
    return this.pending[channel].take(this.scale);
  }

  /** The published book (synthetic levels and the accounts' resting orders), `limit` levels per side. */
  snapshot(limit: number): { lastUpdateId: number; bids: BookLevel[]; asks: BookLevel[] } {
    this.syncResting();
    return { lastUpdateId: this.updateIdValue, bids: this.published("bid", this.current.bids).slice(0, limit), asks: this.published("ask", this.current.asks).slice(0, limit) };
  }
}
