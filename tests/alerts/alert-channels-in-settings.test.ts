import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthService } from "../../server/auth";
import { createSecretBox } from "../../server/auth/secret-box";
import { STATIC_TOKEN, TEST_SCRYPT, openTestDatabase, testConfig } from "../../server/auth/__tests__/fixtures";
import { alertsConfigSchema } from "../../server/config/alerts";
import { ManualClock } from "../../server/core/clock";
import { EventBus } from "../../server/core/event-bus";
import { createLogger } from "../../server/core/logger";
import type { Database } from "../../server/db/database";
import type { EngineEvents } from "../../server/engine/events";
import { clearServices, registerServices } from "../../server/http/registry";
import type { Services } from "../../server/http/services";
import { createAlertService, type AlertService } from "../../server/alerts/service";
import { createPrismaAlertStore } from "../../server/alerts/store";
import { SmtpSink } from "../../server/alerts/fakes/smtp-sink";
import { WebhookReceiver } from "../../server/alerts/fakes/webhook-receiver";
import * as channelsRoute from "../../app/api/alerts/channels/route";
import * as channelRoute from "../../app/api/alerts/channels/[id]/route";
import * as testRoute from "../../app/api/alerts/channels/[id]/test/route";
import * as logRoute from "../../app/api/alerts/route";

/**
 * The owner adds an e-mail channel in Settings, presses "send test", and gets the mail; the SMTP
 * password is stored sealed and never comes back out of the API. A webhook from the environment is
 * listed read-only. The test messages show in the alert log.
 */
let db: Database;
let close: () => Promise<void>;
let alerts: AlertService;
let smtp: SmtpSink;
let hook: WebhookReceiver;
const SMTP_PASSWORD = "s3cret-smtp-password";

