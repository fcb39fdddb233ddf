import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import type { EngineEvents } from "../../engine/events";
import type { EngineRuntime } from "../../engine/runtime";
import type { EquityPoint } from "../../db/repositories/history";
import type { KernelMode } from "../../model/types";
import type { Repositories } from "../context";
import { EquityMarks, type EquityHistorySource } from "../equity-marks";
import { systemUseCases } from "../system";

/**
 * GET /api/status answers start-of-day and 24 h-ago equity from memory (equity-marks.ts), kept current by
 * the engine's equity events: the same answers the database queries gave, and a new trade counts at once.
 */

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 10, 0, 0, 0);

/** The equity table with the repository's semantics (firstSince: >= at, ascending; lastBefore: <= at). */
function storedCurve(points: Array<{ mode: KernelMode; timestamp: number; equity: number }>) {
  const rows = [...points];
  const of = (mode: KernelMode) => rows.filter((r) => r.mode === mode).sort((a, b) => a.timestamp - b.timestamp);
  const source = {
    rows,
    range: vi.fn(async (mode: KernelMode, from: number | undefined, to: number | undefined, limit: number): Promise<EquityPoint[]> =>
      of(mode)
        .filter((r) => (from === undefined || r.timestamp >= from) && (to === undefined || r.timestamp <= to))
        .slice(-limit)
        .map((r) => ({ timestamp: r.timestamp, equity: r.equity, cash: r.equity, realizedPnl: 0, unrealizedPnl: 0 })),
    ),
    firstSince: vi.fn(async (mode: KernelMode, at: number) => of(mode).find((r) => r.timestamp >= at)?.equity ?? null),
    lastBefore: vi.fn(async (mode: KernelMode, at: number) => of(mode).filter((r) => r.timestamp <= at).at(-1)?.equity ?? null),
  };
  return source satisfies EquityHistorySource;
}

function snapshot(mode: KernelMode, timestamp: number, equity: number): EngineEvents["equity"] {
  return { mode, timestamp, equity, cash: equity, realizedPnl: 0, unrealizedPnl: 0 };
}

describe("EquityMarks", () => {
  it("gives the database's answers, reading the database once for many questions", async () => {
    const stored = storedCurve([
      { mode: "paper", timestamp: T0 - 3 * DAY, equity: 9_000 },
      { mode: "paper", timestamp: T0 - 30 * HOUR, equity: 9_500 },
      { mode: "paper", timestamp: T0 - 2 * HOUR, equity: 9_800 },
      { mode: "paper", timestamp: T0 + HOUR, equity: 10_100 },
      { mode: "ghost", timestamp: T0 + HOUR, equity: 777 },
    ]);
    const bus = new EventBus<EngineEvents>();
    const marks = new EquityMarks(stored, bus);
    for (let now = T0 + 2 * HOUR; now < T0 + 20 * HOUR; now += 37 * 60_000) {
      const dayStart = T0;
      const got = await marks.marks("paper", dayStart, now - DAY);
      expect(got).toEqual({ firstToday: await stored.firstSince("paper", dayStart), dayAgo: await stored.lastBefore("paper", now - DAY) });
    }
    expect(stored.range).toHaveBeenCalledTimes(1);
    expect(await marks.marks("ghost", T0, T0 - HOUR)).toEqual({ firstToday: 777, dayAgo: null });
  });

  it("counts a published point at once, before the database has it", async () => {
    const stored = storedCurve([{ mode: "paper", timestamp: T0 - 2 * DAY, equity: 10_000 }]);
    const bus = new EventBus<EngineEvents>();
    const marks = new EquityMarks(stored, bus);
    expect(await marks.marks("paper", T0, T0 + HOUR - DAY)).toEqual({ firstToday: null, dayAgo: 10_000 });
    bus.emit("equity", snapshot("paper", T0 + 30 * 60_000, 10_250));
    bus.emit("equity", snapshot("paper", T0 + 40 * 60_000, 10_300));
    expect(await marks.marks("paper", T0, T0 + HOUR - DAY)).toEqual({ firstToday: 10_250, dayAgo: 10_000 });
    // A day later the first of those points is the 24 h-ago mark.
    expect(await marks.marks("paper", T0 + DAY, T0 + 35 * 60_000)).toEqual({ firstToday: null, dayAgo: 10_250 });
    expect(stored.range).toHaveBeenCalledTimes(1);
  });

  it("keeps points published while the curve is being read", async () => {
    const stored = storedCurve([]);
    const bus = new EventBus<EngineEvents>();
    const marks = new EquityMarks(stored, bus);
    const first = marks.marks("paper", T0, T0 - DAY);
    bus.emit("equity", snapshot("paper", T0 + 1_000, 10_050));
    await first;
    expect(await marks.marks("paper", T0, T0 - DAY)).toEqual({ firstToday: 10_050, dayAgo: null });
  });

  it("asks the database about an instant older than what it keeps", async () => {
    const stored = storedCurve([{ mode: "paper", timestamp: T0 - 10 * DAY, equity: 8_000 }]);
    const marks = new EquityMarks(stored, new EventBus<EngineEvents>());
    await marks.marks("paper", T0, T0 - HOUR);
    stored.rows.push({ mode: "paper", timestamp: T0 - 5 * DAY, equity: 8_500 });
    expect(await marks.marks("paper", T0 - 5 * DAY, T0 - 5 * DAY)).toEqual({ firstToday: 8_500, dayAgo: 8_500 });
    expect(stored.firstSince).toHaveBeenCalled();
  });
});

