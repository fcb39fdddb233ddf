import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStrategy, formatPrice, getStrategyDefinition, isSdkDefinition, listStrategyKinds, parseUnlockCsv, parseUnlockJson, SdkStrategy, specOf, TokenUnlockStrategy, UnlockCalendarError, loadUnlockCalendar, type UnlockEvent } from "../index";
import { actionsAt, candlesFromCloses, runLive, T0 } from "./harness";

const HOUR = 3_600_000;
// Hourly candles from 2024-01-01 00:00 UTC: candle i closes (and is decided on) at T0 + (i + 1) h.
const hourly = (count: number, symbol = "ARB/USDT") => candlesFromCloses(Array.from({ length: count }, (_, i) => 1.8 + 0.01 * Math.sin(i / 5)), { symbol, timeframe: "1h" });

const BIG = { symbol: "ARB", time: T0 + 96 * HOUR, sharePct: 5, note: "team and investors cliff" }; // 2024-01-05 00:00
const SMALL = { symbol: "ARB", time: T0 + 216 * HOUR, sharePct: 0.5 }; // 2024-01-10 00:00
const OTHER_PAIR = { symbol: "ARB/BTC", time: T0 + 150 * HOUR, sharePct: 8 };
const calendar: UnlockEvent[] = [BIG, SMALL, OTHER_PAIR];

const params = { calendarPath: "unused-in-these-tests.csv", minSharePct: 1, exitHoursBefore: 48, reenterHoursAfter: 24, allowShort: false, stopLossPct: 10, takeProfitPct: 0 };
const make = (overrides: Partial<typeof params> = {}, events = calendar) =>
  new TokenUnlockStrategy({ id: "unlock-1", symbols: ["ARB/USDT"], timeframe: "1h" }, { ...params, ...overrides }, events);

