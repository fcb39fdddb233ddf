import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { Logger } from "pino";
import type { Services } from "../http/services";
import { type EngineEvents, candleDto, orderBookDto, orderDto, positionDto, signalDto, tradeDto } from "../engine";
import { RateGate } from "./rate-gate";
import type { ExitAlarmsDto, MarketTradeDto } from "../contract";
import { exitAlarmDto } from "../application";
import { systemClock, type Clock } from "../core/clock";
import { repeatEvery, schedulerOf, type TaskScheduler } from "../core/scheduler";

/**
 * The live feed. Socket.IO shares the HTTP server with Next; every connection is authenticated during
 * the handshake. It subscribes to the engine's bus (engines never call it), batches the busy streams
 * and sends each client only the order books it asked for.
 */
export interface Realtime {
  io: Server;
  close(): Promise<void>;
}

export interface RealtimeOptions {
  /**
   * Wall time of the feed: the status push's beat and the throttles of the busy streams. Wall time, not
   * the market clock (the simulator's runs SIM_SPEED times faster): the header shows the state now, once
   * a second, as the ledger snapshots run on wall time. Default: the system clock.
   */
  clock?: Clock;
  /** Timers of the status push; default: the clock's (a ManualClock runs them as it advances). */
  scheduler?: TaskScheduler;
  /**
   * A web node apart from the engine (issue 19): the Socket.IO adapter that fans the engine's events
   * (published once to Redis, server/cluster) out to this node's clients, and the closed-candle sequence
   * numbers the engine keeps (for the subscribe ack). Unset: one process, the engine's bus feeds this server.
   */
  cluster?: {
    adapter: NonNullable<ServerOptions["adapter"]>;
    candleSeqs(rooms: string[]): Promise<number[]>;
  };
}

/**
 * Where the engine's feed goes: this process's Socket.IO server, or (an engine apart from its web
 * nodes) the Redis emitter whose messages every web node's adapter hands to its clients.
 */
export interface FeedOutlet {
  emit(event: string, payload: unknown): unknown;
  to(room: string): { emit(event: string, payload: unknown): unknown };
  /** False when nobody can be listening in a room (skips work); true when unknown (another node's clients). */
  watched(room: string): boolean;
  /** False when no client is connected anywhere this outlet knows of. */
  anyClient(): boolean;
}

export interface FeedOptions extends Omit<RealtimeOptions, "cluster"> {
  /** Closed candles sent per stream (room): its sequence number (shared with the subscribe ack). */
  candleSeq?: Map<string, number>;
  /** Told each closed candle's new sequence number before it is sent (the engine stores it for the web nodes). */
  onCandleSeq?: (room: string, seq: number) => void;
}

const FORMING_THROTTLE_MS = 250;
const BOOK_THROTTLE_MS = 250;
/** The header's status is pushed this often (wall time) while a client is connected. */
const STATUS_PUSH_MS = 1000;
/** Public trades per symbol and second on `market:trade` (docs/api.md issue 21). */
const TRADES_PER_SECOND = 20;

/** Most candle streams one subscribe message may name. */
const MAX_CANDLE_STREAMS = 64;

export interface CandleStream {
  symbol: string;
  timeframe: string;
}

export const candleRoom = (symbol: string, timeframe: string) => `candles:${symbol}|${timeframe}`;

/** `{ symbol, timeframe }` or a list of them; anything else is ignored (never an error on the feed). */
export function candleStreamsOf(value: unknown): CandleStream[] {
  const list = Array.isArray(value) ? value : value && typeof value === "object" ? [value] : [];
  const out: CandleStream[] = [];
  for (const item of list.slice(0, MAX_CANDLE_STREAMS)) {
    const { symbol, timeframe } = (item ?? {}) as { symbol?: unknown; timeframe?: unknown };
    if (typeof symbol === "string" && symbol.length > 0 && symbol.length < 32 && typeof timeframe === "string" && /^[0-9]{1,3}[mhdwM]$/.test(timeframe)) out.push({ symbol, timeframe });
  }
  return out;
}

