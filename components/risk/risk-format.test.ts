import { describe, expect, it } from "vitest";
import { changedLimits, formatUsage, humanizeKey, usageLevel, usageText } from "./risk-format";

describe("risk page formatting", () => {
  it("names limits in words", () => {
    expect(humanizeKey("maxPositionPctEquity")).toBe("Max position % equity");
    expect(humanizeKey("symbolCooldownSec")).toBe("Symbol cooldown (s)");
    expect(humanizeKey("blackoutHoursUtc")).toBe("Blackout hours UTC");
  });
  it("shows usage in its unit", () => {
    expect(formatUsage(4.1, "USDT")).toBe("4.10");
    expect(formatUsage(2.5, "%")).toBe("2.50%");
    expect(formatUsage(3, "positions")).toBe("3");
    expect(formatUsage(undefined, "%")).toBe("—");
    expect(usageText({ used: 4.1, limit: 15, unit: "USDT", direction: "max" })).toBe("4.10 / 15.00 USDT");
    expect(usageText({ used: 12, limit: 30, unit: "% of equity" })).toBe("12.00% / 30.00% of equity");
    expect(usageText({ used: 2, limit: 3, unit: "positions" })).toBe("2 / 3 positions");
    expect(usageText({ used: 100, limit: 10, unit: "% of equity", direction: "min" })).toBe("100.00% (min 10.00%) of equity");
    expect(usageText({ used: null, limit: 10, unit: "%" })).toBe("— / 10.00%");
  });
  it("daily loss at 4.10 of 15.00 is fine, 12 of 15 a warning, 14 of 15 danger", () => {
    expect(usageLevel(4.1 / 15)).toBe("ok");
    expect(usageLevel(12 / 15)).toBe("warn");
    expect(usageLevel(14 / 15)).toBe("danger");
    expect(usageLevel(1.2)).toBe("danger");
    expect(usageLevel(null)).toBe("unknown");
  });
  it("sends only the limits that changed", () => {
    const current = { dailyLossPct: 3, maxOpenPositions: 3, maxPositionQuote: null };
    expect(changedLimits(current, { dailyLossPct: 2, maxOpenPositions: 3, maxPositionQuote: undefined })).toEqual({ dailyLossPct: 2 });
    expect(changedLimits(current, { maxPositionQuote: 500 })).toEqual({ maxPositionQuote: 500 });
    expect(changedLimits(current, { dailyLossPct: null })).toEqual({ dailyLossPct: null });
  });
});
