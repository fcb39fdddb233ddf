import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { Logger } from "pino";
import type { Services } from "../http/services";
import type { EngineEvents } from "../engine/events";
import { candleDto, orderBookDto, orderDto, positionDto, signalDto, tradeDto } from "../engine/dto";
import { RateGate } from "./rate-gate";
import type { MarketTradeDto } from "../contract";

/**
 * The live feed. Socket.IO shares the HTTP server with Next; every connection is authenticated during
 * the handshake. It subscribes to the engine's bus (engines never call it), batches the busy streams
 * and sends each client only the order books it asked for.
 */
export interface Realtime {
  io: Server;
  close(): Promise<void>;
}

const FORMING_THROTTLE_MS = 250;
const BOOK_THROTTLE_MS = 250;
const STATUS_THROTTLE_MS = 1000;
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

export function attachRealtime(httpServer: HttpServer, services: Services, logger: Logger): Realtime {
  /** Closed candles sent per stream (room), the stream's sequence number. */
  const candleSeq = new Map<string, number>();
  const io = new Server(httpServer, { path: "/socket.io", serveClient: false, cors: { origin: false } });
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
    socket.emit("hello", { version: services.version, serverTime: Date.now() });
    socket.on("subscribe", (msg: { orderbook?: unknown; candles?: unknown }, ack?: unknown) => {
      if (typeof msg?.orderbook === "string" && msg.orderbook.length < 32) void socket.join(`book:${msg.orderbook}`);
      const streams = candleStreamsOf(msg?.candles);
      for (const s of streams) void socket.join(candleRoom(s.symbol, s.timeframe));
      // The ack tells each stream's current sequence number: the next closed candle is seq + 1.
      if (typeof ack === "function") ack({ candles: streams.map((s) => ({ ...s, seq: candleSeq.get(candleRoom(s.symbol, s.timeframe)) ?? 0 })) });
    });
    socket.on("unsubscribe", (msg: { orderbook?: unknown; candles?: unknown }) => {
      if (typeof msg?.orderbook === "string") void socket.leave(`book:${msg.orderbook}`);
      for (const s of candleStreamsOf(msg?.candles)) void socket.leave(candleRoom(s.symbol, s.timeframe));
    });
  });

  const offs: Array<() => void> = [];
  const engine = services.engine;
  if (engine) {
    const bus = engine.bus;
    const on = <K extends keyof EngineEvents>(event: K, fn: (p: EngineEvents[K]) => void) => offs.push(bus.on(event, fn));
    const lastSent = new Map<string, number>();
    const throttled = (key: string, ms: number) => {
      const now = Date.now();
      if (now - (lastSent.get(key) ?? 0) < ms) return true;
      lastSent.set(key, now);
      return false;
    };
    // Candles only to the clients that subscribed to the {symbol, timeframe} stream; closed candles
    // carry the stream's sequence number (a client that sees a gap refetches), forming updates the last one.
    on("candle", (c) => {
      const room = candleRoom(c.symbol, c.timeframe);
      const seq = (candleSeq.get(room) ?? 0) + 1;
      candleSeq.set(room, seq);
      io.to(room).emit("candle", { symbol: c.symbol, timeframe: c.timeframe, seq, candle: candleDto(c) });
    });
    on("candle:update", (c) => {
      const room = candleRoom(c.symbol, c.timeframe);
      if (!io.sockets.adapter.rooms.get(room)?.size || throttled(`c:${room}`, FORMING_THROTTLE_MS)) return;
      io.to(room).emit("candle", { symbol: c.symbol, timeframe: c.timeframe, seq: candleSeq.get(room) ?? 0, candle: candleDto(c) });
    });
    on("ticker", (t) => {
      if (throttled(`t:${t.symbol}`, FORMING_THROTTLE_MS)) return;
      io.emit("ticker", t);
    });
    on("orderbook", (b) => {
      if (throttled(`b:${b.symbol}`, BOOK_THROTTLE_MS)) return;
      io.to(`book:${b.symbol}`).emit("orderbook", orderBookDto(b, engine.market.orderBookDepth, engine.venue.simulated));
    });
    // Public trades (the trades tape): only to the clients watching that symbol's book, ≤ 20/s per symbol.
    const tradeGate = new RateGate(TRADES_PER_SECOND, 1000);
    offs.push(
      engine.market.events.on("trade", (t) => {
        const room = `book:${t.symbol}`;
        if (!io.sockets.adapter.rooms.get(room)?.size || !tradeGate.pass(t.symbol)) return;
        io.to(room).emit("market:trade", { symbol: t.symbol, price: t.price, quantity: t.amount, side: t.side ?? null, timestamp: t.timestamp, simulated: engine.venue.simulated } satisfies MarketTradeDto);
      }),
    );
    on("signal", (s) => io.emit("signal", signalDto(s)));
    on("order", (o) => io.emit("order", orderDto(o)));
    on("fill", (f) => io.emit("fill", f));
    on("position", (p) => io.emit("position", positionDto(p, engine)));
    on("trade", (t) => io.emit("trade", tradeDto(t)));
    on("equity", (e) => io.emit("equity", e));
    on("risk:event", (r) => io.emit("risk:event", r));
    on("trading-state", (s) => io.emit("trading-state", s));
    on("kill-switch", (k) => io.emit("kill-switch", k));
    on("mode:changed", (m) => io.emit("mode", m));
    // Always the full list of every mode, at once (no batching: the banner must show within a second).
    on("exit:alarm", () => io.emit("exit:alarm", { alarms: engine.kernel.exitAlarms() }));
    const statusTimer = setInterval(() => {
      if (io.engine.clientsCount === 0 || throttled("status", STATUS_THROTTLE_MS)) return;
      services
        .status()
        .then((status) => io.emit("status", status))
        .catch((err) => logger.debug({ err }, "status push failed"));
    }, STATUS_THROTTLE_MS);
    offs.push(() => clearInterval(statusTimer));
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
