import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock } from "../core/clock";
import { SimulatorCore, type CoreState, type SimulatorCoreOptions } from "./core";
import { loadReplayCsv, type CsvCandle } from "./csv";
import { BINANCE_RATE_LIMITS, RateLimiter, type RateLimitConfig } from "./rate-limits";
import { FaultController } from "./faults";
import { createRestHandler } from "./rest";
import { ListenKeyRegistry, WsGateway } from "./ws";
import { attachFutures } from "./futures";

/** Options of the networked simulator: the core's plus where to listen and how often to stream. */
export interface SimulatorOptions extends Omit<SimulatorCoreOptions, "csv" | "faults"> {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default 127.0.0.1. The admin API answers loopback clients only, whatever the host. */
  host?: string;
  /** Replay a candle CSV for one symbol: a file path, or rows already parsed. */
  csv?: { symbol: string; path: string } | { symbol: string; rows: CsvCandle[] };
  /** Real ms between two publish rounds (the 100 ms depth stream's cadence). Default 100. */
  publishIntervalMs?: number;
  /** Minimum real ms between two forming-candle updates of a kline stream. Default 250. */
  klineUpdateMs?: number;
  /**
   * Binance's REST rate limits (request weight per minute, orders per 10 s and per day, 418 bans):
   * Binance's values by default, other values to test a client's back-off, false to switch them off.
   */
  rateLimits?: Partial<RateLimitConfig> | false;
}

export interface SimulatorHandle {
  /** Everything this venue produces is simulated. */
  readonly simulated: true;
  readonly host: string;
  readonly port: number;
  /** REST origin, e.g. http://127.0.0.1:PORT (Binance's paths /api/v3/... live under it). */
  readonly restUrl: string;
  /** Spot market-stream base, e.g. ws://127.0.0.1:PORT/stream/ws (like wss://stream.binance.com:9443/ws). */
  readonly wsUrl: string;
  /** WebSocket API (user data stream), e.g. ws://127.0.0.1:PORT/ws-api/v3. */
  readonly wsApiUrl: string;
  /** Credentials of the first account (the default one unless `accounts` was given). */
  readonly defaultAccount: { apiKey: string; secret: string };
  readonly core: SimulatorCore;
  /** Binance's REST rate limits as enforced (null when switched off). */
  readonly rateLimiter: RateLimiter | null;
  readonly faults: FaultController;
  /** Current simulated time (epoch ms). */
  now(): number;
  /** Advance a manual clock by `ms` (throws without the manualClock option); streams are pushed at once. */
  advance(ms: number): void;
  setSpeed(speed: number): void;
  /** Last traded price of "BTC/USDT" or "BTCUSDT". */
  lastPrice(symbol: string): number;
  /** Clock, prices, and how many websocket connections / user-data subscriptions are open. */
  state(): CoreState & { connections: number; userStreams: number };
  close(): Promise<void>;
}

/** Start the Binance-compatible simulator on loopback (HTTP + WebSocket on one port). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? "127.0.0.1";
  const publishIntervalMs = options.publishIntervalMs ?? 100;
  const klineUpdateMs = options.klineUpdateMs ?? 250;
  if (!(publishIntervalMs >= 10 && publishIntervalMs <= 1000)) throw new RangeError("publishIntervalMs must be between 10 and 1000");
  if (!(klineUpdateMs >= 0)) throw new RangeError("klineUpdateMs must be >= 0");
  let csv: SimulatorCoreOptions["csv"];
  if (options.csv) {
    csv = "rows" in options.csv ? options.csv : { symbol: options.csv.symbol, rows: await loadReplayCsv(options.csv.path) };
  }
  const faults = new FaultController();
  const core = new SimulatorCore({ ...options, csv, faults, clock });
  const listenKeys = new ListenKeyRegistry();
  const rateLimiter = options.rateLimits === false ? null : new RateLimiter({ ...BINANCE_RATE_LIMITS, ...options.rateLimits }, () => clock.now());
  const gateway = new WsGateway({ core, clock, klineUpdateMs, publishIntervalMs }, listenKeys);
  faults.setDropHandler(() => gateway.dropAll());

  const server: Server = createServer(
    createRestHandler({ core, clock, listenKeys, rateLimiter, streamStats: () => ({ connections: gateway.connectionCount, userStreams: gateway.userStreamCount }) }),
  );
  server.on("upgrade", (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  // Binance USDⓈ-M futures: REST under /fapi/, websockets under /fstream (server/simulator/futures)
  const futures = attachFutures(server, { core, clock, publishIntervalMs, klineUpdateMs });
  faults.setDropHandler(() => gateway.dropAll() + futures.gateway.dropAll());
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nX-Simulated: true\r\nConnection: close\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(":") ? `[${host}]` : host;

  const tick = () => {
    try {
      core.sync();
      gateway.publish();
    } catch (err) {
      // A failing round must not stop the venue; the next round retries.
      process.emitWarning(`simulator publish round failed: ${(err as Error).message}`);
    }
  };
  const timer = setInterval(tick, publishIntervalMs);

  let closed = false;
  const firstAccount = core.engine.allAccounts()[0];
  return {
    simulated: true,
    host,
    port,
    restUrl: `http://${hostForUrl}:${port}`,
    wsUrl: `ws://${hostForUrl}:${port}/stream/ws`,
    wsApiUrl: `ws://${hostForUrl}:${port}/ws-api/v3`,
    defaultAccount: { apiKey: firstAccount.apiKey, secret: firstAccount.secret },
    core,
    rateLimiter,
    faults,
    now: () => core.now(),
    advance(ms: number) {
      core.advance(ms);
      gateway.publish();
    },
    setSpeed: (speed: number) => core.setSpeed(speed),
    lastPrice: (symbol: string) => core.lastPrice(symbol),
    state: () => ({ ...core.state(), connections: gateway.connectionCount, userStreams: gateway.userStreamCount }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      faults.stop();
      gateway.close();
      futures.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