export function attachRealtime(httpServer: HttpServer, services: Services, logger: Logger, options: RealtimeOptions = {}): Realtime {
  const clock = options.clock ?? systemClock;
  /** Closed candles sent per stream (room), the stream's sequence number. */
  const candleSeq = new Map<string, number>();
  const cluster = options.cluster;
  const io = new Server(httpServer, { path: "/socket.io", serveClient: false, cors: { origin: false }, ...(cluster ? { adapter: cluster.adapter } : {}) });
  io.use((socket, nextFn) => {
    const token = typeof socket.handshake.auth?.token === "string" ? socket.handshake.auth.token : undefined;
    services.auth
      .authorizeSocket({ headers: socket.handshake.headers, token })
      .then((principal) => {
        socket.data.principal = principal;
        nextFn();
      })
      .catch((err: Error) => nextFn(Object.assign(new Error(err.message || "unauthorized"), { data: { code: "UNAUTHENTICATED" } })));
  });
  io.on("connection", (socket) => {
    socket.emit("hello", { version: services.version, serverTime: clock.now() });
    socket.on("subscribe", (msg: { orderbook?: unknown; candles?: unknown }, ack?: unknown) => {
      if (typeof msg?.orderbook === "string" && msg.orderbook.length < 32) void socket.join(`book:${msg.orderbook}`);
      const streams = candleStreamsOf(msg?.candles);
      for (const s of streams) void socket.join(candleRoom(s.symbol, s.timeframe));
      // The ack tells each stream's current sequence number: the next closed candle is seq + 1.
      if (typeof ack !== "function") return;
      if (!cluster) return void ack({ candles: streams.map((s) => ({ ...s, seq: candleSeq.get(candleRoom(s.symbol, s.timeframe)) ?? 0 })) });
      // A web node: the engine keeps the numbers (a failed read says 0: the client refetches on the next candle).
      cluster
        .candleSeqs(streams.map((s) => candleRoom(s.symbol, s.timeframe)))
        .catch(() => streams.map(() => 0))
        .then((seqs) => ack({ candles: streams.map((s, i) => ({ ...s, seq: seqs[i] ?? 0 })) }));
    });
    socket.on("unsubscribe", (msg: { orderbook?: unknown; candles?: unknown }) => {
      if (typeof msg?.orderbook === "string") void socket.leave(`book:${msg.orderbook}`);
      for (const s of candleStreamsOf(msg?.candles)) void socket.leave(candleRoom(s.symbol, s.timeframe));
    });
  });

  const offs: Array<() => void> = [];
  if (services.engine) {
    const outlet: FeedOutlet = {
      emit: (event, payload) => io.emit(event, payload),
      to: (room) => io.to(room),
      watched: (room) => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0,
      anyClient: () => io.engine.clientsCount > 0,
    };
    offs.push(publishFeed(outlet, services, logger, { ...options, candleSeq }));
  }

  return {
    io,
    close: () =>
      new Promise<void>((resolve) => {
        for (const off of offs.splice(0)) off();
        io.close(() => resolve());
      }),
  };
}

/**
 * The engine's events → an outlet: candles to the clients of their {symbol, timeframe} stream, busy
 * streams throttled, public trades gated to 20/s per symbol, the status pushed every second. The same
 * wiring in one process (this server) and on an engine apart from its web nodes (server/cluster: the
 * Redis emitter, so every event is published once and reaches every node in order). Returns the unsubscribe.
 */
