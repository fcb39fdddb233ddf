import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { Decimal } from "../../core/decimal";
import { bucketShift, bucketStart, INTERVAL_MS, type KlineBar } from "../candles";
import type { SymbolMarket } from "../market";
import { ListenKeyRegistry, WsGateway, type StreamConnection, type StreamSub, type WsGatewayOptions } from "../ws";
import type { ContractSpec } from "./contracts";
import type { FuturesAccount, FuturesEngine } from "./engine";
import { DIFF_RATES, futuresMiniTickerEvent, futuresTicker24h, futuresTickerEvent, type DepthDiff, type DiffRate, type FuturesTicker24h } from "./market-feed";
import { FUTURES_WS_PREFIX } from "./urls";
import {
  accountConfigUpdateEvent,
  accountUpdateEvent,
  FuturesListenKeys,
  marginCallEvent,
  markPriceEvent,
  orderTradeUpdateEvent,
} from "./user-events";

/**
 * Binance USDⓈ-M futures websocket streams, on the spot gateway's framing (SUBSCRIBE / UNSUBSCRIBE /
 * LIST_SUBSCRIPTIONS, raw and combined `{stream, data}` wrapping, back-pressure and injected latency):
 * this class only adds the futures paths, stream names and payloads.
 *
 * Paths (under FUTURES_WS_PREFIX of urls.ts, the stand-in for wss://fstream.binance.com):
 * - `/fstream[/public|/market]/ws[/<stream>...]` raw, `/fstream[/public|/market]/stream?streams=a/b` combined;
 *   ccxt's binanceusdm uses `/fstream/market/ws/<n>` and `/fstream/public/ws/<n>` with SUBSCRIBE;
 * - user data: `/fstream/private/ws?listenKey=<key>` (ccxt), `/fstream/ws/<key>` (legacy).
 * Streams: `<sym>@markPrice[@1s]` (3 s / 1 s), `!markPrice@arr[@1s]`, `<sym>@kline_<interval>`,
 * `<sym>@aggTrade`, `<sym>@depth<5|10|20>[@100ms|@250ms|@500ms]` (partial books, 250 ms by default),
 * `<sym>@depth[@100ms|@250ms|@500ms]` (diffs with U / u / pu on the update ids of GET /fapi/v1/depth,
 * 250 ms by default, pushed on change), `<sym>@ticker`, `<sym>@miniTicker` (500 ms), `!miniTicker@arr`
 * (1 s), `<sym>@bookTicker`. Cadences are in simulated time (a frozen manual clock pushes the first
 * message of a subscription only), but for the diffs: publish rounds in real time, as the spot diffs,
 * since every cadence's chain of update ids is global.
 * User data: ORDER_TRADE_UPDATE on every order change, ACCOUNT_UPDATE on every fill, funding and
 * liquidation (as Binance: none for an order that is placed or cancelled without a fill),
 * ACCOUNT_CONFIG_UPDATE on a leverage change, MARGIN_CALL (see FuturesEngine.marginRatios).
 */

type FuturesSub =
  | { kind: "markPrice"; c: ContractSpec | null; everyMs: number; lastSlot: number }
  | { kind: "kline"; c: ContractSpec; market: SymbolMarket; interval: string; nextOpenTime: number; lastFormingAt: number; lastFormingKey: string }
  | { kind: "aggTrade"; c: ContractSpec; market: SymbolMarket; lastTradeId: number }
  | { kind: "depthPartial"; c: ContractSpec; levels: number; everyMs: number; lastSlot: number; lastU: number }
  | { kind: "depthDiff"; c: ContractSpec; rate: DiffRate }
  | { kind: "ticker" | "miniTicker"; c: ContractSpec; everyMs: number; lastSlot: number }
  | { kind: "allMiniTickers"; c: null; everyMs: number; lastSlot: number }
  | { kind: "bookTicker"; c: ContractSpec; lastKey: string; updateId: number };

// The spot gateway stores subscriptions opaquely; futures ones travel through it under its type.
const asSpot = (sub: FuturesSub) => sub as unknown as StreamSub;
const asFutures = (sub: StreamSub) => sub as unknown as FuturesSub;

export class FuturesWsGateway extends WsGateway {
  /** listenKey → account of each connection's user-data streams. */
  private readonly userStreams = new WeakMap<StreamConnection, Map<string, FuturesAccount>>();
  private readonly detachFutures: () => void;
  private futuresRound = 0;

