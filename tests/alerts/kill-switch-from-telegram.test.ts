import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type AppConfig } from "../../server/config";
import { alertsConfigSchema } from "../../server/config/alerts";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import { composeEngine } from "../../server/composition/engine";
import type { EngineRuntime } from "../../server/engine/runtime";
import { createSecretBox } from "../../server/auth/secret-box";
import { generateTotpSecret, totpCode } from "../../server/auth/totp";
import type { AlertService } from "../../server/alerts/service";
import { composeAlertsAndMetrics } from "../../server/alerts/wiring";
import type { Metrics } from "../../server/metrics";
import { FakeTelegramApi } from "../../server/alerts/fakes/telegram-api";
import { SmtpSink } from "../../server/alerts/fakes/smtp-sink";
import { WebhookReceiver } from "../../server/alerts/fakes/webhook-receiver";

/**
 * The owner is away; a paper position is open. From the Telegram chat they ask for /status, then
 * /kill, confirm it with their two-factor code, and the bot flattens. The kill switch's start and
 * finish reach them on Telegram, by e-mail and as a signed webhook (which failed once and was
 * retried); the alert log lists every alert and command. A stranger's chat is ignored, /reset refused.
 */
const CHAT = "111222333";
const STRANGER = "999";
const TOKEN = "123456:TEST-token_abc";
const WEBHOOK_SECRET = "webhook-secret-0123456789abcdef";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-alerts-"));
const logger = createLogger("silent");

let telegram: FakeTelegramApi;
let smtp: SmtpSink;
let hook: WebhookReceiver;
let db: Database;
let engine: EngineRuntime;
let alerts: AlertService;
let metrics: Metrics;
const totpSecret = generateTotpSecret();

function engineConfig(): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 11, historyDays: 0.05, symbols: ["BTC/USDT", "ETH/USDT"] },
    trading: { mode: "paper", symbols: ["BTC/USDT"], autoStart: false },
    risk: { minEntryIntervalSec: 0, symbolCooldownSec: 0, minEdgeOverFeesPct: 0, maxTradeLossPct: 100 },
    auth: {},
  });
}

beforeAll(async () => {
  [telegram, smtp, hook] = await Promise.all([new FakeTelegramApi(TOKEN).start(), new SmtpSink({ user: "bot", password: "smtp-pass" }).start(), new WebhookReceiver().start()]);
  db = await openDatabase({ dataDir });
  engine = await composeEngine({ config: engineConfig(), db, logger });
  await engine.start();
  const box = createSecretBox({ key: randomBytes(32), id: "testkey00000" });
  await db.prisma.user.create({ data: { id: "usr_owner", username: "admin", passwordHash: "unused", totpSecret: box.seal(totpSecret), totpEnabled: true } });
  // Wired exactly as the application does (server/alerts/wiring.ts), with faster retries and polls.
  ({ alerts, metrics } = composeAlertsAndMetrics({
    config: { ...engineConfig(), alerts: alertsConfigSchema.parse({
      telegram: { botToken: TOKEN, chatIds: [CHAT], apiRoot: telegram.apiRoot },
      email: { host: "127.0.0.1", port: smtp.port, user: "bot", password: "smtp-pass", from: "tradekeel@example.test", to: ["owner@example.test"] },
      webhook: { url: hook.url, secret: WEBHOOK_SECRET },
    }) },
    engine,
    prisma: db.prisma,
    logger,
    version: "test",
    secretBox: box,
    overrides: { retry: { policy: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0, rateLimitedMinMs: 50 }, maxAttempts: 4 }, telegramPollTimeoutS: 1 },
  }));
  await alerts.start();
}, 180_000);