export function publishFeed(out: FeedOutlet, services: Services, logger: Logger, options: FeedOptions = {}): () => void {
  const engine = services.engine;
  if (!engine) return () => {};
  const clock = options.clock ?? systemClock;
  const candleSeq = options.candleSeq ?? new Map<string, number>();
  const offs: Array<() => void> = [];
  const bus = engine.bus;
  const on = <K extends keyof EngineEvents>(event: K, fn: (p: EngineEvents[K]) => void) => offs.push(bus.on(event, fn));
  const lastSent = new Map<string, number>();
  const throttled = (key: string, ms: number) => {
    const now = clock.now();
    const last = lastSent.get(key);
    if (last !== undefined && now - last < ms) return true;
    lastSent.set(key, now);
    return false;
  };
  // Candles only to the clients that subscribed to the {symbol, timeframe} stream; closed candles
  // carry the stream's sequence number (a client that sees a gap refetches), forming updates the last one.
  on("candle", (c) => {
    const room = candleRoom(c.symbol, c.timeframe);
    const seq = (candleSeq.get(room) ?? 0) + 1;
    candleSeq.set(room, seq);
    options.onCandleSeq?.(room, seq);
    out.to(room).emit("candle", { symbol: c.symbol, timeframe: c.timeframe, seq, candle: candleDto(c) });
  });
  on("candle:update", (c) => {
    const room = candleRoom(c.symbol, c.timeframe);
    if (!out.watched(room) || throttled(`c:${room}`, FORMING_THROTTLE_MS)) return;
    out.to(room).emit("candle", { symbol: c.symbol, timeframe: c.timeframe, seq: candleSeq.get(room) ?? 0, candle: candleDto(c) });
  });
  on("ticker", (t) => {
    if (throttled(`t:${t.symbol}`, FORMING_THROTTLE_MS)) return;
    out.emit("ticker", t);
  });
  on("orderbook", (b) => {
    if (throttled(`b:${b.symbol}`, BOOK_THROTTLE_MS)) return;
    out.to(`book:${b.symbol}`).emit("orderbook", orderBookDto(b, engine.market.orderBookDepth, engine.venue.simulated));
  });
  // Public trades (the trades tape): only to the clients watching that symbol's book, ≤ 20/s per symbol.
  const tradeGate = new RateGate(TRADES_PER_SECOND, 1000, () => clock.now());
  offs.push(
    engine.market.events.on("trade", (t) => {
      const room = `book:${t.symbol}`;
      if (!out.watched(room) || !tradeGate.pass(t.symbol)) return;
      out.to(room).emit("market:trade", { symbol: t.symbol, price: t.price, quantity: t.amount, side: t.side ?? null, timestamp: t.timestamp, simulated: engine.venue.simulated } satisfies MarketTradeDto);
    }),
  );
  on("signal", (s) => out.emit("signal", signalDto(s)));
  on("order", (o) => out.emit("order", orderDto(o)));
  on("fill", (f) => out.emit("fill", f));
  on("position", (p) => out.emit("position", positionDto(p, engine)));
  on("trade", (t) => out.emit("trade", tradeDto(t)));
  on("equity", (e) => out.emit("equity", e));
  on("risk:event", (r) => out.emit("risk:event", r));
  on("trading-state", (s) => out.emit("trading-state", s));
  on("kill-switch", (k) => out.emit("kill-switch", k));
  on("mode:changed", (m) => out.emit("mode", m));
  // Always the full list of every mode, at once (no batching: the banner must show within a second).
  on("exit:alarm", () => out.emit("exit:alarm", { alarms: engine.kernel.exitAlarms().map(exitAlarmDto) } satisfies ExitAlarmsDto));
  // One push at a time: a status that takes longer than a beat (a loaded machine) is not stacked.
  let pushing = false;
  const statusTask = repeatEvery(options.scheduler ?? schedulerOf(clock, { unref: true }), clock, STATUS_PUSH_MS, () => {
    if (pushing || !out.anyClient()) return;
    pushing = true;
    services
      .status()
      .then((status) => out.emit("status", status))
      .catch((err) => logger.debug({ err }, "status push failed"))
      .finally(() => (pushing = false));
  });
  offs.push(() => statusTask.cancel());
  return () => {
    for (const off of offs.splice(0)) off();
  };
}
