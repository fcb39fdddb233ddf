import { describe, expect, it } from "vitest";
import { normalizeStrategyKinds } from "./normalize";

describe("strategy kinds from the server", () => {
  it("accepts the server's spelling (title, param name/label, preset label + timeframe)", () => {
    const [kind] = normalizeStrategyKinds([
      {
        kind: "ma_crossover",
        title: "Moving-average crossover",
        description: "crosses",
        defaultTimeframe: "5m",
        params: [{ name: "fastPeriod", label: "Fast MA period", type: "integer", default: 9, min: 2, max: 200, step: 1, required: false, description: "fast" }],
        presets: [{ id: "ema-9-21", label: "EMA 9/21 on 5m", timeframe: "5m", params: { fastPeriod: 9 } }],
      },
    ]);
    expect(kind).toMatchObject({ kind: "ma_crossover", name: "Moving-average crossover", defaultTimeframe: "5m" });
    expect(kind!.params[0]).toMatchObject({ key: "fastPeriod", label: "Fast MA period", min: 2, max: 200, step: 1, required: false });
    expect(kind!.presets[0]).toEqual({ name: "EMA 9/21 on 5m", timeframe: "5m", params: { fastPeriod: 9 } });
  });
  it("accepts the contract's spelling and drops entries without an identity", () => {
    const kinds = normalizeStrategyKinds([
      { kind: "rsi", name: "RSI", description: "", params: [{ key: "period", type: "integer", default: 14, description: "" }, { type: "number" }], presets: [{ name: "fast", params: { period: 7 } }] },
      { name: "no kind" },
      null,
    ]);
    expect(kinds).toHaveLength(1);
    expect(kinds[0]!.params.map((p) => p.key)).toEqual(["period"]);
    expect(kinds[0]!.presets[0]!.name).toBe("fast");
    expect(normalizeStrategyKinds({})).toEqual([]);
  });
});
