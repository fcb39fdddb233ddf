import { describe, expect, it } from "vitest";
import { InMemoryRiskStateStore } from "../state-store";
import { context, entry, exit, HOUR, longBtc, MIN, startEngine, T0 } from "./fixtures";

const DAY = 24 * HOUR;

describe("daily loss breaker", () => {
  it("daily loss at 80% warns, at 100% moves to REDUCING and blocks entries but lets exits through", async () => {
    const { engine, sink, store } = await startEngine();
    engine.observe(context({ equity: 10_000 })); // day opens at 10,000: limit 3% = 300
    engine.observe(context({ now: T0 + MIN, equity: 9_760 })); // 240 lost = 80%
    expect(sink.codes("warning")).toEqual(["DAILY_LOSS_WARNING"]);
    engine.observe(context({ now: T0 + 2 * MIN, equity: 9_750 }));
    expect(sink.codes("warning")).toEqual(["DAILY_LOSS_WARNING"]); // once per day
    expect(engine.state).toBe("ACTIVE");

    const ctx = context({ now: T0 + 3 * MIN, equity: 9_700, positions: [longBtc()] }); // 300 lost = 100%
    const blocked = engine.evaluate(entry({ symbol: "ETH/USDT", quantity: 0.2, stopLoss: 2_475, takeProfit: 2_550 }), ctx);
    expect(engine.state).toBe("REDUCING");
    expect(blocked.code).toBe("TRADING_REDUCING");
    expect(blocked.message).toContain("daily loss 300.00 USDT");
    expect(engine.evaluate(exit(), ctx).allowed).toBe(true);
    expect(sink.codes("breaker")).toEqual(["DAILY_LOSS_LIMIT"]);
    expect(sink.codes("state_change")).toContain("STATE_REDUCING");

    // Equity recovering does not lift the latch the same day.
    engine.observe(context({ now: T0 + HOUR, equity: 9_950 }));
    expect(engine.state).toBe("REDUCING");
    await engine.flush();
    expect(store instanceof InMemoryRiskStateStore && store.peek()?.latches.map((l) => l.id)).toEqual(["daily_loss"]);
  });

  it("the daily latch lifts at midnight New York, not midnight UTC, and the new day gets a fresh budget", async () => {
    const { engine, sink } = await startEngine({ timeZone: "America/New_York" });
    engine.observe(context({ equity: 10_000 })); // 07:00 New York, 6 March
    engine.observe(context({ now: T0 + HOUR, equity: 9_690 }));
    expect(engine.state).toBe("REDUCING");
    const utcMidnight = Date.UTC(2024, 2, 7, 0, 0);
    expect(engine.observe(context({ now: utcMidnight, equity: 9_690 }))).toBe("REDUCING");
    const nyMidnight = Date.UTC(2024, 2, 7, 5, 0); // EST = UTC-5
    expect(engine.observe(context({ now: nyMidnight - 1, equity: 9_690 }))).toBe("REDUCING");
    expect(engine.observe(context({ now: nyMidnight, equity: 9_690 }))).toBe("ACTIVE");
    expect(sink.codes("state_change")).toContain("LATCH_EXPIRED");
    const usage = engine.getUsage(context({ now: nyMidnight + MIN, equity: 9_690 }));
    expect(usage.find((u) => u.key === "dailyLoss")).toMatchObject({ used: 0, limit: 290.7 });
  });

  it("a person's reset does not lift a daily loss latch early", async () => {
    const { engine } = await startEngine();
    engine.observe(context({ equity: 10_000 }));
    engine.observe(context({ now: T0 + MIN, equity: 9_600 }));
    const result = await engine.reset({ confirm: true, actor: "alice" });
    expect(result.state).toBe("REDUCING");
    expect(result.kept.map((l) => l.id)).toEqual(["daily_loss"]);
  });
});

describe("weekly loss breaker", () => {
  it("6% lost over the ISO week pauses entries until Monday 00:00 local", async () => {
    const { engine } = await startEngine({ dailyLossPct: 5 });
    engine.observe(context({ now: Date.UTC(2024, 2, 4, 1), equity: 10_000 })); // Monday
    engine.observe(context({ now: Date.UTC(2024, 2, 5, 1), equity: 9_700 })); // Tuesday opens at 9,700
    engine.observe(context({ now: Date.UTC(2024, 2, 6, 1), equity: 9_450 })); // Wednesday opens at 9,450
    expect(engine.observe(context({ now: Date.UTC(2024, 2, 6, 10), equity: 9_400 }))).toBe("REDUCING");
    expect(engine.latches.map((l) => l.code)).toEqual(["WEEKLY_LOSS_LIMIT"]);
    expect(engine.latches[0]!.until).toBe(Date.UTC(2024, 2, 11));
    expect(engine.observe(context({ now: Date.UTC(2024, 2, 10, 23, 59), equity: 9_400 }))).toBe("REDUCING");
    expect(engine.observe(context({ now: Date.UTC(2024, 2, 11), equity: 9_400 }))).toBe("ACTIVE");
  });
});

describe("drawdown breaker", () => {
  it("equity 10% under its peak pauses entries until a person resets; the reset rebases the peak", async () => {
    const { engine, store } = await startEngine();
    engine.observe(context({ now: T0 - 10 * DAY, equity: 12_000 }));
    engine.observe(context({ now: T0 - 3 * DAY, equity: 10_900 }));
    expect(engine.state).toBe("ACTIVE");
    engine.observe(context({ equity: 10_800 })); // 10% below 12,000
    expect(engine.state).toBe("REDUCING");
    expect(engine.latches[0]).toMatchObject({ code: "DRAWDOWN_LIMIT", until: null });
    // Next day, no calendar lift.
    expect(engine.observe(context({ now: T0 + 2 * DAY, equity: 10_800 }))).toBe("REDUCING");

    await expect(engine.reset({ confirm: false, actor: "bob" })).rejects.toMatchObject({ code: "CONFIRMATION_REQUIRED" });
    const result = await engine.reset({ confirm: true, actor: "bob", reason: "reviewed" });
    expect(result).toMatchObject({ state: "ACTIVE", cleared: ["drawdown"] });
    expect(engine.observe(context({ now: T0 + 2 * DAY + MIN, equity: 10_800 }))).toBe("ACTIVE");
    expect((store as InMemoryRiskStateStore).peek()?.equityPeak?.equity).toBe(10_800);
  });
});

