import { describe, expect, it } from "vitest";
import { depthAt, niceTicks } from "./depth-axis";

describe("depth chart axes", () => {
  it("prices 99.5 to 100.5 get ticks every 0.2", () => {
    expect(niceTicks(99.5, 100.5, 5)).toEqual([99.6, 99.8, 100, 100.2, 100.4]);
  });
  it("quantities 0 to 12 get ticks every 2 (or 5)", () => {
    const t = niceTicks(0, 12, 5);
    expect(t[0]).toBe(0);
    expect(t.every((v, i) => i === 0 || Math.abs(v - t[i - 1]! - (t[1]! - t[0]!)) < 1e-9)).toBe(true);
    expect(t[t.length - 1]).toBeLessThanOrEqual(12);
  });
  it("hovering at a price reads what rests at or better than it", () => {
    const bids = [
      { price: 100, cumulative: 1 },
      { price: 99, cumulative: 3 },
    ];
    const asks = [
      { price: 101, cumulative: 2 },
      { price: 102, cumulative: 5 },
    ];
    expect(depthAt(bids, "bids", 99.5)).toBe(1);
    expect(depthAt(bids, "bids", 99)).toBe(3);
    expect(depthAt(asks, "asks", 101.5)).toBe(2);
    expect(depthAt(asks, "asks", 100.5)).toBe(0);
  });
});
