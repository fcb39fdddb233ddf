import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { EventBus } from "../../server/core/event-bus";
import { createLogger } from "../../server/core/logger";
import type { EngineEvents } from "../../server/engine/events";
import type { MarketEvents } from "../../server/market/types";
import { attachRealtime, type Realtime } from "../../server/realtime";
import type { Services } from "../../server/http/services";
import type { Clock } from "../../server/core/clock";

/**
 * The realtime layer on a real HTTP server with real Socket.IO clients; the engine is its event buses
 * (the engine bus and the market service's). `connectClient` opens an authorised socket.
 */
export async function startRealtimeHarness(options: { orderBookDepth: number; clock?: Clock; status?: () => Promise<unknown> }) {
  const bus = new EventBus<EngineEvents>();
  const marketEvents = new EventBus<MarketEvents>();
  const services = {
    version: "test",
    auth: { authorizeSocket: async () => ({ kind: "static-token" }) },
    status: options.status ?? (async () => ({})),
    engine: { bus, venue: { simulated: true }, market: { events: marketEvents, orderBookDepth: options.orderBookDepth }, kernel: { exitAlarms: () => [] } },
  } as unknown as Services;
  const http: HttpServer = createServer();
  const realtime: Realtime = attachRealtime(http, services, createLogger("silent"), { clock: options.clock });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];
  return {
    bus,
    marketEvents,
    connectClient(): Socket {
      const socket = connect(url, { path: "/socket.io", transports: ["websocket"], auth: { token: "t" }, forceNew: true, reconnection: false });
      sockets.push(socket);
      return socket;
    },
    async close() {
      for (const s of sockets) s.close();
      await realtime.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
