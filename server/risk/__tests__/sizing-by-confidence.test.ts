import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { confidenceReason, confidenceScale, sizeEntry } from "../../engine/sizing";
import { BTC } from "./fixtures";

const base = { side: "long" as const, price: 50_000, equity: 10_000, freeQuote: 10_000, limits: DEFAULT_RISK_LIMITS, stopLoss: 49_000, takerFee: 0.001, instrument: BTC };

describe("sizing by signal confidence (Phase 6 plan)", () => {
  it("high 1.0×, medium 0.7×, low 0.3× of the allowed size, said in the order's reason", () => {
    const full = sizeEntry(base);
    expect(full).toMatchObject({ confidenceTier: "unstated", confidenceFactor: 1 });
    const high = sizeEntry({ ...base, confidence: 0.9 });
    const medium = sizeEntry({ ...base, confidence: 0.55 });
    const low = sizeEntry({ ...base, confidence: 0.2 });
    expect(high.quantity).toBe(full.quantity);
    expect(medium.notional).toBeCloseTo(full.notional * 0.7, -1);
    expect(low.notional).toBeCloseTo(full.notional * 0.3, -1);
    expect(confidenceReason(medium, 0.55)).toBe("size 0.7× (medium confidence 0.55)");
    expect(confidenceReason(full)).toBe("full size (no confidence stated)");
  });

  it("the tiers start at 0.7 and 0.4", () => {
    expect(confidenceScale(0.7).tier).toBe("high");
    expect(confidenceScale(0.6999).tier).toBe("medium");
    expect(confidenceScale(0.4).tier).toBe("medium");
    expect(confidenceScale(0.3999).tier).toBe("low");
    expect(confidenceScale(Number.NaN).tier).toBe("unstated");
  });

  it("confidence only ever shrinks a size, never past any limit", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 100, max: 1e6, noNaN: true }), (confidence, equity) => {
        const full = sizeEntry({ ...base, equity, freeQuote: equity });
        const scaled = sizeEntry({ ...base, equity, freeQuote: equity, confidence });
        expect(scaled.quantity).toBeLessThanOrEqual(full.quantity);
        expect(scaled.notional).toBeLessThanOrEqual((equity * DEFAULT_RISK_LIMITS.maxPositionPctEquity) / 100 + 1e-9);
      }),
    );
  });
});
