import { describe, expect, it } from "vitest";
import { BADGES, COLORS } from "./colors";
import { contrastRatio } from "./contrast";

describe("every text colour a trader reads meets WCAG AA (4.5:1)", () => {
  const texts = { profit: COLORS.profit, loss: COLORS.loss, warning: COLORS.warning, muted: COLORS.muted, text: COLORS.text };
  for (const [name, color] of Object.entries(texts)) {
    it(`${name} text on the panel and on the page background`, () => {
      expect(contrastRatio(color, COLORS.panel)).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(color, COLORS.background)).toBeGreaterThanOrEqual(4.5);
    });
  }
  for (const [name, badge] of Object.entries(BADGES)) {
    it(`the ${name} badge's text on its fill`, () => {
      expect(contrastRatio(badge.color, badge.background)).toBeGreaterThanOrEqual(4.5);
    });
  }
  it("white on the solid red of a danger button", () => {
    expect(contrastRatio("#ffffff", COLORS.lossSolid)).toBeGreaterThanOrEqual(4.5);
  });
  it("knows black on white is 21:1 and a colour on itself 1:1", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#777777")).toBe(1);
  });
});
