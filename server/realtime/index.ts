import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { Logger } from "pino";
import type { Services } from "../http/services";
import type { EngineEvents } from "../engine/events";
import { candleDto, orderBookDto, positionDto, tradeDto } from "../engine/dto";

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

export function attachRealtime(httpServer: HttpServer, services: Services, logger: Logger): Realtime {
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
    socket.on("subscribe", (msg: { orderbook?: unknown }) => {
      if (typeof msg?.orderbook === "string" && msg.orderbook.length < 32) void socket.join(`book:${msg.orderbook}`);
    });
    socket.on("unsubscribe", (msg: { orderbook?: unknown }) => {
      if (typeof msg?.orderbook === "string") void socket.leave(`book:${msg.orderbook}`);
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
    on("candle", (c) => io.emit("candle", { symbol: c.symbol, timeframe: c.timeframe, candle: candleDto(c) }));
    on("candle:update", (c) => {
      if (throttled(`c:${c.symbol}:${c.timeframe}`, FORMING_THROTTLE_MS)) return;
      io.emit("candle", { symbol: c.symbol, timeframe: c.timeframe, candle: candleDto(c) });
    });
    on("ticker", (t) => {
      if (throttled(`t:${t.symbol}`, FORMING_THROTTLE_MS)) return;
      io.emit("ticker", t);
    });
    on("orderbook", (b) => {
      if (throttled(`b:${b.symbol}`, BOOK_THROTTLE_MS)) return;
      io.to(`book:${b.symbol}`).emit("orderbook", orderBookDto(b, 20, engine.venue.simulated));
    });
    on("signal", (s) => io.emit("signal", s));
    on("order", (o) => io.emit("order", o));
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
