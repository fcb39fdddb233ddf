import { describe, expect, it } from "vitest";
import { heatColor, heatMap, shade } from "./optimiser-view";

describe("the optimiser's heat map of two parameters", () => {
  const e = (fast: number, slow: number, objective: number | null, extra: Record<string, unknown> = {}) => ({ params: { fastPeriod: fast, slowPeriod: slow, ...extra }, objective });

  it("puts each set in its cell, keeps the best when a third parameter varies, and leaves untried cells empty", () => {
    const map = heatMap([e(5, 20, 0.4, { rsi: 10 }), e(5, 20, 0.9, { rsi: 14 }), e(10, 20, -0.2), e(10, 30, 1.5), e(5, 30, null)], "fastPeriod", "slowPeriod");
    expect(map.xs).toEqual([5, 10]);
    expect(map.ys).toEqual([20, 30]);
    expect(map.cells).toEqual([
      [0.9, -0.2],
      [null, 1.5],
    ]);
    expect([map.min, map.max]).toEqual([-0.2, 1.5]);
  });

  it("sorts numeric axes as numbers, not as text", () => {
    expect(heatMap([e(50, 1, 1), e(9, 1, 1), e(100, 1, 1)], "fastPeriod", "slowPeriod").xs).toEqual([9, 50, 100]);
  });

  it("shades from worst (red) to best (green)", () => {
    expect(shade(-0.2, -0.2, 1.5)).toBe(0);
    expect(shade(1.5, -0.2, 1.5)).toBe(1);
    expect(heatColor(0)).toMatch(/^hsl\(0 /);
    expect(heatColor(1)).toMatch(/^hsl\(120 /);
  });
});
