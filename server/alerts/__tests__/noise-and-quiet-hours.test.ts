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
 * The bot must not cry wolf: a venue that flaps for an hour is one message (with its repeats counted
 * in the log), a burst of different warnings stops at the hourly budget, quiet hours hold back all
 * but critical alerts, and summaries go out once a day at their local time, also after a restart.
 */
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
let hook: WebhookReceiver;
let bus: EventBus<EngineEvents>;
let clock: ManualClock;
let store: ReturnType<typeof createMemoryAlertStore>;
let service: AlertService | undefined;

const bodies = () => hook.received.map((r) => JSON.parse(r.body) as { kind: string; severity: string; title: string; data: Record<string, unknown> });

function start(extra: Record<string, unknown> = {}, commands?: TradingCommands): AlertService {
  service = createAlertService({
    bus,
    config: alertsConfigSchema.parse({ webhook: { url: hook.url }, ...extra }),
    timeZone: "UTC",
    quoteCurrency: "USDT",
    store,
    clock,
    logger: createLogger("silent"),
    commands,
    retry: { policy: { initialMs: 10, maxMs: 20, factor: 2, jitter: 0, rateLimitedMinMs: 10 }, maxAttempts: 2 },
    summaryCheckMs: 3_600_000,
  });
  return service;
}

function venueError(n: number): EngineEvents["risk:event"] {
  return { id: `re${n}`, timestamp: clock.now(), kind: "warning", code: "VENUE_ERROR", severity: "warning", message: `venue error ${n}/5 in 60 s (network): ECONNRESET`, data: { count: n }, mode: "live" };
}

beforeEach(async () => {
  hook = await new WebhookReceiver().start();
  bus = new EventBus<EngineEvents>();
  clock = new ManualClock(T0);
  store = createMemoryAlertStore();
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await hook.stop();
});

describe("a flapping venue", () => {
  it("500 venue errors in 20 minutes send 2 messages (one per dedupe window), the repeats counted in the log", async () => {
    const alerts = start({ dedupeWindowMin: 15 });
    await alerts.start();
    for (let i = 0; i < 500; i++) {
      bus.emit("risk:event", venueError(i));
      clock.advance(2_400); // 500 × 2.4 s = 20 min
    }
    await alerts.idle();
    const sent = bodies().filter((b) => b.kind === "venue_error");
    expect(sent).toHaveLength(2);
    const log = store.log.filter((e) => e.kind === "venue_error");
    expect(log).toHaveLength(2);
    expect(log.reduce((n, e) => n + 1 + e.repeats, 0)).toBe(500);
    expect(log[0].repeats).toBe(374); // 15 min / 2.4 s = 375 events in the first window
  });

  it("a burst of different warnings stops at the hourly budget; critical alerts still go", async () => {
    const alerts = start({ maxPerHour: 5 });
    await alerts.start();
    for (let i = 0; i < 40; i++) bus.emit("warning", { code: `ODD_THING_${i}`, message: `odd thing ${i}`, mode: "paper", at: clock.now() });
    bus.emit("trading-state", { mode: "paper", tradingState: "HALTED", reason: "kill switch by test" });
    await alerts.idle();
    expect(bodies().filter((b) => b.kind === "warning")).toHaveLength(5);
    expect(bodies().filter((b) => b.kind === "trading_state" && b.severity === "critical")).toHaveLength(1);
    const limited = store.log.filter((e) => e.deliveries.some((d) => d.status === "rate_limited"));
    expect(limited).toHaveLength(35);
    // An hour later the budget is back.
    clock.advance(3_600_001);
    bus.emit("warning", { code: "LATER", message: "later", mode: "paper", at: clock.now() });
    await alerts.idle();
    expect(bodies().filter((b) => b.kind === "warning")).toHaveLength(6);
  });
});