describe("consecutive losses breaker", () => {
  const loss = (minutesAgo: number, exitReason: "stop_loss" | "signal" | "manual" = "stop_loss") => ({
    symbol: "ETH/USDT",
    pnl: -3,
    closedAt: T0 - minutesAgo * MIN,
    exitReason,
  });

  it("four losing trades in a row, whatever the exit reason, move to REDUCING until a person resets", async () => {
    // Pinned at 4 (the default became 3 with issue 16; see live-rulebook-and-plan-defaults.test.ts).
    const { engine, sink } = await startEngine({ maxConsecutiveLosses: 4 });
    const trades = [loss(40), loss(30, "signal"), loss(20, "manual")];
    expect(engine.observe(context({ recentClosedTrades: trades }))).toBe("ACTIVE");
    const four = [...trades, loss(10)];
    const ctx = context({ recentClosedTrades: four, positions: [longBtc()] });
    expect(engine.evaluate(entry(), ctx).code).toBe("TRADING_REDUCING");
    expect(engine.evaluate(exit(), ctx).allowed).toBe(true);
    expect(sink.events.find((e) => e.kind === "breaker")).toMatchObject({ code: "CONSECUTIVE_LOSSES", data: { streak: 4 } });

    await engine.reset({ confirm: true, actor: "carol" });
    // The four earlier losses no longer count; trading resumes.
    expect(engine.observe(context({ now: T0 + MIN, recentClosedTrades: four }))).toBe("ACTIVE");
    // Three more losses after the reset do not trip it; a fourth does.
    const after = [...four, ...[1, 2, 3].map((i) => ({ ...loss(0), closedAt: T0 + (i + 1) * MIN }))];
    expect(engine.observe(context({ now: T0 + 10 * MIN, recentClosedTrades: after }))).toBe("ACTIVE");
    expect(engine.observe(context({ now: T0 + 11 * MIN, recentClosedTrades: [...after, { ...loss(0), closedAt: T0 + 11 * MIN }] }))).toBe("REDUCING");
  });

  it("a winning trade breaks the streak", async () => {
    const { engine } = await startEngine({ maxConsecutiveLosses: 4 });
    const trades = [loss(50), loss(40), loss(30), { symbol: "BTC/USDT", pnl: 2, closedAt: T0 - 25 * MIN }, loss(20), loss(10)];
    expect(engine.observe(context({ recentClosedTrades: trades }))).toBe("ACTIVE");
    expect(engine.getUsage(context({ recentClosedTrades: trades })).find((u) => u.key === "consecutiveLosses")?.used).toBe(2);
  });
});

describe("venue errors breaker", () => {
  it("5 venue errors within 300 s halt trading, exits included, until a person resets", async () => {
    const { engine, sink, clock } = await startEngine();
    for (let i = 0; i < 4; i++) {
      engine.recordVenueError({ message: "503 Service Unavailable" });
      clock.advance(60_000);
    }
    expect(engine.state).toBe("ACTIVE");
    engine.recordVenueError({ message: "RequestTimeout", code: "ETIMEDOUT" });
    expect(engine.state).toBe("HALTED");
    const ctx = context({ now: clock.now(), positions: [longBtc()] });
    expect(engine.evaluate(exit(), ctx).code).toBe("TRADING_HALTED");
    expect(sink.events.find((e) => e.kind === "breaker")).toMatchObject({ code: "VENUE_ERRORS", severity: "critical" });
    expect((await engine.reset({ confirm: true, actor: "dan" })).state).toBe("ACTIVE");
    engine.recordVenueError({ message: "one more" });
    expect(engine.state).toBe("ACTIVE"); // the window was cleared by the reset
  });

  it("errors spread wider than the window do not trip it", async () => {
    const { engine, clock } = await startEngine();
    for (let i = 0; i < 10; i++) {
      engine.recordVenueError({ message: "503" });
      clock.advance(76_000); // any 5 consecutive errors span 304 s > 300 s
    }
    expect(engine.state).toBe("ACTIVE");
  });
});

describe("reconciliation breaker", () => {
  it("a failed reconciliation halts trading and is persisted", async () => {
    const { engine, store } = await startEngine();
    engine.reportReconciliationFailure({ message: "venue holds 0.5 BTC, ledger 0.3 BTC", data: { symbol: "BTC/USDT" } });
    expect(engine.state).toBe("HALTED");
    await engine.flush();
    expect((store as InMemoryRiskStateStore).peek()).toMatchObject({ tradingState: "HALTED", latches: [{ id: "reconciliation" }] });
  });
});

describe("manual stop", () => {
  it("stop new entries: REDUCING, persisted before it resolves, exits still go out", async () => {
    const { engine, store } = await startEngine();
    await engine.stopNewEntries({ actor: "erin", reason: "news in 10 minutes" });
    expect((store as InMemoryRiskStateStore).peek()?.tradingState).toBe("REDUCING");
    const ctx = context({ positions: [longBtc()] });
    expect(engine.evaluate(entry(), ctx).message).toContain("news in 10 minutes");
    expect(engine.evaluate(exit(), ctx).allowed).toBe(true);
  });
});
