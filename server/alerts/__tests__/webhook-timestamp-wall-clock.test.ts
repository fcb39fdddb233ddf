import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsConfigSchema } from "../../config/alerts";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import type { EngineEvents } from "../../engine/events";
import { webhookSignature } from "../channels/webhook";
import { createAlertService, type AlertService } from "../service";
import { createMemoryAlertStore } from "../store";
import { WebhookReceiver } from "../fakes/webhook-receiver";

/**
 * The simulator's market clock runs SIM_SPEED times faster than the wall clock (an hour ahead after a
 * minute at 60×). A webhook receiver refuses replays by comparing X-Tradekeel-Timestamp with its own
 * clock, so the timestamp is wall time, whatever the engine's clock says; the signature covers it.
 */
const SECRET = "wall-clock-webhook-secret-0123456789";
let hook: WebhookReceiver;
let service: AlertService;
const bus = new EventBus<EngineEvents>();
const marketClock = new ManualClock(Date.UTC(2031, 0, 1)); // years ahead of the wall clock
const wallNow = 1_780_000_000_000;

beforeAll(async () => {
  hook = await new WebhookReceiver().start();
  service = createAlertService({
    bus,
    config: alertsConfigSchema.parse({ webhook: { url: hook.url, secret: SECRET } }),
    timeZone: "UTC",
    quoteCurrency: "USDT",
    store: createMemoryAlertStore(),
    clock: marketClock,
    wallNow: () => wallNow,
    logger: createLogger("silent"),
  });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  await hook?.stop();
});

describe("a webhook sent while the simulator runs fast", () => {
  it("carries the wall-clock time, signed, not the market clock's", async () => {
    bus.emit("kill-switch", { action: "flatten", phase: "running", startedAt: marketClock.now(), finishedAt: null, durationMs: null, ordersCancelled: 0, positionsClosed: 0, flatConfirmed: false, accounts: {}, remaining: { orders: [], positions: [] }, errors: [] });
    await service.idle();
    expect(hook.received.length).toBeGreaterThanOrEqual(1);
    const [received] = hook.received;
    const timestamp = String(received.headers["x-tradekeel-timestamp"]);
    expect(timestamp).toBe(String(wallNow));
    expect(received.headers["x-tradekeel-signature"]).toBe(webhookSignature(SECRET, timestamp, received.body));
  });
});
