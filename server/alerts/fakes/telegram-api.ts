import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake Telegram Bot API on loopback, speaking the real HTTP protocol (POST /bot<token>/<method>,
 * JSON in, `{ ok, result }` out, long-polled getUpdates), so grammY itself runs against it.
 */
export interface SentMessage {
  chatId: string;
  text: string;
  at: number;
}

export class FakeTelegramApi {
  readonly sent: SentMessage[] = [];
  readonly calls: string[] = [];
  private server: Server | undefined;
  private updates: Array<{ update_id: number; message: unknown }> = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private waiters = new Set<() => void>();
  /** Answer the next n sendMessage calls with this HTTP status (flood control, outages). */
  failNext: { count: number; status: number } = { count: 0, status: 500 };

  constructor(readonly token: string) {}

  get apiRoot(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body }) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)),
        (err) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** A person types `text` in chat `chatId`. */
  userSends(chatId: string | number, text: string): void {
    const command = /^\/\w+/.exec(text);
    this.updates.push({
      update_id: this.nextUpdateId++,
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(chatId), type: "private", first_name: "Trader" },
        from: { id: Number(chatId), is_bot: false, first_name: "Trader", username: "trader" },
        text,
        ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
      },
    });
    for (const wake of this.waiters) wake();
  }

  messagesTo(chatId: string | number): SentMessage[] {
    return this.sent.filter((m) => m.chatId === String(chatId));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    const raw = await new Promise<string>((resolve) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => resolve(data));
    });
    if (!match) return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
    const [, token, method] = match;
    this.calls.push(method);
    if (token !== this.token) return { status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } };
    const params = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    switch (method) {
      case "getMe":
        return ok({ id: 4242, is_bot: true, first_name: "Tradekeel test bot", username: "tradekeel_test_bot", can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false });
      case "deleteWebhook":
        if (params.drop_pending_updates) this.updates = [];
        return ok(true);
      case "getUpdates":
        return ok(await this.getUpdates(Number(params.offset ?? 0), Number(params.timeout ?? 0), req));
      case "sendMessage": {
        if (this.failNext.count > 0) {
          this.failNext.count -= 1;
          return { status: this.failNext.status, body: { ok: false, error_code: this.failNext.status, description: this.failNext.status === 429 ? "Too Many Requests: retry after 1" : "Internal Server Error" } };
        }
        const chatId = String(params.chat_id);
        this.sent.push({ chatId, text: String(params.text), at: Date.now() });
        return ok({ message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: "private" }, text: params.text });
      }
      default:
        return { status: 404, body: { ok: false, error_code: 404, description: `Not Found: method ${method}` } };
    }
  }

  private async getUpdates(offset: number, timeoutS: number, req: IncomingMessage) {
    // Confirming an offset forgets every update before it, as Telegram does.
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const deadline = Date.now() + timeoutS * 1000;
    while (this.updates.length === 0 && Date.now() < deadline && !req.destroyed) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.waiters.add(wake);
        req.once("close", wake);
      });
    }
    return this.updates.slice(0, 100);
  }
}

function ok(result: unknown) {
  return { status: 200, body: { ok: true, result } };
}
