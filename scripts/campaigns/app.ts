import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApplication, type Application } from "../../server/app";
import { loadConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { clearServices, registerServices } from "../../server/http/registry";
import { attachRealtime } from "../../server/realtime";
import { discoverRoutes, type RouteSpec } from "./routes";

/**
 * The real application without Next (server/app.ts: auth, engine on the built-in simulator, database in
 * a throwaway DATA_DIR), its route handlers dispatched as Next dispatches them, and optionally a
 * loopback HTTP server with Socket.IO attached (server/realtime). Next's page rendering and proxy.ts
 * are the only parts left out; `--url` in the campaigns targets a full server instead.
 */

export const CAMPAIGN_TOKEN = "campaign-static-token-0123456789abcdef0123456789";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface InProcessApp {
  app: Application;
  dataDir: string;
  token: string;
  /** Calls the route handler for the request's path, as Next would. */
  dispatch(req: Request): Promise<Response>;
  /** Set when `http: true`. */
  url?: string;
  close(): Promise<void>;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export async function createDispatcher(routes: RouteSpec[]): Promise<(req: Request) => Promise<Response>> {
  const compiled = await Promise.all(
    routes.map(async (r) => ({
      spec: r,
      regex: new RegExp(`^${r.pattern.replace(/\[\.\.\.[^\]]+\]/g, ".+").replace(/\[[^\]]+\]/g, "[^/]+")}$`),
      module: (await import(r.file)) as Record<string, Handler>,
    })),
  );
  // Static segments win over dynamic ones, as in Next.
  compiled.sort((a, b) => (a.spec.pattern.match(/\[/g)?.length ?? 0) - (b.spec.pattern.match(/\[/g)?.length ?? 0));
  return async (req) => {
    const pathname = new URL(req.url).pathname;
    const hit = compiled.find((c) => c.regex.test(pathname));
    if (!hit) return Response.json({ error: { code: "NOT_FOUND", message: `no route ${pathname}` } }, { status: 404 });
    const handler = hit.module[req.method];
    if (!handler) return Response.json({ error: { code: "METHOD_NOT_ALLOWED", message: req.method } }, { status: 405 });
    const params: Record<string, string> = {};
    const parts = pathname.split("/");
    hit.spec.pattern.split("/").forEach((seg, i) => {
      const name = /^\[(.+)\]$/.exec(seg)?.[1];
      if (name) params[name] = decode(parts[i] ?? "");
    });
    return handler(req, { params: Promise.resolve(params) });
  };
}

export async function startInProcessApp(
  options: { env?: Record<string, string>; http?: boolean; all?: boolean; /** Reuse this data folder (a restart). */ dataDir?: string; /** Leave the data folder on close. */ keepDataDir?: boolean } = {},
): Promise<InProcessApp> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "tk-campaign-"));
  const config = loadConfig(
        {
      DATA_DIR: dataDir,
      TRADEKEEL_API_TOKEN: CAMPAIGN_TOKEN,
      TRADING_MODE: "paper",
      AUTO_START: "false",
      SIM_SPEED: "60",
      PORT: "3000",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      ...options.env,
    },
    dataDir,
  );
  const app = await createApplication(config, createLogger("silent"));
  registerServices(app.services);
  await app.start();
  const dispatch = await createDispatcher(discoverRoutes({ allMethods: true }));
  let server: Server | undefined;
  let realtime: ReturnType<typeof attachRealtime> | undefined;
  let url: string | undefined;
  if (options.http) {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
        dispatch(new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url}`, { method: req.method, headers, body }))
          .then(async (response) => {
            res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
            res.end(Buffer.from(await response.arrayBuffer()));
          })
          .catch(() => res.writeHead(500).end());
      });
    });
    realtime = attachRealtime(server, app.services, createLogger("silent"));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    app,
    dataDir,
    token: CAMPAIGN_TOKEN,
    dispatch,
    url,
    async close() {
      await (realtime as { close?: () => Promise<void> | void } | undefined)?.close?.();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await app.stop().catch(() => {});
      clearServices();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
