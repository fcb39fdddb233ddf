import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Clock } from "../../core/clock";
import type { SimulatorCore } from "../core";
import { FuturesEngine, type FuturesEngineOptions } from "./engine";
import { createFuturesHandler } from "./rest";

export { FuturesEngine } from "./engine";
export { futuresUrls } from "./urls";

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Real ms between two catch-up rounds of the futures engine (funding and liquidations without requests). */
const SYNC_INTERVAL_MS = 250;

/**
 * Mount Binance's USDⓈ-M futures API (/fapi/...) on the simulator's HTTP server: requests under
 * /fapi/ go to the futures handler, everything else to the listeners already on the server.
 */
export function attachFutures(server: Server, deps: { core: SimulatorCore; clock: Clock }, options: FuturesEngineOptions = {}): FuturesEngine {
  const engine = new FuturesEngine(deps.core, options);
  const futures = createFuturesHandler({ ...deps, engine });
  const existing = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").startsWith("/fapi/")) return futures(req, res);
    for (const listener of existing) listener.call(server, req, res);
  });
  const timer = setInterval(() => {
    try {
      engine.sync();
    } catch (err) {
      process.emitWarning(`simulator futures round failed: ${(err as Error).message}`);
    }
  }, SYNC_INTERVAL_MS);
  timer.unref();
  server.once("close", () => clearInterval(timer));
  return engine;
}