  constructor(
    options: WsGatewayOptions,
    private readonly engine: FuturesEngine,
    readonly futuresKeys: FuturesListenKeys,
  ) {
    // The spot listenKey registry stays empty: spot user data never reaches a futures connection.
    super(options, new ListenKeyRegistry());
    const now = () => this.options.core.now();
    this.detachFutures = engine.addListener({
      onOrderUpdate: (acct, order, x, trade) => this.futuresUserEvent(acct, () => orderTradeUpdateEvent(engine, acct, order, x, trade, now())),
      onAccountUpdate: (acct, reason, symbols, time, change) => this.futuresUserEvent(acct, () => accountUpdateEvent(engine, acct, reason, symbols, time, change, now())),
      onLeverageUpdate: (acct, symbol, leverage) => this.futuresUserEvent(acct, () => accountConfigUpdateEvent(symbol, leverage, now())),
      onMarginCall: (acct, symbols, cross) => this.futuresUserEvent(acct, () => marginCallEvent(engine, acct, symbols, cross, now())),
    });
  }

  /** Open futures user-data streams. */
  get futuresUserStreamCount(): number {
    let count = 0;
    for (const conn of this.connections) if (conn.kind === "stream") count += this.userStreams.get(conn)?.size ?? 0;
    return count;
  }

