import { createHmac } from "node:crypto";
import type { Alert, ChannelSender, WebhookSecrets, WebhookSettings } from "../types";
import { deliver, PermanentDeliveryError, DEFAULT_DELIVERY_RETRY, type DeliveryRetry } from "./retry";

/**
 * JSON POST of the alert. With a secret, `X-Tradekeel-Signature: sha256=<hex>` is the HMAC-SHA256 of
 * `<X-Tradekeel-Timestamp>.<raw body>` under the secret, so a receiver can check both origin and
 * freshness. 5xx, 408, 429 and network errors are retried with backoff; other 4xx are not.
 */
export const SIGNATURE_HEADER = "X-Tradekeel-Signature";
export const TIMESTAMP_HEADER = "X-Tradekeel-Timestamp";

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function createWebhookSender(settings: WebhookSettings, secrets: WebhookSecrets, opts: { retry?: DeliveryRetry; timeoutMs?: number; now?: () => number } = {}): ChannelSender {
  const retry = opts.retry ?? DEFAULT_DELIVERY_RETRY;
  const now = opts.now ?? Date.now;
  return {
    async send(alert: Alert & { id?: string; repeats?: number }) {
      const body = JSON.stringify({
        source: "tradekeel",
        id: alert.id ?? null,
        kind: alert.kind,
        severity: alert.severity,
        title: alert.title,
        text: alert.text,
        key: alert.key,
        mode: alert.mode ?? null,
        at: alert.at,
        repeats: alert.repeats ?? 0,
        data: alert.data,
      });
      return deliver(async () => {
        const timestamp = String(now());
        const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "tradekeel-alerts", [TIMESTAMP_HEADER]: timestamp };
        if (secrets.secret) headers[SIGNATURE_HEADER] = webhookSignature(secrets.secret, timestamp, body);
        const res = await fetch(settings.url, { method: "POST", headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        const message = `webhook answered HTTP ${res.status}`;
        if (res.status >= 500 || res.status === 408 || res.status === 429) throw new Error(message);
        throw new PermanentDeliveryError(message);
      }, retry);
    },
    async close() {},
  };
}
