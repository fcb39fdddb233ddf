const GUARDED = Symbol.for("tradekeel.ccxt.wsSendGuard");

interface SendingClient {
  send(message: unknown): Promise<unknown>;
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
      client[GUARDED] = true;
    }
    return client;
  };
  target[GUARDED] = true;
}
