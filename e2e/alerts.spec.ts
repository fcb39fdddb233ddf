import { createHmac, timingSafeEqual } from "node:crypto";
import { test as base, expect, type APIRequestContext } from "@playwright/test";
import { signIn, apiHeaders, lastPrice, screenshot } from "./support/fixtures";
import { startServer, removeDataDir, type RunningServer } from "./support/server";
import { FakeTelegramApi } from "../server/alerts/fakes/telegram-api";
import { SmtpSink } from "../server/alerts/fakes/smtp-sink";
import { WebhookReceiver, type ReceivedHook } from "../server/alerts/fakes/webhook-receiver";

/**
 * Issue 18, "Done when", as the owner lives it: the bot runs with Telegram, e-mail and a webhook as
 * alert channels (the loopback fakes of `npm run alerts:fakes`, speaking the real protocols, wired
 * in from the environment as a fresh install would be). The owner presses the kill switch in the
 * dashboard and hears about it on all three; the webhook is signed, and checked here as a receiver
 * would. From the Telegram chat they ask for /status and stop the bot with a confirmed /kill. The
 * Alerts page lists all of it with its deliveries.
 */
const CHAT = "424242";
const BOT_TOKEN = "123456:E2E-fake-token";
const WEBHOOK_SECRET = "e2e-webhook-secret-0123456789abcdef";
const OWNER_MAIL = "owner@example.test";

interface Fakes {
  telegram: FakeTelegramApi;
  smtp: SmtpSink;
  hook: WebhookReceiver;
}

const test = base.extend<{}, { fakes: Fakes; alertServer: RunningServer }>({
  fakes: [
    async ({}, use) => {
      const [telegram, smtp, hook] = await Promise.all([new FakeTelegramApi(BOT_TOKEN).start(), new SmtpSink().start(), new WebhookReceiver().start()]);
      await use({ telegram, smtp, hook });
      await Promise.all([telegram.stop(), smtp.stop(), hook.stop()]);
    },
    { scope: "worker" },
  ],
  alertServer: [
    async ({ fakes }, use) => {
      const server = await startServer({
        env: {
          TELEGRAM_BOT_TOKEN: BOT_TOKEN,
          TELEGRAM_CHAT_IDS: CHAT,
          TELEGRAM_API_ROOT: fakes.telegram.apiRoot,
          SMTP_HOST: "127.0.0.1",
          SMTP_PORT: String(fakes.smtp.port),
          SMTP_FROM: "tradekeel@example.test",
          ALERT_EMAIL_TO: OWNER_MAIL,
          ALERT_WEBHOOK_URL: fakes.hook.url,
          ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
        },
      });
      await use(server);
      await server.stop();
      removeDataDir(server.dataDir);
    },
    { scope: "worker", timeout: 120_000 },
  ],
  baseURL: async ({ alertServer }, use) => use(alertServer.url),
});

test.describe.configure({ mode: "serial" });

async function api<T>(request: APIRequestContext, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await request.fetch(path, { method, headers: { ...apiHeaders, "Content-Type": "application/json" }, data: body });
  expect(res.status(), `${method} ${path}: ${await res.text()}`).toBeLessThan(300);
  return (await res.json()) as T;
}

/** What a webhook receiver does: recompute HMAC-SHA256(secret, "<timestamp>.<raw body>"), compare in constant time, refuse stale ones. */
function verifySignature(hook: ReceivedHook, secret: string, now: number): "accepted" | string {
  const timestamp = String(hook.headers["x-tradekeel-timestamp"] ?? "");
  const signature = String(hook.headers["x-tradekeel-signature"] ?? "");
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > 5 * 60_000) return `stale or missing timestamp ${timestamp} (now ${now})`;
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(`${timestamp}.${hook.body}`).digest("hex")}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? "accepted" : `bad signature ${signature}`;
}

interface WebhookBody {
  source: string;
  kind: string;
  severity: string;
  title: string;
}

