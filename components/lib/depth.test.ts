import { describe, expect, it } from "vitest";
import { buildDepth, depthCurve } from "./depth";

describe("order book depth", () => {
  it("accumulates from the best price outwards on each side", () => {
    const depth = buildDepth(
      [[99, 1], [98, 2], [97, 3]],
      [[101, 0.5], [102, 1.5]],
    );
    expect(depth.bids.map((l) => l.cumulative)).toEqual([1, 3, 6]);
    expect(depth.asks.map((l) => l.cumulative)).toEqual([0.5, 2]);
    expect(depth.bids[1]!.cumulativeQuote).toBe(99 + 196);
    expect(depth.maxCumulative).toBe(6);
    expect(depth.spread).toBe(2);
    expect(depth.mid).toBe(100);
    expect(depth.spreadPct).toBeCloseTo(2);
  });
  it("sorts levels that arrive out of order and drops broken ones", () => {
    const depth = buildDepth(
      [[97, 3], [99, 1], [Number.NaN, 5], [98, 0]],
      [[102, 1], [101, -1], [101.5, 2]],
    );
    expect(depth.bids.map((l) => l.price)).toEqual([99, 97]);
    expect(depth.asks.map((l) => l.price)).toEqual([101.5, 102]);
  });
  it("an empty or one-sided book has no spread", () => {
    const depth = buildDepth([[99, 1]], []);
    expect(depth.spread).toBeNull();
    expect(depth.mid).toBeNull();
    expect(buildDepth([], []).maxCumulative).toBe(0);
  });
  it("limits the number of levels per side", () => {
    expect(buildDepth([[3, 1], [2, 1], [1, 1]], [], 2).bids).toHaveLength(2);
  });
  it("draws a stepped curve starting at zero depth at the best price", () => {
    const depth = buildDepth([[99, 1], [98, 2]], []);
    expect(depthCurve(depth.bids)).toEqual([
      { price: 99, cumulative: 0 },
      { price: 99, cumulative: 1 },
      { price: 98, cumulative: 1 },
      { price: 98, cumulative: 3 },
    ]);
  });
});
