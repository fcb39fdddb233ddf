import { Api, GrammyError, HttpError } from "grammy";
import type { Alert, ChannelSender, TelegramSecrets, TelegramSettings } from "../types";
import { alertText } from "../format";
import { deliver, PermanentDeliveryError, DEFAULT_DELIVERY_RETRY, type DeliveryRetry } from "./retry";

/** Messages through the Telegram Bot API (grammY), to every configured chat. */
export function createTelegramSender(settings: TelegramSettings, secrets: TelegramSecrets, opts: { retry?: DeliveryRetry } = {}): ChannelSender {
  const api = new Api(secrets.botToken, { apiRoot: settings.apiRoot, timeoutSeconds: 15 });
  return {
    async send(alert: Alert & { repeats?: number }) {
      if (settings.chatIds.length === 0) throw new PermanentDeliveryError("no chat id configured");
      const text = alertText(alert).slice(0, 4096);
      // Each chat is delivered (and retried) on its own: one blocked chat does not stop the others.
      let attempts = 0;
      const failures: string[] = [];
      for (const chatId of settings.chatIds) {
        try {
          const r = await deliver(() => sendOnce(api, chatId, text), opts.retry ?? DEFAULT_DELIVERY_RETRY);
          attempts = Math.max(attempts, r.attempts);
        } catch (err) {
          attempts = Math.max(attempts, (err as { attempts?: number }).attempts ?? 1);
          failures.push(`chat ${chatId}: ${(err as Error).message}`);
        }
      }
      if (failures.length) throw Object.assign(new Error(failures.join("; ")), { attempts });
      return { attempts };
    },
    async close() {},
  };
}

async function sendOnce(api: Api, chatId: string, text: string): Promise<void> {
  try {
    await api.sendMessage(chatId, text, { link_preview_options: { is_disabled: true } });
  } catch (err) {
    if (err instanceof GrammyError) {
      // 429 (flood control) and 5xx are worth another try; 400/401/403 (bad chat, bad token, blocked) are not.
      if (err.error_code === 429 || err.error_code >= 500) throw new Error(`Telegram ${err.error_code}: ${err.description}`);
      throw new PermanentDeliveryError(`Telegram ${err.error_code}: ${err.description}`);
    }
    if (err instanceof HttpError) throw new Error(`Telegram unreachable: ${err.message}`);
    throw err;
  }
}
