import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoWeek, monthlyPnl, weekdayPnl, weeklyPnl, type DailyPnl } from "./period-pnl";

const days: DailyPnl[] = [
  { day: "2026-11-30", pnl: 10.5, trades: 3 }, // Monday, week 49
  { day: "2026-12-01", pnl: -4.25, trades: 2 }, // Tuesday
  { day: "2026-12-07", pnl: 1, trades: 1 }, // Monday, week 50
];

describe("week, month and weekday P&L", () => {
  it("a Monday and the Tuesday after fall in one ISO week; the next Monday starts another", () => {
    expect(weeklyPnl(days)).toEqual([
      { key: "2026-W49", label: "W49", pnl: 6.25, trades: 5 },
      { key: "2026-W50", label: "W50", pnl: 1, trades: 1 },
    ]);
  });
  it("November and December are separate months", () => {
    expect(monthlyPnl(days).map((b) => [b.key, b.pnl])).toEqual([
      ["2026-11", 10.5],
      ["2026-12", -3.25],
    ]);
  });
  it("weekdays run Monday to Sunday, empty ones at zero", () => {
    const w = weekdayPnl(days);
    expect(w.map((b) => b.key)).toEqual(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    expect(w[0]).toEqual({ key: "Mon", label: "Mon", pnl: 11.5, trades: 4 });
    expect(w[2]!.pnl).toBe(0);
  });
  it("1 January 2027 (a Friday) belongs to ISO week 53 of 2026", () => {
    expect(isoWeek(new Date(Date.UTC(2027, 0, 1)))).toBe("2026-W53");
  });
  it("every grouping adds up to the daily total, to the cent", () => {
    const day = fc.integer({ min: 0, max: 800 }).map((n) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ day, pnl: fc.integer({ min: -100_000, max: 100_000 }).map((c) => c / 100), trades: fc.nat(20) }), { selector: (d) => d.day }), (ds) => {
        const total = ds.reduce((s, d) => s + Math.round(d.pnl * 100), 0);
        for (const f of [weeklyPnl, monthlyPnl, weekdayPnl]) {
          expect(Math.round(f(ds).reduce((s, b) => s + b.pnl * 100, 0))).toBe(total);
        }
      }),
    );
  });
});
