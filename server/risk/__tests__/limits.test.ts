import { describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { AppError } from "../../core/errors";
import { applyTightening, compareLimit, resolveStartupLimits } from "../limits";
import { InMemoryRiskStateStore } from "../state-store";
import { context, entry, MIN, startEngine, T0 } from "./fixtures";

describe("tighten-only limits at run time", () => {
  it("lowering maxOpenPositions 3 → 2 applies at once and is persisted", async () => {
    const { engine, store, sink } = await startEngine();
    const limits = await engine.tightenLimits({ maxOpenPositions: 2, maxTradeLossPct: 0.5 }, { actor: "alice" });
    expect(limits).toMatchObject({ maxOpenPositions: 2, maxTradeLossPct: 0.5 });
    expect((store as InMemoryRiskStateStore).peek()?.effectiveLimits.maxOpenPositions).toBe(2);
    expect(sink.codes("state_change")).toContain("LIMITS_TIGHTENED");
    const d = engine.evaluate(entry({ quantity: 0.02, stopLoss: 47_000 }), context()); // 60 USDT = 0.6% at risk
    expect(d.code).toBe("MAX_TRADE_LOSS");
  });

  it("raising maxOpenPositions 3 → 5 is refused with an error naming the key, and nothing changes", async () => {
    const { engine } = await startEngine();
    const attempt = engine.tightenLimits({ maxTradeLossPct: 0.5, maxOpenPositions: 5 });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(engine.tightenLimits({ maxTradeLossPct: 0.5, maxOpenPositions: 5 })).rejects.toMatchObject({
      code: "RISK_LIMIT_LOOSENING",
      message: expect.stringContaining("maxOpenPositions 3 → 5 would loosen it"),
    });
    expect(engine.limits.maxTradeLossPct).toBe(1); // all-or-nothing
  });

  it.each([
    ["minEdgeOverFeesPct down (higher is tighter)", { minEdgeOverFeesPct: 0.2 }],
    ["removing the quote cap", { maxPositionQuote: null }],
    ["raising leverage", { maxLeverage: 2 }],
    ["shorter symbol cooldown", { symbolCooldownSec: 60 }],
    ["shorter venue error window", { venueErrorBreakerWindowSec: 60 }],
  ])("refuses loosening: %s", async (_name, change) => {
    const { engine } = await startEngine({ maxPositionQuote: 1_000 });
    await expect(engine.tightenLimits(change as never)).rejects.toMatchObject({ code: "RISK_LIMIT_LOOSENING" });
  });

  it("the time zone and default stop have no tighter direction: config and restart only", () => {
    expect(() => applyTightening(DEFAULT_RISK_LIMITS, { timeZone: "Europe/Berlin" })).toThrow(/timeZone has no tighter direction/);
    expect(() => applyTightening(DEFAULT_RISK_LIMITS, { defaultStopLossPct: 3 })).toThrow(/defaultStopLossPct/);
  });

  it("NaN, out-of-range values and unknown keys are invalid, not loosenings", () => {
    expect(() => applyTightening(DEFAULT_RISK_LIMITS, { maxOpenPositions: Number.NaN })).toThrow(
      expect.objectContaining({ code: "RISK_LIMIT_INVALID", message: expect.stringContaining("maxOpenPositions") }),
    );
    expect(() => applyTightening(DEFAULT_RISK_LIMITS, { dailyLossPct: -1 })).toThrow(expect.objectContaining({ code: "RISK_LIMIT_INVALID" }));
    expect(() => applyTightening(DEFAULT_RISK_LIMITS, { maxBananas: 1 })).toThrow(/maxBananas: not a risk limit/);
  });

  it("the whitelist may only shrink, or go from empty (all symbols) to a list", () => {
    expect(compareLimit("symbolWhitelist", [], ["BTC/USDT"])).toBe("tighter");
    expect(compareLimit("symbolWhitelist", ["BTC/USDT", "ETH/USDT"], ["BTC/USDT"])).toBe("tighter");
    expect(compareLimit("symbolWhitelist", ["BTC/USDT"], [])).toBe("looser");
    expect(compareLimit("symbolWhitelist", ["BTC/USDT"], ["ETH/USDT"])).toBe("looser");
    expect(compareLimit("symbolWhitelist", ["BTC/USDT", "ETH/USDT"], ["ETH/USDT", "BTC/USDT"])).toBe("same");
    expect(() => applyTightening({ ...DEFAULT_RISK_LIMITS, symbolWhitelist: ["BTC/USDT"] }, { symbolWhitelist: [] })).toThrow(
      /symbolWhitelist \[BTC\/USDT\] → \[\] would loosen it \(the whitelist may only shrink\)/,
    );
  });

  it("blackout hours may only grow", () => {
    expect(compareLimit("blackoutHoursUtc", [0], [0, 1])).toBe("tighter");
    expect(compareLimit("blackoutHoursUtc", [0, 1], [1])).toBe("looser");
    expect(() => applyTightening({ ...DEFAULT_RISK_LIMITS, blackoutHoursUtc: [0, 1] }, { blackoutHoursUtc: [1] })).toThrow(/blackout hours may only grow/);
  });

  it("a null quote cap becoming a number is a tightening", () => {
    expect(compareLimit("maxPositionQuote", null, 500)).toBe("tighter");
    expect(compareLimit("maxPositionQuote", 500, null)).toBe("looser");
  });
});

describe("limits across restarts", () => {
  it("a run-time tightening survives a restart while the config is unchanged", async () => {
    const store = new InMemoryRiskStateStore();
    const first = await startEngine({}, { store });
    await first.engine.tightenLimits({ maxOpenPositions: 1 });
    const second = await startEngine({}, { store });
    expect(second.engine.limits.maxOpenPositions).toBe(1);
    expect(second.engine.startup.limits).toMatchObject({ loosened: [], keptRuntimeTightening: ["maxOpenPositions"] });
  });

  it("a config that loosens a key is reported on start-up so it can be audited", async () => {
    const store = new InMemoryRiskStateStore();
    await startEngine({ dailyLossPct: 3 }, { store });
    const { engine, sink } = await startEngine({ dailyLossPct: 5, maxOpenPositions: 2 }, { store });
    expect(engine.limits.dailyLossPct).toBe(5);
    expect(engine.startup.limits.loosened).toEqual([{ key: "dailyLossPct", from: 3, to: 5, direction: "looser" }]);
    expect(engine.startup.limits.tightened).toEqual([{ key: "maxOpenPositions", from: 3, to: 2, direction: "tighter" }]);
    expect(sink.events.find((e) => e.code === "LIMITS_LOOSENED")?.message).toContain("dailyLossPct 3 → 5");
  });

  it("a time zone change is reported as a change without direction", () => {
    const { report } = resolveStartupLimits(
      { ...DEFAULT_RISK_LIMITS, timeZone: "Asia/Tokyo" },
      { configured: DEFAULT_RISK_LIMITS, effective: DEFAULT_RISK_LIMITS },
    );
    expect(report.changed).toEqual([{ key: "timeZone", from: "UTC", to: "Asia/Tokyo", direction: "changed" }]);
  });

  it("raising dailyLossPct in the config and restarting lifts today's daily-loss latch; a plain restart does not", async () => {
    const store = new InMemoryRiskStateStore();
    const first = await startEngine({}, { store });
    first.engine.observe(context({ equity: 10_000 }));
    first.engine.observe(context({ now: T0 + MIN, equity: 9_650 }));
    await first.engine.flush();
    expect((await startEngine({}, { store })).engine.state).toBe("REDUCING");
    const loosened = await startEngine({ dailyLossPct: 5 }, { store });
    expect(loosened.engine.state).toBe("ACTIVE");
    expect(loosened.engine.startup.liftedLatches.map((l) => l.id)).toEqual(["daily_loss"]);
    expect(loosened.sink.codes()).toContain("LATCH_LIFTED_BY_CONFIG");
  });

  it("an invalid configured limit set fails start-up with a clear error", async () => {
    await expect(startEngine({ timeZone: "Nowhere/Land" })).rejects.toMatchObject({ code: "RISK_LIMIT_INVALID", message: expect.stringContaining("Nowhere/Land") });
    await expect(startEngine({ maxOpenPositions: -1 })).rejects.toMatchObject({ code: "RISK_LIMIT_INVALID", message: expect.stringContaining("maxOpenPositions") });
  });
});
