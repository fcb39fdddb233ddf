import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP endpoint on loopback that records every POST and answers with a scripted status sequence. */
export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  status: number;
}

export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  private server: Server | undefined;
  /** Statuses for the next requests in order; then 200. */
  statuses: number[] = [];

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hook`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const status = this.statuses.shift() ?? 200;
        this.received.push({ headers: req.headers, body, at: Date.now(), status });
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "try again");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
