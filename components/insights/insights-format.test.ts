import { describe, expect, it } from "vitest";
import { calibrationPoints, contributionBars, edgeVerdict, formatProbability, formatShare, riskLevel } from "./insights-format";

describe("insights view helpers", () => {
  it("says whether the model beats the majority guess, with the numbers", () => {
    expect(edgeVerdict({ accuracyEdge: 0.05, accuracyStdErr: 0.01 })).toEqual({ level: "edge", text: "beats the majority guess by 5.0 pp (more than 2 standard errors, 2.0 pp)" });
    expect(edgeVerdict({ accuracyEdge: 0.015, accuracyStdErr: 0.01 }).level).toBe("none");
    expect(edgeVerdict({ accuracyEdge: -0.03, accuracyStdErr: 0.01 }).level).toBe("worse");
    expect(formatProbability(0.6251)).toBe("0.63");
    expect(formatShare(0.5512)).toBe("55.1%");
    expect(formatShare(Number.NaN)).toBe("—");
  });

  it("places calibration dots: predicted along x, observed up the y axis, bigger for fuller bins", () => {
    const pts = calibrationPoints(
      [
        { bin: 0.2, upper: 0.3, predicted: 0.25, observed: 0.2, count: 10 },
        { bin: 0.6, upper: 0.7, predicted: 0.65, observed: 0.7, count: 40 },
      ],
      220,
      10,
    );
    expect(pts[0]).toMatchObject({ x: 10 + 0.25 * 200, y: 10 + 0.8 * 200 });
    expect(pts[1].y).toBeLessThan(pts[0].y);
    expect(pts[1].r).toBeGreaterThan(pts[0].r);
  });

  it("scales contribution bars to the largest magnitude and keeps their direction", () => {
    const bars = contributionBars(
      [
        { feature: "a", value: 1, standardized: 1, contribution: 0.1 },
        { feature: "b", value: 1, standardized: 1, contribution: -0.4 },
        { feature: "c", value: 1, standardized: 1, contribution: 0.2 },
      ],
      2,
    );
    expect(bars.map((b) => [b.feature, b.width, b.direction])).toEqual([
      ["b", 1, "down"],
      ["c", 0.5, "up"],
    ]);
  });

  it("risk level comes from the limit closest to being reached", () => {
    const u = (key: string, ratio: number | null) => ({ key, label: key, used: null, limit: null, unit: null, ratio });
    expect(riskLevel([u("a", 0.2), u("b", 0.75), u("c", null)])).toMatchObject({ level: "warn", worst: { key: "b" } });
    expect(riskLevel([u("a", 0.95)]).level).toBe("danger");
    expect(riskLevel([u("c", null)]).level).toBe("unknown");
    expect(riskLevel(undefined).level).toBe("unknown");
  });
});

describe("insights page preferences", () => {
  it("accepts what the page stored and nothing else", async () => {
    const { parseInsightsPrefs } = await import("./insights-format");
    expect(parseInsightsPrefs({ symbol: "BTC/USDT", timeframe: "1h" })).toEqual({ symbol: "BTC/USDT", timeframe: "1h" });
    expect(parseInsightsPrefs({ symbol: null, timeframe: "5m" })).toEqual({ symbol: null, timeframe: "5m" });
    expect(parseInsightsPrefs({ symbol: "BTC/USDT", timeframe: "2m" })).toBeNull();
    expect(parseInsightsPrefs("x")).toBeNull();
  });
});

describe("the insights risk badge agrees with the trading state", () => {
  const u = (key: string, ratio: number | null) => ({ key, label: key, used: 0, limit: 1, unit: null, ratio });
  it("REDUCING is a warning even with every counter low; HALTED is danger", () => {
    expect(riskLevel([u("dailyLoss", 0.1)], "REDUCING").level).toBe("warn");
    expect(riskLevel([u("dailyLoss", 0.1)], "HALTED").level).toBe("danger");
  });
  it("ACTIVE with a position sized to its cap is not danger", () => {
    expect(riskLevel([u("largestPosition", 0.997), u("dailyLoss", 0.1)], "ACTIVE").level).toBe("ok");
  });
});
