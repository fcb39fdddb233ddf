import { describe, expect, it } from "vitest";
import { MIN_SAMPLE, sampleWarning } from "./sample-size";

describe("a ratio from too few trades is flagged", () => {
  it("15 trades: warned, naming the count and the threshold", () => {
    expect(sampleWarning(15, "trades")).toBe("Only 15 trades: fewer than 30, so this figure is mostly chance.");
  });
  it("one signal: warned", () => {
    expect(sampleWarning(1, "signals")).toMatch(/Only 1 signals/);
  });
  it("30 or more: no warning; unknown count: no warning", () => {
    expect(sampleWarning(MIN_SAMPLE, "trades")).toBeNull();
    expect(sampleWarning(400, "trades")).toBeNull();
    expect(sampleWarning(undefined, "trades")).toBeNull();
  });
});
