import { Decimal } from "../../core/decimal";
import type { ContractSpec } from "./contracts";
import type { FuturesEngine } from "./engine";

/**
 * The perpetuals' public market data shared by REST and the websocket: the order book with its
 * own update ids (GET /fapi/v1/depth lastUpdateId and the diff stream's U / u / pu are one
 * sequence), and the 24 h statistics at contract prices (GET /fapi/v1/ticker/24hr and the
 * `@ticker` / `@miniTicker` / `!miniTicker@arr` streams).
 *
 * The futures book is derived (FuturesEngine.depth: the spot book's sizes on a one-tick ladder
 * from the contract price), so it has no update id of its own: `sync` compares it with the last
 * published state and gives each change a new id, and records the changed levels, a removed level
 * as quantity 0, in one accumulator per diff cadence. A client that applies the diffs from U ≤
 * lastUpdateId ≤ u on (then pu = previous u) to the REST snapshot holds exactly this book.
 */

/** Diff depth cadences of Binance futures: `@depth@100ms`, `@depth` (= `@depth@250ms`), `@depth@500ms`. */
export const DIFF_RATES = [100, 250, 500] as const;
export type DiffRate = (typeof DIFF_RATES)[number];

/** Levels per side the feed tracks: Binance's largest REST depth. */
const TRACKED_LEVELS = 1000;

interface Pending {
  U: number;
  u: number;
  bids: Map<string, string>;
  asks: Map<string, string>;
}

interface ContractBook {
  updateId: number;
  /** price → quantity, best first (as last published). */
  bids: Map<string, string>;
  asks: Map<string, string>;
  pending: Map<DiffRate, Pending>;
  /** u of the last diff event of each cadence (the next event's pu). */
  lastU: Map<DiffRate, number>;
}

export interface DepthDiff {
  U: number;
  u: number;
  pu: number;
  bids: [string, string][];
  asks: [string, string][];
}

export class FuturesDepthFeed {
  private readonly books = new Map<string, ContractBook>();

  constructor(private readonly engine: FuturesEngine) {}

  /** Bring the contract's book up to date; a change gets the next update id. */
  sync(c: ContractSpec): ContractBook {
    const depth = this.engine.depth(c, TRACKED_LEVELS);
    const side = (levels: [string, string][]) => new Map(levels.filter(([, q]) => Number(q) > 0));
    const bids = side(depth.bids);
    const asks = side(depth.asks);
    let book = this.books.get(c.id);
    if (!book) {
      const start = Math.max(1, depth.lastUpdateId);
      book = { updateId: start, bids, asks, pending: new Map(), lastU: new Map(DIFF_RATES.map((r) => [r, start])) };
      this.books.set(c.id, book);
      return book;
    }
    const bidChanges = changes(book.bids, bids);
    const askChanges = changes(book.asks, asks);
    if (bidChanges.length === 0 && askChanges.length === 0) return book;
    const id = book.updateId + 1;
    book.updateId = id;
    book.bids = bids;
    book.asks = asks;
    for (const rate of DIFF_RATES) {
      let p = book.pending.get(rate);
      if (!p) book.pending.set(rate, (p = { U: id, u: id, bids: new Map(), asks: new Map() }));
      p.u = id;
      for (const [price, qty] of bidChanges) p.bids.set(price, qty);
      for (const [price, qty] of askChanges) p.asks.set(price, qty);
    }
    return book;
  }

  /** GET /fapi/v1/depth: the best `limit` levels per side, current as of now. */
  snapshot(c: ContractSpec, limit: number): { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] } {
    const book = this.sync(c);
    return { lastUpdateId: book.updateId, bids: [...book.bids].slice(0, limit), asks: [...book.asks].slice(0, limit) };
  }

  /** The changes of one cadence since its last event (null when nothing changed). */
  take(contractId: string, rate: DiffRate): DepthDiff | null {
    const book = this.books.get(contractId);
    const p = book?.pending.get(rate);
    if (!book || !p) return null;
    book.pending.delete(rate);
    const pu = book.lastU.get(rate) ?? p.U - 1;
    book.lastU.set(rate, p.u);
    return { U: p.U, u: p.u, pu, bids: [...p.bids], asks: [...p.asks] };
  }

  /** Contracts whose book has been synced at least once. */
  contractIds(): string[] {
    return [...this.books.keys()];
  }
}