describe("GET /api/status from memory", () => {
  function fakeEngine(clock: ManualClock, bus: EventBus<EngineEvents>) {
    const ledger = { cash: 10_000, realizedPnl: 0, startingCash: 10_000, quoteCurrency: "USDT", equity: () => ledger.cash, unrealizedPnl: () => 0 };
    const account = { mode: "paper", ledger, tradingState: "ACTIVE", tradingStateReason: null, risk: { calendar: { day: (now: number) => ({ start: now - (now % DAY) }) } } };
    const engine = {
      clock,
      bus,
      kernel: { activeAccount: account, mode: "paper", accounts: new Map([["paper", account]]), exitAlarms: () => [] },
      market: { status: () => [], streamsTrades: false },
      venue: { id: "simulator", simulated: true },
      reconciliation: null,
      startedAt: T0,
    } as unknown as EngineRuntime;
    return { engine, ledger };
  }

  it("reflects a new trade at once: equity from the ledger, today's P&L from the trade's equity point", async () => {
    const clock = new ManualClock(T0 + 6 * HOUR);
    const bus = new EventBus<EngineEvents>();
    const { engine, ledger } = fakeEngine(clock, bus);
    const stored = storedCurve([
      { mode: "paper", timestamp: T0 + HOUR, equity: 10_000 },
      { mode: "paper", timestamp: T0 - 2 * DAY, equity: 9_000 },
    ]);
    const system = systemUseCases({ engine, repos: { equity: stored } as unknown as Repositories }, { kind: "embedded", ping: async () => ({ ok: true }) });

    const before = await system.status();
    expect(before).toMatchObject({ equity: 10_000, todayPnl: 0, realizedPnl: 0 });

    // A closing trade books +120: the ledger changes and the engine publishes the fill's equity point.
    ledger.cash = 10_120;
    ledger.realizedPnl = 120;
    bus.emit("equity", snapshot("paper", clock.now(), 10_120));
    const after = await system.status();
    expect(after).toMatchObject({ equity: 10_120, realizedPnl: 120, todayPnl: 120 });
    expect(after.change24hPct).toBeCloseTo(((10_120 - 9_000) / 9_000) * 100, 9);

    // The next day: the first point of the new day is the start-of-day equity.
    clock.advance(DAY);
    bus.emit("equity", snapshot("paper", clock.now(), 10_200));
    ledger.cash = 10_200;
    expect(await system.status()).toMatchObject({ equity: 10_200, todayPnl: 0 });
    expect(stored.range).toHaveBeenCalledTimes(1);
    expect(stored.firstSince).not.toHaveBeenCalled();
  });
});