const auth = { authorization: `Bearer ${STATIC_TOKEN}`, host: "127.0.0.1:3000", "content-type": "application/json" };
const ctx = (id?: string) => ({ params: Promise.resolve<Record<string, string>>(id ? { id } : {}) });
const call = (handler: (req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>, method: string, path: string, body?: unknown, id?: string) =>
  handler(new Request(`http://127.0.0.1:3000${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) }), ctx(id));

beforeAll(async () => {
  [smtp, hook] = await Promise.all([new SmtpSink({ user: "owner", password: SMTP_PASSWORD }).start(), new WebhookReceiver().start()]);
  const opened = await openTestDatabase();
  db = opened.db;
  close = opened.close;
  const config = testConfig(opened.dir);
  const box = createSecretBox({ key: randomBytes(32), id: "channeltest1" });
  const authService = await createAuthService({ config, prisma: db.prisma, logger: createLogger("silent"), scryptParams: TEST_SCRYPT, secretBox: box, clock: new ManualClock(Date.now()) });
  alerts = createAlertService({
    bus: new EventBus<EngineEvents>(),
    config: alertsConfigSchema.parse({ webhook: { url: hook.url, secret: "env-webhook-secret-0123" } }),
    timeZone: "UTC",
    quoteCurrency: "USDT",
    store: createPrismaAlertStore(db.prisma, box),
    clock: { now: () => Date.now() },
    logger: createLogger("silent"),
    retry: { policy: { initialMs: 10, maxMs: 20, factor: 2, jitter: 0, rateLimitedMinMs: 10 }, maxAttempts: 2 },
  });
  await alerts.start();
  registerServices({ config, logger: createLogger("silent"), db, auth: authService, alerts } as unknown as Services);
}, 60_000);

afterAll(async () => {
  clearServices();
  await alerts?.stop();
  await close?.();
  await Promise.all([smtp?.stop(), hook?.stop()]);
});

describe("alert channels in Settings", () => {
  it("an e-mail channel is added, tested and stored with its password sealed", async () => {
    const created = await call(channelsRoute.POST, "POST", "/api/alerts/channels", {
      kind: "email",
      name: "My inbox",
      settings: { host: "127.0.0.1", port: smtp.port, user: "owner", from: "bot@example.test", to: ["me@example.test"] },
      secrets: { password: SMTP_PASSWORD },
    });
    expect(created.status).toBe(201);
    const channel = (await created.json()) as { id: string; secrets: Record<string, boolean>; routing: { minSeverity: string } };
    expect(channel.secrets).toEqual({ password: true });
    expect(channel.routing.minSeverity).toBe("warning");

    const row = await db.prisma.alertChannel.findUniqueOrThrow({ where: { id: channel.id } });
    expect(row.secretsEnc).toMatch(/^v1:channeltest1:/);
    expect(JSON.stringify(row)).not.toContain(SMTP_PASSWORD);

    const listed = JSON.stringify(await (await call(channelsRoute.GET, "GET", "/api/alerts/channels")).json());
    expect(listed).not.toContain(SMTP_PASSWORD);
    expect(listed).toContain('"id":"config:webhook"');
    expect(listed).not.toContain("env-webhook-secret");

    const tested = await call(testRoute.POST, "POST", `/api/alerts/channels/${channel.id}/test`, {}, channel.id);
    expect(await tested.json()).toMatchObject({ status: "sent", attempts: 1 });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({ user: "owner", to: ["me@example.test"] });
    expect(smtp.mails[0].subject).toBe("[Tradekeel INFO] Test message for My inbox");

    // Renaming without resending the password keeps the stored one.
    const updated = await call(channelRoute.PUT, "PUT", `/api/alerts/channels/${channel.id}`, { kind: "email", name: "Inbox", settings: { host: "127.0.0.1", port: smtp.port, user: "owner", from: "bot@example.test", to: ["me@example.test"] } }, channel.id);
    expect(updated.status).toBe(200);
    expect(await (await call(testRoute.POST, "POST", `/api/alerts/channels/${channel.id}/test`, {}, channel.id)).json()).toMatchObject({ status: "sent" });
    expect(smtp.mails).toHaveLength(2);
  });

  it("a wrong SMTP password fails the test at once, with the server's reason, and no retry", async () => {
    const created = (await (await call(channelsRoute.POST, "POST", "/api/alerts/channels", { kind: "email", settings: { host: "127.0.0.1", port: smtp.port, user: "owner", from: "bot@example.test", to: ["me@example.test"] }, secrets: { password: "wrong" } })).json()) as { id: string };
    const result = (await (await call(testRoute.POST, "POST", `/api/alerts/channels/${created.id}/test`, {}, created.id)).json()) as { status: string; attempts: number; error: string };
    expect(result.status).toBe("failed");
    expect(result.attempts).toBe(1);
    expect(result.error).toMatch(/535|auth/i);
  });

  it("the configured webhook cannot be edited from Settings; a bad channel is a 400 naming the field", async () => {
    const refused = await call(channelRoute.DELETE, "DELETE", "/api/alerts/channels/config:webhook", undefined, "config:webhook");
    expect(refused.status).toBe(409);
    const bad = await call(channelsRoute.POST, "POST", "/api/alerts/channels", { kind: "webhook", settings: { url: "ftp://nope" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^settings\.url: expected an http\(s\) URL/);
    const tested = await call(testRoute.POST, "POST", "/api/alerts/channels/config:webhook/test", {}, "config:webhook");
    expect(await tested.json()).toMatchObject({ status: "sent" });
    expect(hook.received.at(-1)!.headers["x-tradekeel-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("the alert log lists the test messages, newest first", async () => {
    await alerts.idle();
    const res = await call(logRoute.GET, "GET", "/api/alerts?limit=10&kind=test");
    const { items } = (await res.json()) as { items: Array<{ kind: string; title: string; at: number; deliveries: Array<{ status: string }> }> };
    expect(items.map((i) => i.deliveries[0].status)).toEqual(["sent", "failed", "sent", "sent"]);
    expect(items[0].at).toBeGreaterThanOrEqual(items.at(-1)!.at);
    const unauthenticated = await logRoute.GET(new Request("http://127.0.0.1:3000/api/alerts", { headers: { host: "127.0.0.1:3000" } }), ctx());
    expect(unauthenticated.status).toBe(401);
  });
});
