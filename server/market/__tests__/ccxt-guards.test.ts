import { afterEach, describe, expect, it } from "vitest";
import { guardCcxtWebsocketSends } from "../ccxt-guards";

/** The shape of ccxt's exchange.client(url): a cached client per url whose send() can reject. */
function fakeExchange() {
  const clients = new Map<string, { send: (message: unknown) => Promise<unknown>; future: (hash: string) => Promise<unknown>; reset: (error: Error) => void }>();
  return {
    client(url: string) {
      let c = clients.get(url);
      if (!c) {
        // Like ccxt's Client: futures by message hash, all rejected when the socket closes (reset).
        const futures = new Map<string, { promise: Promise<unknown>; reject: (e: Error) => void }>();
        c = {
          send: () => Promise.reject(new Error("WebSocket is not open: readyState 3 (CLOSED)")),
          future(hash: string) {
            let f = futures.get(hash);
            if (!f) {
              let reject!: (e: Error) => void;
              const promise = new Promise<unknown>((_, r) => (reject = r));
              f = { promise, reject };
              futures.set(hash, f);
            }
            return f.promise;
          },
          reset(error: Error) {
            for (const f of futures.values()) f.reject(error);
            futures.clear();
          },
        };
        clients.set(url, c);
      }
      return c;
    },
  };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  unhandled.length = 0;
});

describe("guard against ccxt's unobserved websocket sends", () => {
  it("a send on a socket that just closed no longer becomes an unhandled rejection", async () => {
    process.on("unhandledRejection", onUnhandled);
    const exchange = fakeExchange();
    guardCcxtWebsocketSends(exchange);
    guardCcxtWebsocketSends(exchange); // idempotent
    // What ccxt does after its throttle: send, and drop the promise on the floor.
    void exchange.client("ws://127.0.0.1/stream/ws").send({ method: "SUBSCRIBE" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
  });

  it("a socket closing before it connected rejects its pending futures without an unhandled rejection, and a waiter still sees the error", async () => {
    process.on("unhandledRejection", onUnhandled);
    const exchange = fakeExchange();
    guardCcxtWebsocketSends(exchange);
    const client = exchange.client("ws://127.0.0.1/ws-api/v3");
    void client.future("abandoned-subscription"); // its watcher gave up long ago
    const awaited = client.future("balance");
    client.reset(new Error("WebSocket was closed before the connection was established"));
    await expect(awaited).rejects.toThrow(/closed before the connection/);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
  });

  it("whoever awaits a send still gets its error", async () => {
    const exchange = fakeExchange();
    guardCcxtWebsocketSends(exchange);
    await expect(exchange.client("ws://x").send("ping")).rejects.toThrow(/readyState 3/);
  });

  it("leaves objects without a client factory alone", () => {
    const plain = { id: "fake" };
    guardCcxtWebsocketSends(plain);
    expect(plain).toEqual({ id: "fake" });
  });
});
