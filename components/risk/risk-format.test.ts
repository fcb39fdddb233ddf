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

describe("one risk picture: the counter beside a held limit is the breaker's", () => {
  it("4 losses in a row under a limit of 4 reads 4 / 4, whatever the live streak", async () => {
    const { latchFigures } = await import("./risk-format");
    expect(
      latchFigures({ id: "consecutive_losses", state: "REDUCING", code: "CONSECUTIVE_LOSSES", reason: "4 losing trades in a row (limit 4)", since: 1, until: null, data: { streak: 4, maxConsecutiveLosses: 4 } }),
    ).toEqual({ used: 4, limit: 4 });
  });
  it("a daily-loss latch carries its loss and limit in money", async () => {
    const { latchFigures } = await import("./risk-format");
    expect(latchFigures({ id: "daily_loss", state: "REDUCING", code: "DAILY_LOSS_LIMIT", reason: "", since: 1, until: 2, data: { loss: 15.2, limit: 15, dailyLossPct: 3 } })).toEqual({
      used: 15.2,
      limit: 15,
    });
  });
  it("a kill switch has no counter", async () => {
    const { latchFigures } = await import("./risk-format");
    expect(latchFigures({ id: "kill_switch", state: "HALTED", code: "KILL_SWITCH", reason: "", since: 1, until: null })).toBeNull();
  });
  it("a position sized to its cap is full, not danger; beyond the cap it is", () => {
    expect(usageLevel(29.91 / 30, "largestPosition")).toBe("full");
    expect(usageLevel(31 / 30, "largestPosition")).toBe("danger");
    expect(usageLevel(14 / 15, "dailyLoss")).toBe("danger");
    expect(usageLevel(0, "consecutiveLosses", true)).toBe("tripped");
  });
});