  override handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://simulator.local");
    } catch {
      socket.destroy();
      return;
    }
    const reject = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nX-Simulated: true\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    const path = url.pathname.replace(/\/+$/, "");
    const match = new RegExp(`^${FUTURES_WS_PREFIX}(?:/(public|market|private))?/(ws|stream)(/.*)?$`).exec(path);
    if (!match) return reject(404, "Not Found");
    const combined = match[2] === "stream";
    const names = combined ? (url.searchParams.get("streams") ?? "").split("/") : (match[3] ?? "").split("/");
    const keys = new Map<string, FuturesAccount>();
    const queryKey = url.searchParams.get("listenKey");
    if (queryKey !== null) {
      const acct = this.futuresKeys.account(queryKey);
      if (!acct) return reject(400, "Invalid listenKey");
      keys.set(queryKey, acct);
    } else if (match[1] === "private") {
      return reject(400, "Missing listenKey");
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: StreamConnection = { kind: "stream", ws, combined, subs: new Map(), userStreams: new Map() };
      this.attach(conn);
      for (const name of names.filter(Boolean)) {
        const acct = this.futuresKeys.account(name);
        if (acct) keys.set(name, acct);
        else if (this.parseStream(name)) this.subscribe(conn, name);
        // Other segments (ccxt appends a stream index such as "/0") carry no subscription.
      }
      if (keys.size > 0) this.userStreams.set(conn, keys);
    });
  }

  protected override parseStream(name: string): StreamSub | null {
    if (name === "!miniTicker@arr") return asSpot({ kind: "allMiniTickers", c: null, everyMs: 1000, lastSlot: -1 });
    const all = /^!markPrice@arr(@1s)?$/.exec(name);
    if (all) return asSpot({ kind: "markPrice", c: null, everyMs: all[1] ? 1000 : 3000, lastSlot: -1 });
    const match = /^([a-z0-9]+)@(.+)$/.exec(name);
    if (!match) return null;
    const c = this.engine.contracts.get(match[1].toUpperCase());
    if (!c) return null;
    const market = this.options.core.markets.get(c.spot.id);
    if (!market) return null;
    const channel = match[2];
    const mark = /^markPrice(@1s)?$/.exec(channel);
    if (mark) return asSpot({ kind: "markPrice", c, everyMs: mark[1] ? 1000 : 3000, lastSlot: -1 });
    const kline = /^kline_(\w+)$/.exec(channel);
    if (kline) {
      if (!(kline[1] in INTERVAL_MS) || kline[1] === "1s") return null;
      return asSpot({ kind: "kline", c, market, interval: kline[1], nextOpenTime: 0, lastFormingAt: 0, lastFormingKey: "" });
    }
    if (channel === "aggTrade") return asSpot({ kind: "aggTrade", c, market, lastTradeId: market.lastTradeId });
    const partial = /^depth(5|10|20)(?:@(100|250|500)ms)?$/.exec(channel);
    if (partial) return asSpot({ kind: "depthPartial", c, levels: Number(partial[1]), everyMs: Number(partial[2] ?? 250), lastSlot: -1, lastU: 0 });
    const diff = /^depth(?:@(100|250|500)ms)?$/.exec(channel);
    if (diff) return asSpot({ kind: "depthDiff", c, rate: Number(diff[1] ?? 250) as DiffRate });
    if (channel === "ticker" || channel === "miniTicker") return asSpot({ kind: channel, c, everyMs: 500, lastSlot: -1 });
    if (channel === "bookTicker") return asSpot({ kind: "bookTicker", c, lastKey: "", updateId: 0 });
    return null;
  }

  protected override subscribe(conn: StreamConnection, name: string): void {
    if (conn.subs.has(name)) return;
    const spotSub = this.parseStream(name);
    if (!spotSub) return;
    const sub = asFutures(spotSub);
    if (sub.kind === "kline") sub.nextOpenTime = bucketStart(this.options.core.now(), sub.interval);
    // The book's state as of the subscription: the first diff carries what changes after it.
    if (sub.kind === "depthDiff") this.engine.depthFeed.sync(sub.c);
    conn.subs.set(name, spotSub);
  }

  /** One publish round: what changed since the last one, to every futures subscriber. */
  override publish(): void {
    const core = this.options.core;
    const now = core.now();
    const realNow = this.options.clock.now();
    const diffs = this.takeDepthDiffs();
    const tickers = new Map<string, FuturesTicker24h>();
    const ticker = (c: ContractSpec) => {
      let t = tickers.get(c.id);
      if (!t) tickers.set(c.id, (t = futuresTicker24h(this.engine, c, now)));
      return t;
    };
    for (const conn of this.connections) {
      if (conn.kind !== "stream") continue;
      for (const [name, spotSub] of conn.subs) {
        const sub = asFutures(spotSub);
        switch (sub.kind) {
          case "depthDiff": {
            const d = diffs.get(`${sub.c.id}@${sub.rate}`);
            if (d) this.sendStream(conn, name, { e: "depthUpdate", E: now, T: now, s: sub.c.id, U: d.U, u: d.u, pu: d.pu, b: d.bids, a: d.asks });
            break;
          }
          case "ticker":
          case "miniTicker": {
            const slot = Math.floor(now / sub.everyMs);
            if (slot === sub.lastSlot) break;
            sub.lastSlot = slot;
            const t = ticker(sub.c);
            this.sendStream(conn, name, sub.kind === "ticker" ? futuresTickerEvent(t, now) : futuresMiniTickerEvent(t, now));
            break;
          }
          case "allMiniTickers": {
            const slot = Math.floor(now / sub.everyMs);
            if (slot === sub.lastSlot) break;
            sub.lastSlot = slot;
            this.sendStream(conn, name, [...this.engine.contracts.values()].map((c) => futuresMiniTickerEvent(ticker(c), now)));
            break;
          }
          case "markPrice": {
            const slot = Math.floor(now / sub.everyMs);
            if (slot === sub.lastSlot) break;
            sub.lastSlot = slot;
            if (sub.c) this.sendStream(conn, name, markPriceEvent(this.engine, sub.c, now));
            else this.sendStream(conn, name, [...this.engine.contracts.values()].map((c) => markPriceEvent(this.engine, c, now)));
            break;
          }
          case "kline":
            this.publishFuturesKline(conn, name, sub, now, realNow);
            break;
          case "aggTrade":
            for (const trade of sub.market.tradesAfter(sub.lastTradeId, 200)) {
              sub.lastTradeId = trade.id;
              const q = new Decimal(trade.qty).toDecimalPlaces(sub.c.quantityPrecision, Decimal.ROUND_DOWN);
              if (q.isZero()) continue;
              this.sendStream(conn, name, {
                e: "aggTrade",
                E: now,
                a: trade.id,
                s: sub.c.id,
                p: this.engine.premium.contractPrice(sub.c, trade.price, trade.time).toFixed(sub.c.pricePrecision),
                q: q.toFixed(sub.c.quantityPrecision),
                f: trade.id,
                l: trade.id,
                T: trade.time,
                m: trade.isBuyerMaker,
              });
            }
            break;
          case "depthPartial": {
            const slot = Math.floor(now / sub.everyMs);
            if (slot === sub.lastSlot) break;
            sub.lastSlot = slot;
            const book = this.engine.depth(sub.c, sub.levels);
            const u = Math.max(book.lastUpdateId, sub.lastU + 1);
            this.sendStream(conn, name, { e: "depthUpdate", E: now, T: now, s: sub.c.id, U: u, u, pu: sub.lastU || u - 1, b: book.bids, a: book.asks });
            sub.lastU = u;
            break;
          }
          case "bookTicker": {
            const book = this.engine.depth(sub.c, 1);
            const [bid, ask] = [book.bids[0] ?? ["0", "0"], book.asks[0] ?? ["0", "0"]];
            const key = `${bid.join()}:${ask.join()}`;
            if (key === sub.lastKey) break;
            sub.lastKey = key;
            sub.updateId = Math.max(book.lastUpdateId, sub.updateId + 1);
            this.sendStream(conn, name, { e: "bookTicker", u: sub.updateId, E: now, T: now, s: sub.c.id, b: bid[0], B: bid[1], a: ask[0], A: ask[1] });
            break;
          }
        }
      }
    }
  }

  /**
   * This round's diff events, by `<contract>@<rate>`: the books with a diff subscriber are synced,
   * and every cadence that is due is drained for every book (listened to or not), so that each
   * cadence's U / u / pu chain stays contiguous and no accumulator grows unread.
   */
  private takeDepthDiffs(): Map<string, DepthDiff> {
    this.futuresRound += 1;
    const feed = this.engine.depthFeed;
    const watched = new Map<string, ContractSpec>();
    for (const conn of this.connections) {
      if (conn.kind !== "stream") continue;
      for (const spotSub of conn.subs.values()) {
        const sub = asFutures(spotSub);
        if (sub.kind === "depthDiff") watched.set(sub.c.id, sub.c);
      }
    }
    for (const c of watched.values()) feed.sync(c);
    const out = new Map<string, DepthDiff>();
    for (const rate of DIFF_RATES) {
      const every = Math.max(1, Math.round(rate / this.options.publishIntervalMs));
      if (this.futuresRound % every !== 0) continue;
      for (const id of feed.contractIds()) {
        const d = feed.take(id, rate);
        if (d) out.set(`${id}@${rate}`, d);
      }
    }
    return out;
  }

  private publishFuturesKline(conn: StreamConnection, name: string, sub: Extract<FuturesSub, { kind: "kline" }>, now: number, realNow: number): void {
    const bars = sub.market.klines({ interval: sub.interval, startTime: sub.nextOpenTime, limit: 1000, now });
    for (const bar of bars) {
      if (bar.closed) {
        this.sendStream(conn, name, this.futuresKlineEvent(sub.c, bar, now));
        sub.nextOpenTime = bucketShift(bar.openTime, sub.interval, 1);
        sub.lastFormingKey = "";
        continue;
      }
      const key = `${bar.openTime}:${bar.close}:${bar.high}:${bar.low}:${bar.trades}`;
      const due = this.options.core.manualClock || realNow - sub.lastFormingAt >= this.options.klineUpdateMs;
      if (key !== sub.lastFormingKey && due) {
        this.sendStream(conn, name, this.futuresKlineEvent(sub.c, bar, now));
        sub.lastFormingKey = key;
        sub.lastFormingAt = realNow;
      }
    }
  }

  /** Binance's futures kline event: the spot bar at contract prices (as GET /fapi/v1/klines). */
  private futuresKlineEvent(c: ContractSpec, bar: KlineBar, now: number) {
    const px = (p: number) => this.engine.premium.contractPrice(c, p, bar.openTime).toFixed(c.pricePrecision);
    return {
      e: "kline",
      E: now,
      s: c.id,
      k: {
        t: bar.openTime,
        T: bar.closeTime,
        s: c.id,
        i: bar.interval,
        f: bar.firstTradeId,
        L: bar.lastTradeId,
        o: px(bar.open),
        c: px(bar.close),
        h: px(bar.high),
        l: px(bar.low),
        v: bar.volume.toFixed(c.quantityPrecision),
        n: bar.trades,
        x: bar.closed,
        q: bar.quoteVolume.toFixed(5),
        V: bar.takerBuyBase.toFixed(c.quantityPrecision),
        Q: bar.takerBuyQuote.toFixed(5),
        B: "0",
      },
    };
  }

  private futuresUserEvent(acct: FuturesAccount, build: () => unknown): void {
    let payload: unknown;
    for (const conn of this.connections) {
      if (conn.kind !== "stream") continue;
      const keys = this.userStreams.get(conn);
      if (!keys) continue;
      for (const [listenKey, owner] of keys) {
        // A deleted listenKey stops its streams.
        if (owner !== acct || this.futuresKeys.account(listenKey) !== acct) continue;
        payload ??= build();
        this.sendStream(conn, listenKey, payload);
      }
    }
  }

  override close(): void {
    this.detachFutures();
    super.close();
  }
}
