import { describe, expect, it } from "vitest";
import { defaultParams, fieldErrorsFromDetails, paramInput, validateParam } from "./strategy-params";
import type { StrategyParamDto } from "../lib/types";

const fast: StrategyParamDto = { name: "fastPeriod", label: "fastPeriod", required: true, type: "integer", default: 9, min: 2, max: 50, step: 1, description: "fast EMA" };
const stop: StrategyParamDto = { name: "stopPct", label: "stopPct", required: true, type: "number", default: 1, min: 0.1, max: 10, step: 0.1, description: "stop distance" };

describe("strategy parameter forms", () => {
  it("picks a control from the description", () => {
    expect(paramInput(fast)).toBe("integer");
    expect(paramInput(stop)).toBe("number");
    expect(paramInput({ name: "source", label: "source", required: true, type: "string", default: "close", options: ["close", "hl2"], description: "" })).toBe("select");
    expect(paramInput({ name: "useTrend", label: "useTrend", required: true, type: "boolean", default: true, description: "" })).toBe("boolean");
  });
  it("enforces min, max, whole numbers and steps", () => {
    expect(validateParam(fast, 9)).toBeNull();
    expect(validateParam(fast, 1)).toMatch(/at least 2/);
    expect(validateParam(fast, 51)).toMatch(/at most 50/);
    expect(validateParam(fast, 9.5)).toMatch(/whole number/);
    expect(validateParam(stop, 0.3)).toBeNull(); // 0.1 + 2 × 0.1 despite float error
    expect(validateParam(stop, 0.35)).toMatch(/steps of 0.1/);
    expect(validateParam(stop, undefined)).toMatch(/required/);
    expect(validateParam(stop, Number.NaN)).toMatch(/number/);
    expect(validateParam({ ...stop, required: false }, undefined)).toBeNull();
    expect(validateParam({ ...stop, required: false }, 20)).toMatch(/at most 10/);
  });
  it("a new instance starts from the kind's defaults", () => {
    expect(defaultParams({ kind: "ema", title: "EMA", description: "", defaultTimeframe: "5m", params: [fast, stop], presets: [] })).toEqual({ fastPeriod: 9, stopPct: 1 });
  });
  it("server validation errors land on the field they name", () => {
    const details = [
      { path: "params.fastPeriod", message: "must be below slowPeriod" },
      { path: "", message: "general" },
      { path: "unknown.x", message: "ignored" },
    ];
    expect(fieldErrorsFromDetails(details, ["name", "params"])).toEqual([{ name: ["params", "fastPeriod"], errors: ["must be below slowPeriod"] }]);
    expect(fieldErrorsFromDetails("nope", ["params"])).toEqual([]);
  });
});
