import { describe, expect, it } from "vitest";
import { describeItem, itemReason, phaseLabel, stageOf, stepIndex } from "./kill-switch-phase";

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
  it("a position left open says why, in the venue's words", () => {
    const left = { symbol: "ETH/USDT", side: "long", quantity: 0.0513, reason: "close failed: INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free" };
    expect(itemReason(left)).toBe("close failed: INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free");
    expect(describeItem(left, { withReason: false })).toBe("ETH/USDT · long · 0.0513");
    expect(describeItem(left)).toBe("ETH/USDT · long · 0.0513 · close failed: INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free");
    expect(itemReason({ clientOrderId: "c1", error: "timeout" })).toBe("timeout");
    expect(itemReason("p2")).toBeNull();
    expect(describeItem({ foo: 1 }, { withReason: false })).toBe('{"foo":1}');
  });
});
