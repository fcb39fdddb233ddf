import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Clock } from "../../core/clock";
import type { SimulatorCore } from "../core";
import { FuturesEngine, type FuturesEngineOptions } from "./engine";
import { createFuturesHandler } from "./rest";
import { FuturesListenKeys } from "./user-events";
import { FUTURES_WS_PREFIX } from "./urls";
import { FuturesWsGateway } from "./ws";

export { FuturesEngine } from "./engine";
export { FUTURES_WS_PREFIX, futuresUrls } from "./urls";
export { FuturesWsGateway } from "./ws";

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface FuturesVenue {
  engine: FuturesEngine;
  gateway: FuturesWsGateway;
  /** Stop the rounds and drop every futures websocket (call before closing the HTTP server). */
  close(): void;
}

/**
 * Mount Binance's USDⓈ-M futures on the simulator's HTTP server: REST requests under /fapi/ go to
 * the futures handler and websocket upgrades under /fstream to the futures gateway; everything else
 * to the listeners already on the server. A timer catches the engine up (funding, resting orders,
 * liquidations, margin calls without requests) and publishes the streams.
 */
export function attachFutures(
  server: Server,
  deps: { core: SimulatorCore; clock: Clock; publishIntervalMs?: number; klineUpdateMs?: number },
  options: FuturesEngineOptions = {},
): FuturesVenue {
  const { core, clock } = deps;
  const publishIntervalMs = deps.publishIntervalMs ?? 100;
  const engine = new FuturesEngine(core, options);
  const listenKeys = new FuturesListenKeys();
  const gateway = new FuturesWsGateway({ core, clock, publishIntervalMs, klineUpdateMs: deps.klineUpdateMs ?? 250 }, engine, listenKeys);
  const futures = createFuturesHandler({ core, clock, engine, listenKeys });
  const existing = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").startsWith("/fapi/")) return futures(req, res);
    for (const listener of existing) listener.call(server, req, res);
  });
  const upgrades = server.listeners("upgrade") as UpgradeListener[];
  server.removeAllListeners("upgrade");
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? "";
    if (url === FUTURES_WS_PREFIX || url.startsWith(`${FUTURES_WS_PREFIX}/`) || url.startsWith(`${FUTURES_WS_PREFIX}?`)) return gateway.handleUpgrade(req, socket, head);
    for (const listener of upgrades) listener.call(server, req, socket, head);
  });
  const timer = setInterval(() => {
    try {
      engine.sync();
      gateway.publish();
    } catch (err) {
      process.emitWarning(`simulator futures round failed: ${(err as Error).message}`);
    }
  }, publishIntervalMs);
  timer.unref();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    gateway.close();
  };
  server.once("close", close);
  return { engine, gateway, close };
}
