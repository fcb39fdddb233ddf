import nodemailer from "nodemailer";
import type { Alert, ChannelSender, EmailSecrets, EmailSettings } from "../types";
import { alertSubject, alertText } from "../format";
import { deliver, PermanentDeliveryError, DEFAULT_DELIVERY_RETRY, type DeliveryRetry } from "./retry";

/** E-mail over SMTP (nodemailer): STARTTLS when the server offers it, TLS from the start with secure. */
export function createEmailSender(settings: EmailSettings, secrets: EmailSecrets, opts: { retry?: DeliveryRetry } = {}): ChannelSender {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: secrets.password ?? "" } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(alert) {
      return deliver(async () => {
        try {
          await transport.sendMail({ from: settings.from, to: settings.to.join(", "), subject: alertSubject(alert), text: alertText(alert) });
        } catch (err) {
          const e = err as { responseCode?: number; code?: string; message: string };
          // 5xx answers (bad recipient, authentication refused) will not change on a retry.
          if ((e.responseCode && e.responseCode >= 500) || e.code === "EAUTH" || e.code === "EENVELOPE") throw new PermanentDeliveryError(`SMTP: ${e.message}`);
          throw new Error(`SMTP: ${e.message}`);
        }
      }, opts.retry ?? DEFAULT_DELIVERY_RETRY);
    },
    async close() {
      transport.close();
    },
  };
}
