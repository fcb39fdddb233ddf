import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@/server/core/logger";
import { attachRealtime, type Realtime } from "@/server/realtime";
import { STATIC_TOKEN, createTestAuth, openTestDatabase, stubServices, type TestAuth } from "@/server/auth/__tests__/fixtures";

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let t: TestAuth;
let server: Server;
let realtime: Realtime;
let url: string;
let sessionToken: string;

beforeAll(async () => {
  handle = await openTestDatabase();
  t = await createTestAuth(handle.db, handle.dir);
  sessionToken = (await t.auth.setupOwner({ password: "socket-test-password" }, { address: "127.0.0.1", secure: false })).sessionToken;
  const services = stubServices(handle.db, handle.dir, t.auth, createLogger("silent"));
  server = createServer((_req, res) => res.writeHead(404).end());
  realtime = attachRealtime(server, services, services.logger);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await realtime?.close();
  server?.close();
  await handle?.close();
});

/** Connects and reports the outcome of the handshake: the hello payload, or the refusal. */
function handshake(opts: { token?: string; headers?: Record<string, string>; transport?: "websocket" | "polling" }): Promise<{ ok: true; hello: unknown } | { ok: false; message: string; code?: string }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(url, {
      path: "/socket.io",
      transports: [opts.transport ?? "websocket"],
      auth: opts.token ? { token: opts.token } : {},
      extraHeaders: opts.headers,
      reconnection: false,
      timeout: 5000,
    });
    socket.on("hello", (hello) => {
      socket.close();
      resolve({ ok: true, hello });
    });
    socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
      socket.close();
      resolve({ ok: false, message: err.message, code: err.data?.code });
    });
  });
}

describe("Socket.IO handshake", () => {
  it("is refused without credentials", async () => {
    expect(await handshake({})).toEqual({ ok: false, message: "sign in first", code: "UNAUTHENTICATED" });
    expect(await handshake({ transport: "polling" })).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
  });

  it("is refused with a wrong token or a forged cookie", async () => {
    expect(await handshake({ token: "not-a-real-token-not-a-real-token-xx" })).toMatchObject({ ok: false });
    expect(await handshake({ headers: { cookie: "tk_session=forged" } })).toMatchObject({ ok: false });
  });

  it("connects with the static token or a session cookie", async () => {
    expect(await handshake({ token: STATIC_TOKEN })).toMatchObject({ ok: true, hello: { version: "test" } });
    expect(await handshake({ headers: { cookie: `tk_session=${sessionToken}`, origin: url } })).toMatchObject({ ok: true });
  });

  it("refuses a session cookie sent from another site's page", async () => {
    expect(await handshake({ headers: { cookie: `tk_session=${sessionToken}`, origin: "https://evil.example" } })).toMatchObject({ ok: false });
  });
});