describe("token unlock front-running", () => {
  it("holds, exits 48 h before the 5% unlock, re-enters 24 h after it, and ignores the 0.5% unlock and other pairs' unlocks", () => {
    const candles = hourly(260);
    const emitted = runLive(make(), candles);
    // Candle 47 closes at 48 h = 96 h - 48 h; candle 119 closes at 120 h = 96 h + 24 h.
    expect(actionsAt(emitted)).toEqual(["0:enter_long", "47:exit_long", "119:enter_long"]);
    expect(emitted[1].signal.reason).toBe(
      `ARB/USDT: 5.00% of ARB supply unlocks at 2024-01-05 00:00 UTC, in 48.0 h (threshold 1.00%; team and investors cliff); exiting the long ahead of it at ${formatPrice(candles[47].close)}`,
    );
    expect(emitted[1].signal.data).toMatchObject({ unlockTime: BIG.time, unlockSharePct: 5, hoursToUnlock: 48, threshold: 1 });
    expect(emitted[2].signal.reason).toMatch(/^ARB\/USDT: the 5\.00% unlock at 2024-01-05 00:00 UTC has passed; no unlock of 1\.00% of supply or more within the next 48 h \(no further large unlock scheduled\); entering long at /);
    expect(emitted[0].signal.stopLoss).toBeCloseTo(emitted[0].signal.price * 0.9, 12);
  });

  it("a calendar with only small unlocks never makes it leave", () => {
    expect(actionsAt(runLive(make({}, [SMALL]), hourly(260)))).toEqual(["0:enter_long"]);
    // ...but lowering the threshold under 0.5% makes that one count.
    expect(actionsAt(runLive(make({ minSharePct: 0.5 }, [SMALL]), hourly(260)))).toEqual(["0:enter_long", "167:exit_long", "239:enter_long"]);
  });

  it("with shorting allowed it flips short into the unlock and back long after the wait", () => {
    const emitted = runLive(make({ allowShort: true }), hourly(260));
    expect(actionsAt(emitted)).toEqual(["0:enter_long", "47:exit_long", "47:enter_short", "119:exit_short", "119:enter_long"]);
    expect(emitted[2].signal.stopLoss).toBeGreaterThan(emitted[2].signal.price);
  });

  it("after a stop-out it waits reenterHoursAfter before buying back", () => {
    // The position disappears at candle 10 (stopped out); candle 10 closes at 11 h, so no entry before 35 h (candle 34).
    const emitted = runLive(make({}, []), hourly(60), { positionAt: (i) => (i === 10 ? "none" : undefined) });
    expect(actionsAt(emitted)).toEqual(["0:enter_long", "34:enter_long"]);
  });

  it("an entry the engine did not act on is retried once per reenterHoursAfter, not on every candle", () => {
    const emitted = runLive(make(), hourly(150), { follow: false });
    expect(actionsAt(emitted)).toEqual(["0:enter_long", "24:enter_long", "119:enter_long", "143:enter_long"]);
  });

  it("snapshot/restore keeps what history cannot tell: a restarted instance does not re-send the entry at once", () => {
    const candles = hourly(150);
    const first = make();
    runLive(first, candles.slice(0, 31), { follow: false }); // entries at 0 and 24
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    expect(snapshot).toEqual({ kind: "token_unlock", version: 1, state: { "ARB/USDT": { lastPosition: "none", lastExitAt: null, lastEntrySignalAt: T0 + 25 * HOUR } } });

    const restarted = make();
    restarted.restore(snapshot);
    const after = runLive(restarted, candles.slice(31), { follow: false }).map((e) => e.index + 31);
    expect(after).toEqual([119, 143]);

    const fresh = runLive(make(), candles.slice(31), { follow: false }).map((e) => e.index + 31);
    expect(fresh[0]).toBe(31); // without the snapshot it would re-send immediately
    expect(() => restarted.restore({ kind: "token_unlock", version: 1, state: { "ARB/USDT": { lastPosition: "sideways" } } })).toThrow(/snapshot is malformed/);
  });

  it("is created from a calendar file through the registry", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tk-unlock-"));
    try {
      const file = path.join(dir, "unlocks.csv");
      writeFileSync(file, "symbol,date,share_pct,note\nARB,2024-01-05,5,cliff\nARB,2024-01-10,0.5,\n");
      const strategy = createStrategy("token_unlock", { calendarPath: file }, { id: "u", symbols: ["ARB/USDT"] });
      expect(strategy.subscriptions).toEqual([{ symbol: "ARB/USDT", timeframe: "1h", warmupCandles: 0 }]);
      expect(actionsAt(runLive(strategy, hourly(130)))).toEqual(["0:enter_long", "47:exit_long", "119:enter_long"]);
      expect(() => createStrategy("token_unlock", { calendarPath: path.join(dir, "missing.csv") }, { id: "u", symbols: ["ARB/USDT"] })).toThrow(/missing\.csv is invalid:\n {2}- cannot be read: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("unlock calendar files", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("reads CSV with quoted fields, CRLF, a BOM, date-only and zoned times, sorted by time", () => {
    const csv = '\uFEFFsymbol,date,share_pct,note\r\narb,2024-03-16T12:00:00+02:00,3.2,"cliff, team"\r\nOP,2024-03-01,1.5,\r\n\r\n';
    expect(parseUnlockCsv(csv)).toEqual([
      { symbol: "OP", time: Date.UTC(2024, 2, 1), sharePct: 1.5 },
      { symbol: "ARB", time: Date.UTC(2024, 2, 16, 10), sharePct: 3.2, note: "cliff, team" },
    ]);
  });

  it("reads JSON as an array or under { unlocks }", () => {
    const list = [{ symbol: "APT/USDT", date: "2024-04-12", sharePct: 2.5 }];
    const expected = [{ symbol: "APT/USDT", time: Date.UTC(2024, 3, 12), sharePct: 2.5 }];
    expect(parseUnlockJson(JSON.stringify(list))).toEqual(expected);
    expect(parseUnlockJson(JSON.stringify({ unlocks: list }))).toEqual(expected);
  });

  it("reports every bad row with its line and the value", () => {
    const csv = ["symbol,date,share_pct", "ARB,2024-13-45,2", "OP,2024-03-01T10:00,1", "SUI,2024-03-01,0", "APT,2024-03-01,150", "ARB-USDT,2024-03-01,1", "TIA,2024-03-01,"].join("\n");
    let error: UnlockCalendarError | undefined;
    try {
      parseUnlockCsv(csv, "unlocks.csv");
    } catch (err) {
      error = err as UnlockCalendarError;
    }
    expect(error).toBeInstanceOf(UnlockCalendarError);
    expect(error!.problems).toEqual([
      'line 2: date is not a real calendar date (got "2024-13-45")',
      'line 3: date expected "YYYY-MM-DD" or an ISO time with a zone such as "2024-03-16T12:00:00Z" (got "2024-03-01T10:00")',
      'line 4: sharePct must be above 0 (got "0")',
      'line 5: sharePct must be at most 100 (it is a percentage of supply) (got "150")',
      'line 6: symbol expected a token such as "ARB" or a pair such as "ARB/USDT" (got "ARB-USDT")',
      "line 7: sharePct is required (got nothing)",
    ]);
    expect(error!.message).toMatch(/^Unlock calendar unlocks\.csv is invalid:\n {2}- line 2: /);
  });

  it("refuses a CSV without the needed columns and malformed JSON", () => {
    expect(() => parseUnlockCsv("token,when,amount\nARB,2024-01-01,1")).toThrow(/header row lacks date, share_pct/);
    expect(() => parseUnlockJson("{ not json")).toThrow(/not valid JSON/);
    expect(() => parseUnlockJson('{"events": []}')).toThrow(/expected an array of unlocks/);
    expect(() => parseUnlockJson("[42]")).toThrow(/entry 1: /);
  });

  it("loads by extension from disk", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tk-cal-"));
    dirs.push(dir);
    const file = path.join(dir, "unlocks.json");
    writeFileSync(file, JSON.stringify([{ symbol: "ARB", date: "2024-01-05T00:00:00Z", sharePct: 5 }]));
    expect(loadUnlockCalendar(file)).toEqual([{ symbol: "ARB", time: Date.UTC(2024, 0, 5), sharePct: 5 }]);
  });
});

describe("token unlock is written with the SDK, like the other built-ins", () => {
  it("is an SDK definition listed beside the built-ins, and its instances are SDK strategies", () => {
    const definition = getStrategyDefinition("token_unlock");
    expect(isSdkDefinition(definition)).toBe(true);
    expect(specOf(definition as never)).toMatchObject({ kind: "token_unlock", timeframe: "1h", warmup: 0 });
    expect(listStrategyKinds().find((k) => k.kind === "token_unlock")).toMatchObject({ source: "builtin" });
    expect(make()).toBeInstanceOf(SdkStrategy);
  });
});
