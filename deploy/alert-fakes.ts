import { FakeTelegramApi } from "../server/alerts/fakes/telegram-api";
import { SmtpSink } from "../server/alerts/fakes/smtp-sink";
import { WebhookReceiver } from "../server/alerts/fakes/webhook-receiver";

/**
 * The alert channels' outside services as loopback fakes, for trying alerts without Telegram, a
 * mail server or a webhook endpoint: `npm run alerts:fakes`, then start Tradekeel with the printed
 * environment in another terminal. Type a chat command here (e.g. /status) to send it as the owner.
 */
const TOKEN = "123456:LOCAL-fake-token";
const CHAT = "1001";
const telegram = await new FakeTelegramApi(TOKEN).start();
const smtp = await new SmtpSink().start();
const hook = await new WebhookReceiver().start();
const secret = "local-webhook-secret-0123456789";

console.log(`Fakes running. Start Tradekeel with:

  TELEGRAM_BOT_TOKEN=${TOKEN} TELEGRAM_CHAT_IDS=${CHAT} TELEGRAM_API_ROOT=${telegram.apiRoot} \\
  SMTP_HOST=127.0.0.1 SMTP_PORT=${smtp.port} SMTP_FROM=tradekeel@localhost ALERT_EMAIL_TO=owner@localhost \\
  ALERT_WEBHOOK_URL=${hook.url} ALERT_WEBHOOK_SECRET=${secret} npm start

Type a Telegram command (/status, /positions, /pnl, /daily, /stopentries, /kill, /kill confirm) and Enter.
`);

let seen = { telegram: 0, mail: 0, hook: 0 };
setInterval(() => {
  for (const m of telegram.sent.slice(seen.telegram)) console.log(`[telegram → ${m.chatId}] ${m.text}\n`);
  for (const m of smtp.mails.slice(seen.mail)) console.log(`[e-mail → ${m.to.join(", ")}] ${m.subject}\n`);
  for (const h of hook.received.slice(seen.hook)) console.log(`[webhook ${h.status}] ${String(h.headers["x-tradekeel-signature"] ?? "unsigned")} ${h.body.slice(0, 200)}\n`);
  seen = { telegram: telegram.sent.length, mail: smtp.mails.length, hook: hook.received.length };
}, 250).unref();

process.stdin.setEncoding("utf8");
process.stdin.on("data", (line: string) => {
  const text = line.trim();
  if (text) telegram.userSends(CHAT, text);
});
const stop = async () => {
  await Promise.all([telegram.stop(), smtp.stop(), hook.stop()]);
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
