import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsConfigSchema } from "../../config/alerts";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import type { EngineEvents } from "../../engine/events";
import { createWebhookSender } from "../channels/webhook";
import { FakeTelegramApi } from "../fakes/telegram-api";
import { WebhookReceiver } from "../fakes/webhook-receiver";
import { createAlertService, type AlertService } from "../service";
import { createMemoryAlertStore } from "../store";
import type { TradingCommands } from "../types";
import { alert } from "../rules";

/**
 * Freqtrade-style chat commands without two-factor: /daily and /stopentries answer; a /kill
 * confirmation expires after a minute on the bot's clock and a bare "/kill confirm" does nothing.
 */
const TOKEN = "777:CMD-test";
const CHAT = "42";
let telegram: FakeTelegramApi;
let service: AlertService;
const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
const calls: string[] = [];

const commands: TradingCommands = {
  status: async () => ({ mode: "paper", venueLabel: "simulator (SIMULATED)", tradingState: "ACTIVE", tradingStateReason: null, equity: 10_000, cash: 9_000, realizedPnl: 12, unrealizedPnl: -2, todayPnl: 3, quoteCurrency: "USDT", openPositions: 1, feed: "live", exitAlarms: 0 }),
  positions: async () => [],
  pnl: async () => ({ realizedPnl: 12, unrealizedPnl: -2, todayPnl: 3, trades: 4, winRatePct: 50, quoteCurrency: "USDT" }),
  daily: async (days) => {
    calls.push(`daily:${days}`);
    return [{ day: "2026-12-01", pnl: 3.5, trades: 2 }, { day: "2026-11-30", pnl: -1.25, trades: 1 }];
  },
  report: async () => ({ from: 0, to: 0, quoteCurrency: "USDT", pnl: 0, trades: 0, wins: 0, winRatePct: null, maxDrawdownPct: 0, equity: 0, sharpe: null }),
  stopEntries: async (actor) => {
    calls.push(`stop-entries:${actor}`);
    return "New entries stopped";
  },
  kill: async (actor) => {
    calls.push(`kill:${actor}`);
    return "Kill switch running";
  },
  twoFactorEnabled: async () => false,
  verifyTotp: async () => false,
};

async function ask(text: string, expected: RegExp): Promise<string> {
  const before = telegram.messagesTo(CHAT).length;
  telegram.userSends(CHAT, text);
  await expect.poll(() => telegram.messagesTo(CHAT).slice(before).find((m) => expected.test(m.text))?.text, { timeout: 15_000 }).toBeDefined();
  return telegram.messagesTo(CHAT).slice(before).find((m) => expected.test(m.text))!.text;
}

beforeAll(async () => {
  telegram = await new FakeTelegramApi(TOKEN).start();
  service = createAlertService({
    bus: new EventBus<EngineEvents>(),
    config: alertsConfigSchema.parse({ telegram: { botToken: TOKEN, chatIds: [CHAT], apiRoot: telegram.apiRoot } }),
    timeZone: "UTC",
    quoteCurrency: "USDT",
    store: createMemoryAlertStore(),
    clock,
    logger: createLogger("silent"),
    commands,
    telegramPollTimeoutS: 1,
  });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  await telegram?.stop();
});

describe("Telegram commands", () => {
  it("/daily lists P&L per day; /stopentries stops entries and names the chat as the actor", async () => {
    expect(await ask("/daily 3", /2026-12-01/)).toBe("2026-12-01: +3.50 (2 trades)\n2026-11-30: -1.25 (1 trade)");
    expect(calls).toContain("daily:3");
    expect(await ask("/stopentries", /New entries stopped/)).toMatch(/^⏸/);
    expect(calls).toContain(`stop-entries:telegram:${CHAT}`);
  });

  it("without 2FA, /kill then /kill confirm runs it; a confirmation after 60 s or without a request does nothing", async () => {
    expect(await ask("/kill confirm", /No kill switch request is waiting/)).toBeTruthy();
    expect(await ask("/kill", /To go ahead/)).toMatch(/\/kill confirm$/);
    clock.advance(61_000);
    expect(await ask("/kill confirm", /No kill switch request is waiting \(or it expired\)/)).toBeTruthy();
    expect(calls.filter((c) => c.startsWith("kill:"))).toEqual([]);
    await ask("/kill", /To go ahead/);
    clock.advance(30_000);
    expect(await ask("/kill confirm", /Kill switch running/)).toMatch(/^🛑/);
    expect(calls.filter((c) => c.startsWith("kill:"))).toEqual([`kill:telegram:${CHAT}`]);
  });

  it("a Bot API outage is retried: the alert arrives once the API answers again", async () => {
    telegram.failNext = { count: 2, status: 502 };
    const entry = await service.raise(alert("warning", "warning", "Flaky API test", "x", "flaky", clock.now(), {}));
    await service.idle();
    expect(entry?.deliveries[0]).toMatchObject({ status: "sent", attempts: 3 });
    expect(telegram.messagesTo(CHAT).filter((m) => m.text.includes("Flaky API test"))).toHaveLength(1);
  }, 60_000);
});

describe("webhook", () => {
  it("a 4xx answer is not retried; a signature is only sent with a secret", async () => {
    const hook = await new WebhookReceiver().start();
    try {
      hook.statuses = [400];
      const sender = createWebhookSender({ url: hook.url }, {}, { retry: { policy: { initialMs: 10, maxMs: 10, factor: 1, jitter: 0, rateLimitedMinMs: 10 }, maxAttempts: 5 } });
      await expect(sender.send(alert("test", "info", "t", "x", "k", 0, {}))).rejects.toMatchObject({ attempts: 1, message: "webhook answered HTTP 400" });
      expect(hook.received).toHaveLength(1);
      expect(hook.received[0].headers["x-tradekeel-signature"]).toBeUndefined();
    } finally {
      await hook.stop();
    }
  });
});