afterAll(async () => {
  await alerts?.stop().catch(() => {});
  metrics?.stop();
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  await Promise.all([telegram?.stop(), smtp?.stop(), hook?.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

const lastReply = (chat: string) => telegram.messagesTo(chat).at(-1)?.text ?? "";
async function ask(chat: string, text: string, expected: RegExp): Promise<string> {
  const before = telegram.messagesTo(chat).length;
  telegram.userSends(chat, text);
  await expect.poll(() => telegram.messagesTo(chat).slice(before).some((m) => expected.test(m.text)), { timeout: 20_000 }).toBe(true);
  return telegram.messagesTo(chat).slice(before).find((m) => expected.test(m.text))!.text;
}

describe("the owner stops the bot from Telegram and hears about it everywhere", () => {
  it("opens a position and tells the chat", async () => {
    // The engine prices a market entry from the live feed: wait until it has heard a price.
    await expect.poll(() => engine.market.lastTicker("BTC/USDT")?.last ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    const price = engine.simulator!.lastPrice("BTC/USDT");
    const result = await engine.kernel.placeManualOrder({ symbol: "BTC/USDT", side: "buy", type: "market", quantity: 200 / price, actor: "test" });
    expect(result.decision.allowed, result.decision.message).toBe(true);
    await expect.poll(() => telegram.messagesTo(CHAT).some((m) => /Opened long .* BTC\/USDT/.test(m.text)), { timeout: 20_000 }).toBe(true);
  }, 60_000);

  it("/status and /positions answer from the running engine", async () => {
    const status = await ask(CHAT, "/status", /Mode PAPER/);
    expect(status).toMatch(/Trading ACTIVE/);
    expect(status).toMatch(/1 open position/);
    const positions = await ask(CHAT, "/positions", /BTC\/USDT/);
    expect(positions).toMatch(/^long 0\.\d+ BTC\/USDT @/);
  }, 60_000);

  it("ignores a chat that is not configured, even for /kill", async () => {
    telegram.userSends(STRANGER, "/kill");
    telegram.userSends(STRANGER, "/kill confirm");
    // Processed in order: once the owner's next command is answered, the stranger's were handled.
    await ask(CHAT, "/pnl", /Realized/);
    expect(telegram.messagesTo(STRANGER)).toEqual([]);
    expect(engine.kernel.killSwitchStatus().phase).toBe("idle");
  }, 60_000);

  it("/kill asks for confirmation and a two-factor code; a wrong code does nothing", async () => {
    expect(await ask(CHAT, "/kill", /To go ahead/)).toMatch(/\/kill confirm <your 6-digit two-factor code>/);
    expect(await ask(CHAT, "/kill confirm 000000", /Wrong or expired two-factor code/)).toMatch(/nothing was done/);
    expect(engine.kernel.killSwitchStatus().phase).toBe("idle");
    expect(engine.kernel.activeAccount.ledger.positions()).toHaveLength(1);
  }, 60_000);

  it("a confirmed /kill flattens; start and finish go to Telegram, e-mail and a signed, retried webhook", async () => {
    // The receiver is briefly down: the first kill-switch POST is answered 503.
    const firstKillHook = hook.received.length;
    hook.statuses = [503];
    await ask(CHAT, `/kill confirm ${totpCode(totpSecret, Date.now())}`, /Kill switch (running|completed)/);
    await expect.poll(() => engine.kernel.killSwitchStatus().phase, { timeout: 30_000 }).toBe("completed");
    expect(engine.kernel.activeAccount.ledger.positions()).toEqual([]);

    await expect.poll(() => telegram.messagesTo(CHAT).some((m) => /Kill switch started/.test(m.text)), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => telegram.messagesTo(CHAT).some((m) => /Kill switch finished/.test(m.text)), { timeout: 20_000 }).toBe(true);
    expect(telegram.messagesTo(CHAT).find((m) => /Kill switch finished/.test(m.text))!.text).toMatch(/1 position\(s\) closed/);

    await expect.poll(() => smtp.mails.filter((m) => /Kill switch/.test(m.subject)).length, { timeout: 20_000 }).toBe(2);
    const mail = smtp.mails.find((m) => /Kill switch started/.test(m.subject))!;
    expect(mail.subject).toMatch(/^\[Tradekeel CRITICAL\]/);
    expect(mail.to).toEqual(["owner@example.test"]);
    expect(mail.user).toBe("bot");

    const delivered = () => hook.received.filter((r) => r.status === 200).map((r) => JSON.parse(r.body) as { kind: string; title: string });
    await expect.poll(() => delivered().filter((b) => b.kind === "kill_switch").length, { timeout: 20_000 }).toBe(2);
    // That POST was answered 503 and sent again, byte for byte.
    expect(hook.received[firstKillHook].status).toBe(503);
    const refused = hook.received[firstKillHook];
    expect(hook.received.slice(firstKillHook + 1).some((r) => r.status === 200 && r.body === refused.body)).toBe(true);
    for (const r of hook.received) {
      const ts = String(r.headers["x-tradekeel-timestamp"]);
      const expected = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(`${ts}.${r.body}`).digest("hex")}`;
      expect(r.headers["x-tradekeel-signature"]).toBe(expected);
    }
  }, 90_000);

  it("/reset is refused from chat", async () => {
    expect(await ask(CHAT, "/reset", /cannot be reset from chat/)).toMatch(/dashboard/);
    expect(engine.kernel.activeAccount.tradingState).toBe("HALTED");
  }, 30_000);

  it("the alert log lists the kill switch alerts with their deliveries, and the commands", async () => {
    await alerts.idle();
    const log = await alerts.log({ limit: 200 });
    const kills = log.filter((e) => e.kind === "kill_switch");
    expect(kills.map((e) => e.title).sort()).toEqual([expect.stringMatching(/^Kill switch finished/), expect.stringMatching(/^Kill switch started/)]);
    for (const entry of kills) {
      expect(entry.severity).toBe("critical");
      expect(entry.deliveries.map((d) => `${d.kind}:${d.status}`).sort()).toEqual(["email:sent", "telegram:sent", "webhook:sent"]);
    }
    const retried = kills.flatMap((e) => e.deliveries).filter((d) => d.kind === "webhook" && d.attempts > 1);
    expect(retried).toHaveLength(1);
    const commands = log.filter((e) => e.kind === "command").map((e) => e.data.command);
    expect(commands).toEqual(expect.arrayContaining(["status", "positions", "kill", "reset"]));
    expect(log.some((e) => e.kind === "position_opened")).toBe(true);
    expect(lastReply(STRANGER)).toBe("");
  }, 30_000);

  it("the metrics saw the same run: one completed kill switch, the fill, the alerts sent", async () => {
    const text = await metrics.text();
    expect(text).toMatch(/^tradekeel_kill_switch_duration_seconds_count\{outcome="completed"\} 1$/m);
    expect(text).toMatch(/^tradekeel_trading_state\{mode="paper",state="HALTED"\} 1$/m);
    expect(text).toMatch(/^tradekeel_fills_total\{mode="paper",side="sell"\} 1$/m);
    expect(text).toMatch(/^tradekeel_alerts_total\{channel="webhook",status="sent"\} \d+$/m);
    expect(text).toMatch(/^tradekeel_open_positions\{mode="paper"\} 0$/m);
  });
});
