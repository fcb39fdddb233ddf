const GUARDED = Symbol.for("tradekeel.ccxt.wsSendGuard");

interface SendingClient {
  send(message: unknown): Promise<unknown>;
  future?: (messageHash: string) => Promise<unknown>;
  [GUARDED]?: true;
}

interface ClientFactory {
  client?: (url: string) => SendingClient;
  [GUARDED]?: true;
}

/**
 * ccxt 4.5.x subscribes after its websocket throttle without chaining the send
 * (`client.throttle(cost).then(() => { client.send(message) })` in Exchange.watch/watchMultiple). When
 * the socket closes between the throttle and the send (a connection drop while subscribing), that
 * send promise rejects with nobody listening, and Node's default unhandled-rejection mode ends the
 * process. The watch call itself still fails (ccxt rejects it when the socket closes), so observing
 * every send promise loses nothing: callers that await a send still get its rejection.
 *
 * The same holds for the client's futures: when a socket closes, ccxt rejects every pending future of the
 * client (Client.reset), including ones whose watcher has already moved on (seen as "WebSocket was closed
 * before the connection was established" ending a test run). Each future is observed once; whoever awaits
 * it still gets the rejection.
 *
 * Idempotent; a no-op for objects that are not ccxt exchanges (test fakes).
 */
export function guardCcxtWebsocketSends(exchange: object): void {
  const target = exchange as ClientFactory;
  if (typeof target.client !== "function" || target[GUARDED]) return;
  const original = target.client.bind(exchange);
  target.client = (url: string) => {
    const client = original(url);
    if (client && typeof client.send === "function" && !client[GUARDED]) {
      const send = client.send.bind(client);
      client.send = (message: unknown) => {
        const sent = send(message);
        if (sent && typeof sent.catch === "function") sent.catch(() => undefined);
        return sent;
      };
      if (typeof client.future === "function") {
        const future = client.future.bind(client);
        client.future = (messageHash: string) => {
          const pending = future(messageHash);
          if (pending && typeof pending.catch === "function") pending.catch(() => undefined);
          return pending;
        };
      }
      client[GUARDED] = true;
    }
    return client;
  };
  target[GUARDED] = true;
}
