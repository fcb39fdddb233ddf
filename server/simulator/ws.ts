import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import type { Clock } from "../core/clock";
import { accountForKey, checkTimestamp, verifyWsApiSignature } from "./auth";
import { BinanceError, binanceErrors } from "./binance-errors";
import { bucketShift, bucketStart, isSpotInterval } from "./candles";
import type { SimulatorCore } from "./core";
import {
  accountPositionEvent,
  aggTradeEvent,
  executionReportEvent,
  klineEvent,
  listStatusEvent,
  miniTickerEvent,
  ticker24hEvent,
  tradeEvent,
} from "./formats";
import { fmt8 } from "./instruments";
import type { SymbolMarket } from "./market";
import type { Account, ExecutionReport } from "./matching-engine";
import type { ListenKeys } from "./rest";

/**
 * The WebSocket half of the simulator:
 * - market streams at `/stream/ws[/...]` (raw) and `/stream?streams=a/b` (combined, wrapped in
 *   `{stream, data}`), with SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS like Binance:
 *   `<sym>@kline_<interval>`, `<sym>@trade`, `<sym>@aggTrade`, `<sym>@depth[@100ms|@1000ms]`
 *   (diffs with U/u), `<sym>@depth<5|10|20>[@100ms]` (partial books), `<sym>@ticker`,
 *   `<sym>@miniTicker`, `<sym>@bookTicker`, `!miniTicker@arr` (`!ticker@arr` is retired, not served);
 * - user data by listenKey at `/stream/ws/<listenKey>` (unreachable: the listenKey REST endpoints
 *   that create one answer 410, as Binance retired them; user data is on the WebSocket API);
 * - the WebSocket API at `/ws-api/v3`, where ccxt's spot watchOrders / watchMyTrades / watchBalance
 *   subscribe with `userDataStream.subscribe.signature` and receive `{subscriptionId, event}`.
 * Streaming time stamps (E, T, kline t) are simulated time.
 */

export interface WsGatewayOptions {
  core: SimulatorCore;
  clock: Clock;
  /** Minimum real time between two forming-candle updates of one kline stream (manual clock: none). */
  klineUpdateMs: number;
  /** Real time between two publish rounds (the 100 ms depth stream's cadence). */
  publishIntervalMs: number;
}

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const MAX_STREAMS_PER_CONNECTION = 1024;

type Rate = "fast" | "slow";

export type StreamSub =
  | { kind: "kline"; market: SymbolMarket; interval: string; nextOpenTime: number; lastFormingAt: number; lastFormingKey: string }
  | { kind: "trade" | "aggTrade"; market: SymbolMarket; lastTradeId: number }
  | { kind: "depthDiff"; market: SymbolMarket; rate: Rate }
  | { kind: "depthPartial"; market: SymbolMarket; levels: number; rate: Rate }
  | { kind: "ticker" | "miniTicker"; market: SymbolMarket }
  | { kind: "allTickers" | "allMiniTickers"; market: null }
  | { kind: "bookTicker"; market: SymbolMarket; lastKey: string };

export interface StreamConnection {
  kind: "stream";
  ws: WebSocket;
  combined: boolean;
  subs: Map<string, StreamSub>;
  /** listenKey → account for user data on this connection. */
  userStreams: Map<string, Account>;
}

interface ApiConnection {
  kind: "api";
  ws: WebSocket;
  /** subscriptionId → account. */
  userSubs: Map<number, Account>;
}

export type Connection = StreamConnection | ApiConnection;

export class ListenKeyRegistry implements ListenKeys {
  private readonly keys = new Map<string, Account>();

  create(account: Account): string {
    for (const [key, owner] of this.keys) if (owner === account) return key;
    const key = randomBytes(30).toString("hex");
    this.keys.set(key, account);
    return key;
  }

  keepAlive(listenKey: string, account: Account): void {
    if (this.keys.get(listenKey) !== account) throw binanceErrors.invalidListenKey();
  }

  remove(listenKey: string, account: Account): void {
    if (this.keys.get(listenKey) !== account) throw binanceErrors.invalidListenKey();
    this.keys.delete(listenKey);
  }

