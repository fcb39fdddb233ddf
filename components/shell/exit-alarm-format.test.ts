import { describe, expect, it } from "vitest";
import { ALARM_COLORS, alarmAgeMs, attemptsLabel, contrastRatio, EXIT_ALARM_WORDS, exitAlarmWords } from "./exit-alarm-format";

describe("exit alarm banner", () => {
  it("says each alarm code in words", () => {
    expect(exitAlarmWords("EXIT_REJECTED")).toBe("Exit rejected");
    expect(exitAlarmWords("STOP_PASSED_OPEN")).toBe("Stop passed, position still open");
    expect(exitAlarmWords("POSITIONS_LEFT_OPEN")).toBe("Left open");
    expect(Object.keys(EXIT_ALARM_WORDS).sort()).toEqual(["EXIT_REJECTED", "POSITIONS_LEFT_OPEN", "STOP_PASSED_OPEN"]);
  });

  it("keeps a code it does not know readable", () => {
    expect(exitAlarmWords("VENUE_TIMEOUT")).toBe("Venue timeout");
    expect(exitAlarmWords("")).toBe("Exit failed");
    expect(exitAlarmWords(undefined)).toBe("Exit failed");
  });

  it("counts attempts", () => {
    expect([0, 1, 3].map(attemptsLabel)).toEqual(["0 attempts", "1 attempt", "3 attempts"]);
    expect(attemptsLabel(undefined)).toBe("attempts unknown");
  });

  it("ages an alarm on whichever clock it was raised on", () => {
    // Wall clock: the market clock runs ahead (simulator at 60x), the wall clock is the one just after `since`.
    expect(alarmAgeMs(1_000_000, 1_030_000, 9_000_000)).toBe(30_000);
    // Market clock: `since` is ahead of the wall clock, so the market clock is the one.
    expect(alarmAgeMs(5_000_000, 1_030_000, 5_012_000)).toBe(12_000);
    // A little skew between server and browser reads as "just now", never negative.
    expect(alarmAgeMs(1_002_000, 1_000_000, 1_000_000)).toBe(0);
    expect(alarmAgeMs(null, 1, 1)).toBeNull();
    expect(alarmAgeMs(1, null, null)).toBeNull();
  });

  it("its text meets WCAG AA (4.5:1) on its background", () => {
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21, 5);
    expect(contrastRatio(ALARM_COLORS.text, ALARM_COLORS.background)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(ALARM_COLORS.secondary, ALARM_COLORS.background)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(ALARM_COLORS.buttonText, ALARM_COLORS.buttonBackground)).toBeGreaterThanOrEqual(4.5);
  });
});