interface AlertEntry {
  kind: string;
  title: string;
  data: Record<string, unknown>;
  deliveries: Array<{ kind: string; status: string }>;
}

test("pressing the kill switch in the dashboard tells the owner on Telegram, by e-mail and by a signed webhook", async ({ page, request, fakes }) => {
  const { telegram, smtp, hook } = fakes;
  // A paper position is open (wide stop and target: the simulated market at SIM_SPEED=60 moves fast).
  const last = await lastPrice(request, "BTC/USDT");
  await api(request, "POST", "/api/orders", { symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.01, stopLoss: Math.round(last * 0.9), takeProfit: Math.round(last * 1.25) });
  await expect.poll(async () => (await api<Array<{ symbol: string }>>(request, "GET", "/api/positions")).map((p) => p.symbol), { timeout: 20_000 }).toContain("BTC/USDT");
  await expect.poll(() => telegram.messagesTo(CHAT).some((m) => /Opened long .*BTC\/USDT/.test(m.text)), { timeout: 20_000 }).toBe(true);

  await signIn(page);
  await page.getByTestId("kill-switch-button").click();
  await page.getByTestId("kill-switch-flatten").click();
  await page.getByTestId("kill-switch-confirm").click();
  await expect(page.getByTestId("kill-switch-progress")).toHaveAttribute("data-phase", "completed", { timeout: 60_000 });
  await expect(page.getByTestId("kill-switch-flat-confirmed")).toHaveAttribute("data-flat", "true");
  await expect(page.locator("header").getByTestId("trading-state-badge")).toHaveText(/HALTED/, { timeout: 20_000 });

  // Telegram: started and finished, with the outcome.
  await expect.poll(() => telegram.messagesTo(CHAT).map((m) => m.text).filter((t) => /Kill switch (started|finished)/.test(t)).length, { timeout: 20_000 }).toBe(2);
  expect(telegram.messagesTo(CHAT).find((m) => /Kill switch finished/.test(m.text))!.text).toMatch(/1 position\(s\) closed/);

  // E-mail: both, as critical, to the configured recipient.
  await expect.poll(() => smtp.mails.filter((m) => /Kill switch/.test(m.subject)).length, { timeout: 20_000 }).toBe(2);
  for (const mail of smtp.mails.filter((m) => /Kill switch/.test(m.subject))) {
    expect(mail.subject).toMatch(/^\[Tradekeel CRITICAL\] Kill switch (started|finished)/);
    expect(mail.to).toEqual([OWNER_MAIL]);
  }

  // Webhook: both, JSON, each signed; a receiver with the secret accepts them and one without it would not.
  const killHooks = () => hook.received.filter((r) => r.status === 200 && (JSON.parse(r.body) as WebhookBody).kind === "kill_switch");
  await expect.poll(() => killHooks().length, { timeout: 20_000 }).toBe(2);
  for (const received of killHooks()) {
    expect(received.headers["content-type"]).toMatch(/^application\/json/);
    const body = JSON.parse(received.body) as WebhookBody;
    expect(body).toMatchObject({ source: "tradekeel", kind: "kill_switch", severity: "critical" });
    expect(body.title).toMatch(/^Kill switch (started|finished)/);
    expect(verifySignature(received, WEBHOOK_SECRET, Date.now())).toBe("accepted");
    expect(verifySignature(received, "some-other-secret-0123456789", Date.now())).toMatch(/^bad signature/);
    expect(verifySignature({ ...received, body: received.body.replace("kill_switch", "kill_switcH") }, WEBHOOK_SECRET, Date.now())).toMatch(/^bad signature/);
  }
  await screenshot(page, "18-kill-switch-alerted");

  // Reset in the dashboard, so the chat's /kill below has something to stop.
  await page.getByTestId("kill-switch-reset").click();
  await page.getByTestId("kill-switch-reset-confirm").click();
  await expect(page.locator("header").getByTestId("trading-state-badge")).toHaveText(/ACTIVE/, { timeout: 20_000 });
});