describe("quiet hours", () => {
  it("23:00-07:00: a closed trade at 02:00 is logged but not sent; an exit alarm is sent at once", async () => {
    clock.set(Date.UTC(2026, 11, 2, 2, 0, 0));
    const alerts = start({ quietHours: "23:00-07:00" });
    await alerts.start();
    bus.emit("trade", { id: "t1", positionId: "p1", mode: "paper", symbol: "BTC/USDT", side: "long", quantity: 0.001, entryPrice: 100_000, exitPrice: 100_100, pnl: 0.05, pnlPct: 0.1, fees: 0.05, openedAt: clock.now() - 60_000, closedAt: clock.now(), exitReason: "take_profit", entryReason: "test", exitReasonText: "take profit", durationMs: 60_000 });
    bus.emit("exit:alarm", { mode: "live", alarms: [{ id: "live:ETH/USDT|s1", mode: "live", positionId: "p2", symbol: "ETH/USDT", side: "long", strategyInstanceId: "s1", quantity: 0.5, closableQuantity: 0, code: "EXIT_REJECTED", reason: "insufficient balance", attempts: 3, since: clock.now(), updatedAt: clock.now() }] });
    await alerts.idle();
    expect(bodies().map((b) => b.kind)).toEqual(["exit_alarm"]);
    expect(store.log.find((e) => e.kind === "position_closed")!.deliveries[0].status).toBe("quiet_hours");
    // At 07:00 the next closed trade is sent again.
    clock.set(Date.UTC(2026, 11, 2, 7, 0, 0));
    bus.emit("trade", { id: "t2", positionId: "p3", mode: "paper", symbol: "BTC/USDT", side: "long", quantity: 0.001, entryPrice: 100_000, exitPrice: 99_900, pnl: -0.15, pnlPct: -0.15, fees: 0.05, openedAt: clock.now() - 60_000, closedAt: clock.now(), exitReason: "stop_loss", entryReason: "test", exitReasonText: "stop loss", durationMs: 60_000 });
    await alerts.idle();
    expect(bodies().map((b) => b.kind)).toEqual(["exit_alarm", "position_closed"]);
  });

  it("quiet hours follow the configured time zone (Europe/Berlin: 01:30 UTC is 02:30 local)", async () => {
    clock.set(Date.UTC(2026, 11, 2, 1, 30, 0));
    const alerts = start({ quietHours: "02:00-06:00", timeZone: "Europe/Berlin" });
    await alerts.start();
    bus.emit("warning", { code: "SOMETHING", message: "x", at: clock.now() });
    await alerts.idle();
    expect(bodies()).toEqual([]);
    expect(store.log[0].deliveries[0].status).toBe("quiet_hours");
  });
});

describe("summaries", () => {
  const report = (r: Partial<PeriodReport>): PeriodReport => ({ from: 0, to: 0, quoteCurrency: "USDT", pnl: 12.5, trades: 8, wins: 5, winRatePct: 62.5, maxDrawdownPct: 1.2, equity: 10_012.5, sharpe: 0.4, ...r });
  const commands = (calls: Array<[number, number]>): TradingCommands =>
    ({
      report: async (from: number, to: number) => {
        calls.push([from, to]);
        return report({ from, to });
      },
    }) as unknown as TradingCommands;

  it("the daily summary goes out once at 20:00 local, not again after a restart; the weekly one on Sunday", async () => {
    clock.set(Date.UTC(2026, 11, 6, 19, 59, 0)); // Sunday
    const calls: Array<[number, number]> = [];
    let alerts = start({}, commands(calls));
    await alerts.start();
    await alerts.tick();
    expect(bodies()).toEqual([]);
    clock.set(Date.UTC(2026, 11, 6, 20, 0, 0));
    await alerts.tick();
    await alerts.tick();
    await alerts.idle();
    expect(bodies().map((b) => b.kind)).toEqual(["daily_summary", "weekly_summary"]);
    expect(bodies()[0].title).toBe("Daily summary 2026-12-06: +12.50 USDT");
    expect(calls[0]).toEqual([clock.now() - 86_400_000, clock.now()]);
    expect(calls[1]).toEqual([clock.now() - 7 * 86_400_000, clock.now()]);
    // A restart the same evening finds today's summaries in the log.
    await alerts.stop();
    alerts = start({}, commands(calls));
    await alerts.start();
    clock.advance(3_600_000);
    await alerts.tick();
    await alerts.idle();
    expect(bodies()).toHaveLength(2);
    // Monday 20:00: daily only.
    clock.set(Date.UTC(2026, 11, 7, 20, 5, 0));
    await alerts.tick();
    await alerts.idle();
    expect(bodies().map((b) => b.kind)).toEqual(["daily_summary", "weekly_summary", "daily_summary"]);
  });
});

describe("daily loss and breakers", () => {
  it("the 80 % daily-loss warning and a breaker trip are sent; a denial is not", async () => {
    const alerts = start();
    await alerts.start();
    bus.emit("risk:event", { id: "a", timestamp: clock.now(), kind: "warning", code: "DAILY_LOSS_WARNING", severity: "warning", message: "daily loss 160.00 USDT is 80.0% of the 200.00 USDT limit", data: { ratio: 0.8 }, mode: "paper" });
    bus.emit("risk:event", { id: "b", timestamp: clock.now(), kind: "breaker", code: "CONSECUTIVE_LOSSES", severity: "warning", message: "4 losses in a row", data: {}, mode: "paper" });
    bus.emit("risk:event", { id: "c", timestamp: clock.now(), kind: "denial", code: "MAX_OPEN_POSITIONS", severity: "info", message: "3 open", data: {}, mode: "paper" });
    await alerts.idle();
    expect(bodies().map((b) => `${b.kind}:${b.title}`)).toEqual(["daily_loss_warning:Daily loss warning (paper)", "breaker:Breaker tripped: CONSECUTIVE_LOSSES (paper)"]);
  });
});