/** Levels of `next` that differ from `prev`, and `prev`'s levels gone from `next` (quantity 0). */
function changes(prev: Map<string, string>, next: Map<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const [price, qty] of next) if (prev.get(price) !== qty) out.push([price, qty]);
  for (const [price, qty] of prev) if (!next.has(price)) out.push([price, zeroLike(qty)]);
  return out;
}

const zeroLike = (qty: string) => new Decimal(0).toFixed(qty.includes(".") ? qty.split(".")[1].length : 0);

/** GET /fapi/v1/ticker/24hr for one contract (Binance's futures field names). */
export function futuresTicker24h(engine: FuturesEngine, c: ContractSpec, now: number) {
  const market = engine.core.market(c.spot.id);
  if (!market) throw new Error(`no spot market for ${c.id}`);
  const t = market.ticker24h(now);
  const px = (p: number, at: number) => engine.premium.contractPrice(c, p, at);
  const last = px(engine.indexPrice(c), now);
  const open = px(t.open, t.openTime);
  const high = Math.max(px(t.high, now), open, last);
  const low = Math.min(px(t.low, now), open, last);
  const volume = new Decimal(t.volume).toDecimalPlaces(c.quantityPrecision, Decimal.ROUND_DOWN);
  const vwap = volume.isZero() ? last : Math.min(high, Math.max(low, px(t.quoteVolume / t.volume, now)));
  const change = new Decimal(last).minus(open);
  const p = (x: number | Decimal) => new Decimal(x).toFixed(c.pricePrecision);
  return {
    symbol: c.id,
    priceChange: p(change),
    priceChangePercent: open > 0 ? change.div(open).mul(100).toFixed(3) : "0.000",
    weightedAvgPrice: p(vwap),
    lastPrice: p(last),
    lastQty: new Decimal(t.lastQty).toDecimalPlaces(c.quantityPrecision, Decimal.ROUND_DOWN).toFixed(c.quantityPrecision),
    openPrice: p(open),
    highPrice: p(high),
    lowPrice: p(low),
    volume: volume.toFixed(c.quantityPrecision),
    quoteVolume: volume.mul(vwap).toFixed(2),
    openTime: t.openTime,
    closeTime: t.closeTime,
    firstId: t.firstTradeId,
    lastId: t.lastTradeId,
    count: t.count,
  };
}

export type FuturesTicker24h = ReturnType<typeof futuresTicker24h>;

/** `<symbol>@ticker` event (e "24hrTicker"). */
export function futuresTickerEvent(t: FuturesTicker24h, eventTime: number) {
  return {
    e: "24hrTicker",
    E: eventTime,
    s: t.symbol,
    p: t.priceChange,
    P: t.priceChangePercent,
    w: t.weightedAvgPrice,
    c: t.lastPrice,
    Q: t.lastQty,
    o: t.openPrice,
    h: t.highPrice,
    l: t.lowPrice,
    v: t.volume,
    q: t.quoteVolume,
    O: t.openTime,
    C: t.closeTime,
    F: t.firstId,
    L: t.lastId,
    n: t.count,
  };
}

/** `<symbol>@miniTicker` and `!miniTicker@arr` element (e "24hrMiniTicker"). */
export function futuresMiniTickerEvent(t: FuturesTicker24h, eventTime: number) {
  return { e: "24hrMiniTicker", E: eventTime, s: t.symbol, c: t.lastPrice, o: t.openPrice, h: t.highPrice, l: t.lowPrice, v: t.volume, q: t.quoteVolume };
}
