import { describe, expect, it } from "vitest";
import { futuresRiskView, gaugePercent } from "./futures-risk";

const limits = { maxMarginUtilisationPct: 50, liquidationWarnPct: 80, liquidationClosePct: 90 };

describe("risk page gauges on a futures account", () => {
  it("a spot account (no futures fields) shows no futures gauges", () => {
    expect(futuresRiskView({ limits })).toBeNull();
    expect(futuresRiskView(undefined)).toBeNull();
  });

  it("40 % margin utilisation under a 50 % limit is 80 % of the limit: a warning", () => {
    const v = futuresRiskView({ limits, marginUtilisationPct: 40, liquidationRiskPct: 10, futures: { walletBalance: 10_000, marginBalance: 9_900, marginUsed: 3_960 } })!;
    expect(v.margin.usedPct).toBe(40);
    expect(v.margin.limitPct).toBe(50);
    expect(v.margin.ratio).toBeCloseTo(0.8, 10);
    expect(v.margin.level).toBe("warn");
    expect(v.liquidation.level).toBe("ok");
    expect(v.balances?.marginUsed).toBe(3_960);
  });

  it("a position 85 % of the way to liquidation warns; at 90 % the guard closes it", () => {
    expect(futuresRiskView({ limits, marginUtilisationPct: 10, liquidationRiskPct: 85 })!.liquidation.level).toBe("warn");
    expect(futuresRiskView({ limits, marginUtilisationPct: 10, liquidationRiskPct: 90 })!.liquidation.level).toBe("close");
    expect(futuresRiskView({ limits: { ...limits, liquidationWarnPct: 60, liquidationClosePct: 70 }, marginUtilisationPct: 10, liquidationRiskPct: 65 })!.liquidation.level).toBe("warn");
  });

  it("flat futures account: zero risk, gauges at rest", () => {
    const v = futuresRiskView({ limits, marginUtilisationPct: 0, liquidationRiskPct: 0, futures: { walletBalance: 10_000, marginBalance: 10_000, marginUsed: 0 } })!;
    expect(v.margin.level).toBe("ok");
    expect(gaugePercent(v.liquidation.riskPct)).toBe(0);
  });

  it("without a margin limit there is no ratio to colour by", () => {
    const v = futuresRiskView({ limits: { ...limits, maxMarginUtilisationPct: null }, marginUtilisationPct: 30, liquidationRiskPct: 0 })!;
    expect(v.margin.ratio).toBeNull();
    expect(v.margin.level).toBe("unknown");
  });

  it("gauge arcs stay within 0..100", () => {
    expect(gaugePercent(130)).toBe(100);
    expect(gaugePercent(-5)).toBe(0);
    expect(gaugePercent(null)).toBe(0);
    expect(gaugePercent(42.5)).toBe(42.5);
  });
});
