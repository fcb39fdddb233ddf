import { beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../runner";
import { summaryText } from "../report";
import { RELAXED_LIMITS, T0, candlesFrom, registerTestStrategies } from "./helpers";

const H = 3_600_000;
beforeAll(() => registerTestStrategies());

describe("buy and hold beside the backtest", () => {
  it("a strategy that lost while BTC rose 10% shows the +10% it would have made holding", async () => {
    // Flat at 100, a dip the strategy buys and is stopped out of, then a climb to 110.
    const rows: Array<[number, number, number, number]> = [
      [100, 100, 100, 100],
      [100, 100, 100, 100],
      [100, 100, 89, 90],
      [90, 95, 90, 95],
      [95, 105, 95, 105],
      [105, 110, 105, 110],
    ];
    const result = await runBacktest(
      {
        strategies: [{ kind: "test_scripted", params: { enterAt: [T0 + 1 * H], exitAt: [], stopRatio: 0.95, targetRatio: 1.2 }, symbols: ["BTC/USDT"], timeframe: "1h" as const }],
        source: { type: "inline" as const },
        slippageBps: 0,
        riskLimits: RELAXED_LIMITS,
      },
      { data: { series: [{ symbol: "BTC/USDT", timeframe: "1h", candles: candlesFrom(rows) }] } },
    );
    expect(result.metrics.totalReturnPct).toBeLessThan(0);
    const taker = result.config.fees.taker;
    expect(result.benchmark).toMatchObject({ perSymbol: [{ symbol: "BTC/USDT", first: 100, last: 110, returnPct: expect.closeTo(10, 9) }] });
    expect(result.benchmark!.returnPct).toBeCloseTo((1.1 * (1 - taker) * (1 - taker) - 1) * 100, 9);
    expect(summaryText(result)).toMatch(/Buy and hold \(same symbols\)\s+\│?.*9\.\d\d %/);
  });
});
