import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { alertsConfigSchema } from "../../config/alerts";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import type { EngineEvents } from "../../engine/events";
import { createAlertService, type AlertService } from "../service";
import { createMemoryAlertStore } from "../store";
import type { PeriodReport, TradingCommands } from "../types";
import { WebhookReceiver } from "../fakes/webhook-receiver";

/**
 * The daily summary's check runs on the injected clock (issue 13): nobody has to call tick() for the
 * 20:00 summary to go out, a clock advanced over the evening sends it with the 20:00 numbers, and the
 * scheduled check and a check by hand at the same moment never send the same summary twice.
 */
const SUNDAY_1958 = Date.UTC(2026, 11, 6, 19, 58, 0);
let hook: WebhookReceiver;
let clock: ManualClock;
let service: AlertService | undefined;
let calls: Array<[number, number]>;
/** While set, report() waits for it (a slow database). */
let reportGate: Promise<void> | undefined;

const kinds = () => hook.received.map((r) => (JSON.parse(r.body) as { kind: string }).kind);

const commands = {
  report: async (from: number, to: number): Promise<PeriodReport> => {
    calls.push([from, to]);
    await reportGate;
    return { from, to, quoteCurrency: "USDT", pnl: 3, trades: 2, wins: 1, winRatePct: 50, maxDrawdownPct: 0.5, equity: 10_003, sharpe: null };
  },
} as unknown as TradingCommands;

function start(): AlertService {
  service = createAlertService({
    bus: new EventBus<EngineEvents>(),
    config: alertsConfigSchema.parse({ webhook: { url: hook.url }, weeklySummaryDay: "mon" }),
    timeZone: "UTC",
    quoteCurrency: "USDT",
    store: createMemoryAlertStore(),
    clock,
    logger: createLogger("silent"),
    commands,
    retry: { policy: { initialMs: 10, maxMs: 20, factor: 2, jitter: 0, rateLimitedMinMs: 10 }, maxAttempts: 2 },
    summaryCheckMs: 60_000,
  });
  return service;
}

beforeEach(async () => {
  hook = await new WebhookReceiver().start();
  clock = new ManualClock(SUNDAY_1958);
  calls = [];
  reportGate = undefined;
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await hook.stop();
});

describe("the summary check on the clock", () => {
  it("sends the 20:00 summary when the clock passes 20:00, with the 20:00 period, without a check by hand", async () => {
    const alerts = start();
    await alerts.start();
    clock.set(Date.UTC(2026, 11, 6, 19, 59, 30));
    await alerts.idle();
    expect(kinds()).toEqual([]);
    // The clock jumps to 20:30: the beat at 20:00 sends it, with the day ending at 20:00.
    clock.set(Date.UTC(2026, 11, 6, 20, 30, 0));
    await alerts.idle();
    expect(kinds()).toEqual(["daily_summary"]);
    const at2000 = Date.UTC(2026, 11, 6, 20, 0, 0);
    expect(calls).toEqual([[at2000 - 86_400_000, at2000]]);
  });

  it("a scheduled check and a check by hand at 20:00 send the daily summary once, even while the report is slow", async () => {
    const alerts = start();
    await alerts.start();
    let release!: () => void;
    reportGate = new Promise<void>((resolve) => (release = resolve));
    clock.set(Date.UTC(2026, 11, 6, 20, 0, 0)); // the scheduled beat runs now
    const byHand = [alerts.tick(), alerts.tick()];
    await expect.poll(() => calls.length).toBe(1);
    release();
    await Promise.all(byHand);
    await alerts.idle();
    expect(kinds()).toEqual(["daily_summary"]);
    expect(calls).toHaveLength(1);
  });

  it("after stop() the clock moving on sends nothing", async () => {
    const alerts = start();
    await alerts.start();
    await alerts.stop();
    service = undefined;
    clock.set(Date.UTC(2026, 11, 7, 21, 0, 0));
    await alerts.idle();
    expect(calls).toEqual([]);
    expect(kinds()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});
