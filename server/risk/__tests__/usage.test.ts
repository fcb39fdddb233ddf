import { describe, expect, it } from "vitest";
import { InMemoryRiskStateStore } from "../state-store";
import { context, longBtc, MIN, startEngine, T0 } from "./fixtures";

describe("limit usage for the dashboard", () => {
  it("a 500 USDT account that lost 4.10 today shows 4.10 of a 15.00 USDT daily limit", async () => {
    const { engine } = await startEngine();
    engine.observe(context({ equity: 500 }));
    const usage = engine.getUsage(context({ now: T0 + MIN, equity: 495.9 }));
    expect(usage.find((u) => u.key === "dailyLoss")).toEqual({
      key: "dailyLoss",
      label: "Daily loss",
      used: 4.1,
      limit: 15,
      unit: "USDT",
      direction: "max",
      ratio: 0.2733,
    });
  });

  it("reports positions, heat, leverage, reserve and every other limit with a number behind it", async () => {
    const { engine } = await startEngine();
    engine.recordVenueError({ message: "503", at: T0 - 1_000 });
    const ctx = context({
      positions: [
        longBtc({ quantity: 0.02, stopLoss: 49_000 }), // 1,000 USDT, 20 at risk
        { symbol: "ETH/USDT", side: "long", quantity: 0.4, avgEntryPrice: 2_500 }, // 1,000 USDT, default 1% stop: 10 at risk
      ],
      freeQuote: 8_000,
      recentEntries: [{ clientOrderId: "e1", symbol: "BTC/USDT", at: T0 - 2 * MIN }],
    });
    const byKey = Object.fromEntries(engine.getUsage(ctx).map((u) => [u.key, u]));
    expect(Object.keys(byKey).sort()).toEqual(
      [
        "accountBalance",
        "consecutiveLosses",
        "dailyLoss",
        "drawdown",
        "largestPosition",
        "leverage",
        "openPositions",
        "portfolioHeat",
        "stablecoinReserve",
        "tradesToday",
        "venueErrors",
        "weeklyLoss",
      ].sort(),
    );
    expect(byKey.openPositions).toMatchObject({ used: 2, limit: 3 });
    expect(byKey.largestPosition).toMatchObject({ used: 10, limit: 20 });
    // A position without a stop counts the default stop, 2% since issue 16 (was 1%: used 0.3, ratio 0.05).
    expect(byKey.portfolioHeat).toMatchObject({ used: 0.4, limit: 6, ratio: 0.0667 });
    expect(byKey.leverage).toMatchObject({ used: 0.2, limit: 1, unit: "×" });
    expect(byKey.tradesToday).toMatchObject({ used: 1, limit: 20 });
    expect(byKey.venueErrors).toMatchObject({ used: 1, limit: 5 });
    expect(byKey.stablecoinReserve).toMatchObject({ used: 80, limit: 20, direction: "min", ratio: 0.25 }); // reserve default 20% since issue 16 (was 10, ratio 0.125)
  });

  it("a restart in the middle of the day keeps the day's opening equity", async () => {
    const store = new InMemoryRiskStateStore();
    const first = await startEngine({}, { store });
    first.engine.observe(context({ equity: 10_000 }));
    first.engine.observe(context({ now: T0 + MIN, equity: 9_900 }));
    await first.engine.flush();
    const second = await startEngine({}, { store });
    const usage = second.engine.getUsage(context({ now: T0 + 2 * MIN, equity: 9_900 }));
    expect(usage.find((u) => u.key === "dailyLoss")).toMatchObject({ used: 100, limit: 300 });
    expect(usage.find((u) => u.key === "drawdown")).toMatchObject({ used: 1 });
  });

  it("usage stays JSON-safe with a zero balance", async () => {
    const { engine } = await startEngine();
    const usage = engine.getUsage(context({ equity: 0, freeQuote: 0 }));
    expect(JSON.parse(JSON.stringify(usage))).toEqual(usage);
    expect(usage.every((u) => Number.isFinite(u.ratio) && Number.isFinite(u.used))).toBe(true);
  });
});
