import { describe, expect, it } from "vitest";
import { InvalidTimeZoneError, TradingCalendar } from "../calendar";

const HOUR = 3_600_000;

describe("local calendar periods", () => {
  it("UTC days run midnight to midnight", () => {
    const cal = new TradingCalendar("UTC");
    expect(cal.day(Date.UTC(2024, 2, 6, 12))).toEqual({ key: "2024-03-06", start: Date.UTC(2024, 2, 6), end: Date.UTC(2024, 2, 7) });
  });

  it("America/New_York midnight: 23:59:59 local is still today, 00:00 local is tomorrow", () => {
    const cal = new TradingCalendar("America/New_York");
    const midnight = Date.UTC(2024, 2, 7, 5); // 00:00 EST
    expect(cal.day(midnight - 1000).key).toBe("2024-03-06");
    expect(cal.day(midnight)).toMatchObject({ key: "2024-03-07", start: midnight });
  });

  it("the spring-forward day in New York lasts 23 hours and the autumn one 25", () => {
    const cal = new TradingCalendar("America/New_York");
    const spring = cal.day(Date.UTC(2024, 2, 10, 12));
    expect(spring).toEqual({ key: "2024-03-10", start: Date.UTC(2024, 2, 10, 5), end: Date.UTC(2024, 2, 11, 4) });
    expect(spring.end - spring.start).toBe(23 * HOUR);
    const autumn = cal.day(Date.UTC(2024, 10, 3, 12));
    expect(autumn.end - autumn.start).toBe(25 * HOUR);
  });

  it("ISO weeks start on Monday 00:00 local (a Sunday belongs to the week before)", () => {
    const cal = new TradingCalendar("America/New_York");
    const sunday = cal.week(Date.UTC(2024, 2, 10, 12));
    expect(sunday).toEqual({ key: "W2024-03-04", start: Date.UTC(2024, 2, 4, 5), end: Date.UTC(2024, 2, 11, 4) });
    expect(cal.week(Date.UTC(2024, 2, 11, 4)).key).toBe("W2024-03-11");
  });

  it("half-hour zones: Asia/Kolkata's day starts at 18:30 UTC the day before", () => {
    const cal = new TradingCalendar("Asia/Kolkata");
    expect(cal.day(Date.UTC(2024, 2, 6, 12)).start).toBe(Date.UTC(2024, 2, 5, 18, 30));
  });

  it("cached periods roll over correctly when time moves forward and back", () => {
    const cal = new TradingCalendar("Europe/Berlin");
    const keys = [Date.UTC(2024, 2, 30, 22), Date.UTC(2024, 2, 31, 22), Date.UTC(2024, 2, 30, 12), Date.UTC(2024, 2, 31, 23)].map((t) => cal.day(t).key);
    expect(keys).toEqual(["2024-03-30", "2024-04-01", "2024-03-30", "2024-04-01"]);
  });

  it("an unknown zone is a clear error", () => {
    expect(() => new TradingCalendar("Mars/Olympus")).toThrow(InvalidTimeZoneError);
    expect(() => new TradingCalendar("Mars/Olympus")).toThrow(/unknown IANA time zone "Mars\/Olympus"/);
  });

  it("a non-finite time is refused", () => {
    expect(() => new TradingCalendar("UTC").day(Number.NaN)).toThrow(RangeError);
  });
});
