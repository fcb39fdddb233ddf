import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { Logger } from "pino";
import type { Services } from "../http/services";

/**
 * The live feed. Socket.IO shares the HTTP server with Next; every connection is authenticated
 * during the handshake. The realtime layer subscribes to the engine's bus: engines never call it.
 */
export interface Realtime {
  io: Server;
  close(): Promise<void>;
}

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
    logger.debug({ id: socket.id }, "feed client connected");
    socket.emit("hello", { version: services.version, serverTime: Date.now() });
  });
  return {
    io,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
