import { describe, expect, it } from "vitest";
import { phaseLabel, stageOf, stepIndex } from "./kill-switch-phase";

describe("kill switch progress", () => {
  it("understands the contract's and the engine's words for the same stages", () => {
    expect(["idle", null, undefined].map(stageOf)).toEqual(["idle", "idle", "idle"]);
    expect(["halting", "cancelling", "closing_positions", "confirming", "running"].map(stageOf)).toEqual(["running", "running", "running", "running", "running"]);
    expect(["done", "completed"].map(stageOf)).toEqual(["done", "done"]);
    expect(["failed", "incomplete"].map(stageOf)).toEqual(["failed", "failed"]);
  });
  it("while the engine only says running, the progress follows the accounts' steps", () => {
    expect(stepIndex("running", ["closing_positions", "cancelling_orders"])).toBe(2);
    expect(stepIndex("running", [])).toBe(0);
    expect(stepIndex("confirming")).toBe(3);
    expect(stepIndex("completed", ["confirming"])).toBe(4);
  });
  it("labels read as words", () => {
    expect(phaseLabel("closing_positions")).toBe("closing positions");
    expect(phaseLabel("done")).toBe("completed");
    expect(phaseLabel(undefined)).toBe("—");
  });
});