test("from the Telegram chat, /status answers and a confirmed /kill halts the bot", async ({ request, fakes }) => {
  const { telegram } = fakes;
  // The bot drops updates queued before it polled (a stale /kill never runs): wait for its first poll.
  await expect.poll(() => telegram.calls.includes("getUpdates"), { timeout: 20_000 }).toBe(true);
  async function ask(text: string, expected: RegExp): Promise<string> {
    const before = telegram.messagesTo(CHAT).length;
    telegram.userSends(CHAT, text);
    await expect.poll(() => telegram.messagesTo(CHAT).slice(before).some((m) => expected.test(m.text)), { timeout: 20_000 }).toBe(true);
    return telegram.messagesTo(CHAT).slice(before).find((m) => expected.test(m.text))!.text;
  }

  const status = await ask("/status", /^Mode PAPER/);
  expect(status).toMatch(/Trading ACTIVE/);
  expect(status).toMatch(/0 open position\(s\)/);
  expect(status).toMatch(/Equity/);

  // /kill alone does nothing but ask; the owner has no two-factor, so "/kill confirm" goes ahead.
  expect(await ask("/kill", /To go ahead/)).toMatch(/^\/kill confirm$/m);
  // (The dashboard's reset above put the kill switch back to idle; /kill alone has not started it.)
  expect((await api<{ status: { phase: string } }>(request, "GET", "/api/kill-switch")).status.phase).toBe("idle");
  expect((await api<{ tradingState: string }>(request, "GET", "/api/status")).tradingState).toBe("ACTIVE");
  const finishedBefore = telegram.messagesTo(CHAT).filter((m) => /Kill switch finished/.test(m.text)).length;
  await ask("/kill confirm", /Kill switch (running|completed|started)/);
  await expect.poll(async () => (await api<{ tradingState: string }>(request, "GET", "/api/status")).tradingState, { timeout: 30_000 }).toBe("HALTED");
  await expect.poll(() => telegram.messagesTo(CHAT).filter((m) => /Kill switch finished/.test(m.text)).length, { timeout: 30_000 }).toBe(finishedBefore + 1);

  // /reset is not something a chat may do.
  expect(await ask("/reset", /cannot be reset from chat/)).toMatch(/dashboard/);
});

test("the Alerts page lists the kill switch alerts with their deliveries, and the chat's commands", async ({ page, request }) => {
  // Wait until every kill-switch alert is delivered on all three channels (the log is written as they go).
  const kills = async () => (await api<{ items: AlertEntry[] }>(request, "GET", "/api/alerts?limit=200&kind=kill_switch")).items;
  await expect
    .poll(async () => (await kills()).map((e) => e.deliveries.map((d) => `${d.kind}:${d.status}`).sort().join(",")), { timeout: 30_000 })
    .toEqual(Array(4).fill("email:sent,telegram:sent,webhook:sent"));
  const commands = (await api<{ items: AlertEntry[] }>(request, "GET", "/api/alerts?limit=200&kind=command")).items.map((e) => e.data.command);
  expect(commands).toEqual(expect.arrayContaining(["status", "kill", "reset"]));

  await signIn(page, "/alerts");
  const log = page.getByTestId("alerts-log");
  const finished = log.locator("tr", { hasText: /Kill switch finished/ });
  await expect(finished).toHaveCount(2, { timeout: 20_000 });
  await expect(log.locator("tr", { hasText: /Kill switch started/ })).toHaveCount(2);
  for (const row of [finished.first(), finished.last()]) {
    await expect(row.getByText("critical", { exact: true })).toBeVisible();
    for (const kind of ["telegram", "email", "webhook"]) await expect(row.getByTestId(`delivery-${kind}-sent`)).toBeVisible();
  }
  // The chat's commands are logged too (not sent anywhere).
  await expect(log.locator("tr", { hasText: "command (logged only)" }).first()).toBeVisible();
  await screenshot(page, "18-alerts-log");
});