  account(listenKey: string): Account | undefined {
    return this.keys.get(listenKey);
  }
}

export class WsGateway {
  protected readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  protected readonly connections = new Set<Connection>();
  private publishRound = 0;
  private nextSubscriptionId = 0;
  private readonly detachListener: () => void;

  constructor(
    protected readonly options: WsGatewayOptions,
    readonly listenKeys: ListenKeyRegistry,
  ) {
    this.wss.on("headers", (headers) => headers.push("X-Simulated: true"));
    this.detachListener = options.core.addListener({
      onExecutionReport: (account, report) => this.userEvent(account, () => executionReportEvent(report as ExecutionReport)),
      onBalanceUpdate: (account, assets, time) => this.userEvent(account, () => accountPositionEvent(account, assets, time)),
      onListStatus: (account, list, time) => this.userEvent(account, () => listStatusEvent(list, time)),
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** User-data subscriptions (WebSocket API subscriptions plus listenKey streams). */
  get userStreamCount(): number {
    let count = 0;
    for (const conn of this.connections) count += conn.kind === "api" ? conn.userSubs.size : conn.userStreams.size;
    return count;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://simulator.local");
    } catch {
      socket.destroy();
      return;
    }
    const path = url.pathname.replace(/\/+$/, "");
    const reject = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nX-Simulated: true\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (path === "/ws-api/v3") {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.attach({ kind: "api", ws, userSubs: new Map() }));
      return;
    }
    const combined = path === "/stream" || path === "/stream/stream";
    const raw = /^(\/stream)?\/ws(\/.*)?$/.exec(path);
    if (!combined && !raw) return reject(404, "Not Found");
    const initial = combined ? (url.searchParams.get("streams") ?? "").split("/") : (raw?.[2] ?? "").split("/");
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: StreamConnection = { kind: "stream", ws, combined, subs: new Map(), userStreams: new Map() };
      this.attach(conn);
      for (const name of initial.filter(Boolean)) {
        const account = this.listenKeys.account(name);
        if (account) conn.userStreams.set(name, account);
        else if (this.parseStream(name)) this.subscribe(conn, name);
        // Other path segments (ccxt appends a stream index such as "/0") carry no subscription.
      }
    });
  }

  protected attach(conn: Connection): void {
    this.connections.add(conn);
    conn.ws.on("message", (data) => this.onMessage(conn, data));
    conn.ws.on("close", () => this.connections.delete(conn));
    conn.ws.on("error", () => {
      this.connections.delete(conn);
      conn.ws.terminate();
    });
  }

  protected send(conn: Connection, payload: unknown): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    // A consumer that cannot keep up is disconnected, as Binance does.
    if (conn.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      conn.ws.terminate();
      this.connections.delete(conn);
      return;
    }
    const text = JSON.stringify(payload);
    const latency = this.options.core.faults.latencyMs;
    // Injected latency delays every message by the same amount, so their order is kept.
    if (latency > 0) setTimeout(() => conn.ws.readyState === WebSocket.OPEN && conn.ws.send(text), latency);
    else conn.ws.send(text);
  }

  protected sendStream(conn: StreamConnection, stream: string, data: unknown): void {
    this.send(conn, conn.combined ? { stream, data } : data);
  }

  // -------------------------------------------------------------- client messages

  private onMessage(conn: Connection, data: RawData): void {
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      if (conn.kind === "api") this.send(conn, { id: null, status: 400, error: { code: -1100, msg: "Malformed request: invalid JSON." } });
      else this.send(conn, { error: { code: 3, msg: "Invalid JSON: the message could not be parsed" }, id: null });
      return;
    }
    try {
      if (conn.kind === "api") this.onApiRequest(conn, message);
      else this.onStreamRequest(conn, message);
    } catch (err) {
      const msg = (err as Error).message;
      if (conn.kind === "api") this.send(conn, { id: null, status: 500, error: { code: -1000, msg } });
      else this.send(conn, { error: { code: 0, msg }, id: null });
    }
  }

  private onStreamRequest(conn: StreamConnection, message: unknown): void {
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      this.send(conn, { error: { code: 2, msg: "Invalid request: request must be an object" }, id: null });
      return;
    }
    const { method, params, id } = message as { method?: unknown; params?: unknown; id?: unknown };
    const validId = typeof id === "number" || typeof id === "string" || id === null || id === undefined;
    if (!validId) {
      this.send(conn, { error: { code: 1, msg: "Invalid value type: expected a number or string id" }, id: null });
      return;
    }
    const replyId = id ?? null;
    if (method === "SUBSCRIBE" || method === "UNSUBSCRIBE") {
      if (!Array.isArray(params) || !params.every((p) => typeof p === "string")) {
        this.send(conn, { error: { code: 2, msg: "Invalid request: params must be an array of stream names" }, id: replyId });
        return;
      }
      const names = params as string[];
      const bad = names.find((n) => this.parseStream(n) === null);
      if (bad !== undefined) {
        this.send(conn, { error: { code: 2, msg: `Invalid request: invalid stream ${bad}` }, id: replyId });
        return;
      }
      if (method === "SUBSCRIBE" && conn.subs.size + names.length > MAX_STREAMS_PER_CONNECTION) {
        this.send(conn, { error: { code: 2, msg: "Invalid request: too many streams on this connection" }, id: replyId });
        return;
      }
      for (const name of names) {
        if (method === "SUBSCRIBE") this.subscribe(conn, name);
        else conn.subs.delete(name);
      }
      this.send(conn, { result: null, id: replyId });
      return;
    }
    if (method === "LIST_SUBSCRIPTIONS") {
      this.send(conn, { result: [...conn.subs.keys()], id: replyId });
      return;
    }
    if (method === "SET_PROPERTY" || method === "GET_PROPERTY") {
      this.send(conn, { result: method === "GET_PROPERTY" ? conn.combined : null, id: replyId });
      return;
    }
    this.send(conn, { error: { code: 2, msg: `Invalid request: unknown method ${String(method)}` }, id: replyId });
  }

  private onApiRequest(conn: ApiConnection, message: unknown): void {
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      this.send(conn, { id: null, status: 400, error: { code: -1100, msg: "Malformed request: expected a JSON object." } });
      return;
    }
    const { id, method, params } = message as { id?: unknown; method?: unknown; params?: unknown };
    const replyId = typeof id === "string" || typeof id === "number" ? id : null;
    const ok = (result: unknown) => this.send(conn, { id: replyId, status: 200, result, rateLimits: [] });
    const fail = (err: BinanceError) => this.send(conn, { id: replyId, status: err.httpStatus, error: err.toJSON() });
    const p = (typeof params === "object" && params !== null && !Array.isArray(params) ? params : {}) as Record<string, unknown>;
    try {
      switch (method) {
        case "ping":
          return ok({});
        case "time":
          return ok({ serverTime: this.options.core.now() + this.options.core.faults.clockSkewMs });
        case "userDataStream.subscribe.signature": {
          const account = accountForKey(this.options.core.engine, typeof p.apiKey === "string" ? p.apiKey : undefined);
          verifyWsApiSignature(account, p);
          checkTimestamp(
            p.timestamp === undefined ? undefined : String(p.timestamp),
            p.recvWindow === undefined ? undefined : String(p.recvWindow),
            this.options.clock.now() + this.options.core.faults.clockSkewMs,
          );
          const subscriptionId = this.nextSubscriptionId++;
          conn.userSubs.set(subscriptionId, account);
          return ok({ subscriptionId });
        }
        case "userDataStream.unsubscribe": {
          if (p.subscriptionId === undefined) conn.userSubs.clear();
          else if (!conn.userSubs.delete(Number(p.subscriptionId))) throw binanceErrors.invalidParameter("subscriptionId");
          return ok({});
        }
        case "session.subscriptions":
          return ok([...conn.userSubs.keys()].map((subscriptionId) => ({ subscriptionId })));
        default:
          throw binanceErrors.unsupportedOperation(`The Tradekeel simulator's WebSocket API does not implement method ${String(method)}.`);
      }
    } catch (err) {
      if (err instanceof BinanceError) fail(err);
      else fail(binanceErrors.unknown((err as Error).message));
    }
  }

  // -------------------------------------------------------------- streams

  protected parseStream(name: string): StreamSub | null {
    // "!ticker@arr" was retired by Binance (use <symbol>@ticker or !miniTicker@arr): not served.
    if (name === "!miniTicker@arr") return { kind: "allMiniTickers", market: null };
    const match = /^([a-z0-9]+)@(.+)$/.exec(name);
    if (!match) return null;
    const market = this.options.core.markets.get(match[1].toUpperCase());
    if (!market) return null;
    const channel = match[2];
    const kline = /^kline_(\w+)$/.exec(channel);
    if (kline) {
      if (!isSpotInterval(kline[1])) return null;
      return { kind: "kline", market, interval: kline[1], nextOpenTime: 0, lastFormingAt: 0, lastFormingKey: "" };
    }
    if (channel === "trade" || channel === "aggTrade") return { kind: channel, market, lastTradeId: market.lastTradeId };
    const diff = /^depth(@100ms|@1000ms)?$/.exec(channel);
    if (diff) return { kind: "depthDiff", market, rate: diff[1] === "@100ms" ? "fast" : "slow" };
    const partial = /^depth(5|10|20)(@100ms|@1000ms)?$/.exec(channel);
    if (partial) return { kind: "depthPartial", market, levels: Number(partial[1]), rate: partial[2] === "@100ms" ? "fast" : "slow" };
    if (channel === "ticker" || channel === "miniTicker") return { kind: channel, market };
    if (channel === "bookTicker") return { kind: "bookTicker", market, lastKey: "" };
    return null;
  }

  protected subscribe(conn: StreamConnection, name: string): void {
    if (conn.subs.has(name)) return;
    const sub = this.parseStream(name);
    if (!sub) return;
    if (sub.kind === "kline") {
      sub.nextOpenTime = sub.interval === "1s" ? Math.floor(this.options.core.now() / 1000) * 1000 : bucketStart(this.options.core.now(), sub.interval);
    }
    conn.subs.set(name, sub);
  }

  /** One publish round: push what changed since the last round to every subscriber. */
  publish(): void {
    const core = this.options.core;
    const now = core.now();
    const realNow = this.options.clock.now();
    this.publishRound += 1;
    const slowRound = this.publishRound % Math.max(1, Math.round(1000 / this.options.publishIntervalMs)) === 0;
    // Diffs are taken every round whether or not anyone listens, so the update ids stay contiguous.
    const diffs = new Map<string, { fast: ReturnType<SymbolMarket["book"]["takeDiff"]>; slow: ReturnType<SymbolMarket["book"]["takeDiff"]> }>();
    for (const market of core.markets.values()) {
      diffs.set(market.spec.id, { fast: market.book.takeDiff("fast"), slow: slowRound ? market.book.takeDiff("slow") : null });
    }
    const tickerCache = new Map<string, ReturnType<SymbolMarket["ticker24h"]>>();
    const ticker = (m: SymbolMarket) => {
      let t = tickerCache.get(m.spec.id);
      if (!t) tickerCache.set(m.spec.id, (t = m.ticker24h(now)));
      return t;
    };
    for (const conn of this.connections) {
      if (conn.kind !== "stream") continue;
      for (const [name, sub] of conn.subs) {
        if (sub.market === null) {
          if (slowRound) {
            const all = [...core.markets.values()];
            this.sendStream(
              conn,
              name,
              sub.kind === "allTickers"
                ? all.map((m) => {
                    const { bid, ask } = m.book.top;
                    return ticker24hEvent(ticker(m), bid, ask, now);
                  })
                : all.map((m) => miniTickerEvent(ticker(m), now)),
            );
          }
          continue;
        }
        const symbol = sub.market.spec.id;
        switch (sub.kind) {
          case "kline":
            this.publishKline(conn, name, sub, now, realNow);
            break;
          case "trade":
          case "aggTrade":
            for (const trade of sub.market.tradesAfter(sub.lastTradeId, 200)) {
              this.sendStream(conn, name, sub.kind === "trade" ? tradeEvent(symbol, trade, now) : aggTradeEvent(symbol, trade, now));
              sub.lastTradeId = trade.id;
            }
            break;
          case "depthDiff": {
            const diff = diffs.get(symbol)?.[sub.rate];
            if (diff) {
              this.sendStream(conn, name, {
                e: "depthUpdate",
                E: now,
                s: symbol,
                U: diff.firstUpdateId,
                u: diff.finalUpdateId,
                b: diff.bids.map(([p, q]) => [fmt8(p), fmt8(q)]),
                a: diff.asks.map(([p, q]) => [fmt8(p), fmt8(q)]),
              });
            }
            break;
          }
          case "depthPartial":
            if (sub.rate === "fast" || slowRound) {
              const snap = sub.market.book.snapshot(sub.levels);
              this.sendStream(conn, name, {
                lastUpdateId: snap.lastUpdateId,
                bids: snap.bids.map((l) => [fmt8(l.price), fmt8(l.qty)]),
                asks: snap.asks.map((l) => [fmt8(l.price), fmt8(l.qty)]),
              });
            }
            break;
          case "ticker":
            if (slowRound) {
              const { bid, ask } = sub.market.book.top;
              this.sendStream(conn, name, ticker24hEvent(ticker(sub.market), bid, ask, now));
            }
            break;
          case "miniTicker":
            if (slowRound) this.sendStream(conn, name, miniTickerEvent(ticker(sub.market), now));
            break;
          case "bookTicker": {
            const { bid, ask } = sub.market.book.top;
            const key = `${bid?.price}:${bid?.qty}:${ask?.price}:${ask?.qty}`;
            if (key !== sub.lastKey) {
              sub.lastKey = key;
              this.sendStream(conn, name, {
                u: sub.market.book.updateId,
                s: symbol,
                b: fmt8(bid?.price ?? 0),
                B: fmt8(bid?.qty ?? 0),
                a: fmt8(ask?.price ?? 0),
                A: fmt8(ask?.qty ?? 0),
              });
            }
            break;
          }
        }
      }
    }
  }

  private publishKline(conn: StreamConnection, name: string, sub: Extract<StreamSub, { kind: "kline" }>, now: number, realNow: number): void {
    const symbol = sub.market.spec.id;
    const bars = sub.market.klines({ interval: sub.interval, startTime: sub.nextOpenTime, limit: 1000, now });
    for (const bar of bars) {
      if (bar.closed) {
        this.sendStream(conn, name, klineEvent(symbol, bar, now));
        sub.nextOpenTime = sub.interval === "1s" ? bar.openTime + 1000 : bucketShift(bar.openTime, sub.interval, 1);
        sub.lastFormingKey = "";
        continue;
      }
      const key = `${bar.openTime}:${bar.close}:${bar.high}:${bar.low}:${bar.trades}`;
      const due = this.options.core.manualClock || realNow - sub.lastFormingAt >= this.options.klineUpdateMs;
      if (key !== sub.lastFormingKey && due) {
        this.sendStream(conn, name, klineEvent(symbol, bar, now));
        sub.lastFormingKey = key;
        sub.lastFormingAt = realNow;
      }
    }
  }

  private userEvent(account: Account, build: () => unknown): void {
    let payload: unknown;
    for (const conn of this.connections) {
      if (conn.kind === "api") {
        for (const [subscriptionId, owner] of conn.userSubs) {
          if (owner !== account) continue;
          payload ??= build();
          this.send(conn, { subscriptionId, event: payload });
        }
      } else {
        for (const [listenKey, owner] of conn.userStreams) {
          if (owner !== account) continue;
          payload ??= build();
          this.sendStream(conn, listenKey, payload);
        }
      }
    }
  }

  /** Drop every connection abruptly (a network failure as the client sees it). */
  dropAll(): number {
    const count = this.connections.size;
    for (const conn of this.connections) conn.ws.terminate();
    this.connections.clear();
    return count;
  }

  close(): void {
    this.detachListener();
    this.dropAll();
    this.wss.close();
  }
}
