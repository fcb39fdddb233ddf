import { describe, expect, it } from "vitest";
import { DEFAULT_EXIT_RULES, advanceTrailing, checkExits, parseExitRules, protectiveLevels, type ProtectedPosition } from "./exits";

const NOW = Date.UTC(2024, 0, 1);
const bar = (open: number, high: number, low: number, close: number) => ({ open, high, low, close });

function long(levels: Partial<ProtectedPosition> = {}): ProtectedPosition {
  return { side: "long", avgEntryPrice: 100, extremePrice: 100, ...levels };
}
function short(levels: Partial<ProtectedPosition> = {}): ProtectedPosition {
  return { side: "short", avgEntryPrice: 100, extremePrice: 100, ...levels };
}

describe("checkExits", () => {
  it("stop before target inside one candle: a long whose candle spans both is stopped out", () => {
    const trigger = checkExits(long({ stopLoss: 98, takeProfit: 103 }), bar(100, 104, 97, 103.5), NOW);
    expect(trigger).toEqual({
      reason: "stop_loss",
      price: 98,
      level: 98,
      at: NOW,
      text: "Stop loss 98 hit (low 97); exit at 98",
    });
  });

  it("stop before target inside one candle: a short whose candle spans both is stopped out", () => {
    const trigger = checkExits(short({ stopLoss: 102, takeProfit: 97 }), bar(100, 103, 96, 97), NOW);
    expect(trigger).toMatchObject({ reason: "stop_loss", price: 102, level: 102 });
  });

  it("take profit of a long when only the target is inside the candle", () => {
    expect(checkExits(long({ stopLoss: 98, takeProfit: 103 }), bar(100, 103.5, 99, 103), NOW)).toMatchObject({
      reason: "take_profit",
      price: 103,
      level: 103,
    });
  });

  it("take profit of a short when the low reaches the target", () => {
    expect(checkExits(short({ stopLoss: 102, takeProfit: 97 }), bar(99, 99.5, 96.5, 98), NOW)).toMatchObject({ reason: "take_profit", price: 97 });
  });

  it("a candle that gaps through the stop exits at the open, the first price available", () => {
    expect(checkExits(long({ stopLoss: 98 }), bar(96, 97, 95, 96.5), NOW)).toMatchObject({ reason: "stop_loss", price: 96, level: 98 });
    expect(checkExits(short({ stopLoss: 102 }), bar(104, 105, 103, 104), NOW)).toMatchObject({ reason: "stop_loss", price: 104, level: 102 });
  });

  it("with several stops the one nearest the open is hit first", () => {
    const position = long({ stopLoss: 95, atrStop: 96, trailingStop: 98, takeProfit: 110 });
    expect(checkExits(position, bar(99, 99.5, 94, 95), NOW)).toMatchObject({ reason: "trailing_stop", price: 98 });
    expect(checkExits(long({ stopLoss: 95, atrStop: 97 }), bar(99, 99.5, 94, 95), NOW)).toMatchObject({ reason: "atr_stop", price: 97 });
    // A tie goes to the stop loss.
    expect(checkExits(long({ stopLoss: 97, atrStop: 97 }), bar(99, 99.5, 94, 95), NOW)).toMatchObject({ reason: "stop_loss" });
  });

  it("a plain price triggers at that price once the level is crossed, and nothing before", () => {
    const position = long({ stopLoss: 98, takeProfit: 103 });
    expect(checkExits(position, 99, NOW)).toBeNull();
    expect(checkExits(position, 97.5, NOW)).toMatchObject({ reason: "stop_loss", price: 97.5, level: 98 });
    expect(checkExits(position, 103.2, NOW)).toMatchObject({ reason: "take_profit", price: 103.2 });
  });

  it("a position without levels never exits", () => {
    expect(checkExits(long(), bar(100, 200, 1, 100), NOW)).toBeNull();
  });
});

describe("advanceTrailing", () => {
  it("a long's trail activates at +3%, follows new highs and never moves down", () => {
    const position = long({ trailingActivationPct: 3, trailingDistancePct: 1 });
    advanceTrailing(position, 102.99, 101);
    expect(position.trailingStop).toBeUndefined();
    advanceTrailing(position, 103, 102);
    expect(position.trailingStop).toBeCloseTo(101.97, 10); // 103 × 0.99
    advanceTrailing(position, 105, 104);
    expect(position.trailingStop).toBeCloseTo(103.95, 10);
    advanceTrailing(position, 104, 99);
    expect(position.trailingStop).toBeCloseTo(103.95, 10);
    expect(position.extremePrice).toBe(105);
  });

  it("a short's trail activates after a 3% fall and only moves down", () => {
    const position = short({ trailingActivationPct: 3, trailingDistancePct: 2 });
    advanceTrailing(position, 99, 97.5);
    expect(position.trailingStop).toBeUndefined();
    advanceTrailing(position, 98, 95);
    expect(position.trailingStop).toBeCloseTo(96.9, 10); // 95 × 1.02
    advanceTrailing(position, 99, 96);
    expect(position.trailingStop).toBeCloseTo(96.9, 10);
    expect(position.extremePrice).toBe(95);
  });

  it("tracks the best price even when no trailing stop is configured", () => {
    const position = long();
    advanceTrailing(position, 120, 90);
    expect(position.extremePrice).toBe(120);
    expect(position.trailingStop).toBeUndefined();
  });
});

describe("exit rules", () => {
  it("default rules: stop −2%, target +5%, trailing from +3% at 1%, no ATR stop", () => {
    // Issue 16: the Phase 2 plan's 2% / 5% (were 1% / 1.5%, a target below the trailing activation).
    expect(DEFAULT_EXIT_RULES).toEqual({ stopLossPct: 2, takeProfitPct: 5, trailingActivationPct: 3, trailingDistancePct: 1, atrMultiple: null });
    const levels = protectiveLevels("long", 20_000, DEFAULT_EXIT_RULES);
    expect(levels.stopLoss).toBeCloseTo(19_600, 8);
    expect(levels.takeProfit).toBeCloseTo(21_000, 8);
    expect(levels.atrStop).toBeUndefined();
  });

  it("short levels sit on the other side, and an ATR stop needs the ATR at entry", () => {
    const rules = parseExitRules({ stopLossPct: 2, takeProfitPct: 4, atrMultiple: 1.5 });
    const levels = protectiveLevels("short", 100, rules, 2);
    expect(levels.stopLoss).toBeCloseTo(102, 10);
    expect(levels.takeProfit).toBeCloseTo(96, 10);
    expect(levels.atrStop).toBeCloseTo(103, 10); // 100 + 1.5 × 2
    expect(protectiveLevels("long", 100, rules, 2).atrStop).toBeCloseTo(97, 10);
    expect(protectiveLevels("long", 100, rules).atrStop).toBeUndefined();
  });

  it("rejects nonsense rules with the field named", () => {
    expect(() => parseExitRules({ stopLossPct: -1 })).toThrow(/stopLossPct/);
    expect(() => parseExitRules({ trailingDistancePct: Number.NaN })).toThrow(/trailingDistancePct/);
  });
});
