import { beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { InMemoryCandleStore } from "../../market";
import { parseBacktestConfig } from "../config";
import { runBacktest } from "../runner";
import { BacktestService } from "../service";
import { InMemoryBacktestRunRepository, resultOf } from "../store";
import { RELAXED_LIMITS, T0, candlesFrom, randomWalk, registerTestStrategies } from "./helpers";

const H = 3_600_000;

beforeAll(() => registerTestStrategies());

/** What the trader configured in the risk config: one position at a time, at most 5 % of equity each. */
const TRADER_LIMITS: RiskLimits = { ...DEFAULT_RISK_LIMITS, ...RELAXED_LIMITS, maxOpenPositions: 1, maxPositionPctEquity: 5 };

const FLAT: ReadonlyArray<readonly [number, number, number, number]> = Array.from({ length: 8 }, () => [100, 100, 100, 100] as const);
const data = {
  series: ["BTC/USDT", "ETH/USDT"].map((symbol) => ({ symbol, timeframe: "1h" as const, candles: candlesFrom(FLAT, { symbol }) })),
};

/** Both symbols enter long at the same candle, stop 10 % below (1 % trade risk alone would allow 1 000 USDT). */
const twoEntries = (riskLimits?: Record<string, unknown>) => ({
  strategies: [{ kind: "test_scripted", params: { enterAt: [T0 + 2 * H], stopRatio: 0.9, targetRatio: 1.5 }, symbols: ["BTC/USDT", "ETH/USDT"], timeframe: "1h" as const }],
  source: { type: "inline" as const },
  slippageBps: 0,
  exitRules: { trailingActivationPct: null, trailingDistancePct: null },
  ...(riskLimits ? { riskLimits } : {}),
});

describe("a backtest runs under the trader's configured risk limits", () => {
  it("with no riskLimits in the request: one position only, sized to 5 % of equity", async () => {
    const result = await runBacktest(twoEntries(), { data, baseLimits: TRADER_LIMITS });
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0].quantity * result.trades[0].entryPrice).toBeLessThanOrEqual(500);
    expect(result.trades[0].quantity * result.trades[0].entryPrice).toBeGreaterThan(400);
    expect(result.summary.denials).not.toEqual({});
    // The stored result lists the limits the run was bound by.
    expect(result.config.riskLimits).toMatchObject({ maxOpenPositions: 1, maxPositionPctEquity: 5, maxConsecutiveLosses: 1000 });
  });

  it("a request that overrides one limit changes that one and keeps the trader's others", async () => {
    const result = await runBacktest(twoEntries({ maxOpenPositions: 2 }), { data, baseLimits: TRADER_LIMITS });
    expect(result.trades).toHaveLength(2);
    for (const t of result.trades) expect(t.quantity * t.entryPrice).toBeLessThanOrEqual(500);
    expect(result.config.riskLimits).toMatchObject({ maxOpenPositions: 2, maxPositionPctEquity: 5 });
  });

  it("a request that overrides one live rule keeps the trader's other live rules", async () => {
    const base: RiskLimits = { ...TRADER_LIMITS, live: { ...TRADER_LIMITS.live, maxOpenPositions: 1, dailyLossQuote: 7 } };
    const result = await runBacktest(twoEntries({ live: { maxTradeLossQuote: 2 } }), { data, baseLimits: base });
    expect(result.config.riskLimits.live).toMatchObject({ maxOpenPositions: 1, dailyLossQuote: 7, maxTradeLossQuote: 2 });
  });

  it("the parsed request keeps only the limits it states", () => {
    expect(parseBacktestConfig(twoEntries({ maxOpenPositions: 2 })).riskLimits).toEqual({ maxOpenPositions: 2 });
    expect(parseBacktestConfig(twoEntries()).riskLimits).toEqual({});
    expect(() => parseBacktestConfig(twoEntries({ maxOpenPositions: -1 }))).toThrow(/riskLimits\.maxOpenPositions|maxOpenPositions/);
  });

  it("a backtest started from the API is bound by the configured limits, and its stored config lists them", async () => {
    const repository = new InMemoryBacktestRunRepository();
    const candleStore = new InMemoryCandleStore();
    await candleStore.saveClosed(randomWalk(2_000, { seed: 2 }));
    const service = new BacktestService({
      repository,
      candleStore,
      baseLimits: TRADER_LIMITS,
      defaults: { startingBalance: 10_000, quoteCurrency: "USDT" },
      logger: createLogger("silent"),
      inProcess: true,
    });
    const { id } = await service.start({
      strategies: [{ kind: "ma_crossover", params: { fastPeriod: 5, slowPeriod: 13 }, symbols: ["BTC/USDT"], timeframe: "5m" }],
      from: T0,
      to: T0 + 2_000 * 60_000,
      riskLimits: { maxConsecutiveLosses: 50 },
    });
    await service.idle();
    const row = await repository.get(id);
    expect(row?.status).toBe("completed");
    expect((row?.config as { riskLimits: Partial<RiskLimits> }).riskLimits).toMatchObject({ maxOpenPositions: 1, maxPositionPctEquity: 5, maxConsecutiveLosses: 50 });
    const result = resultOf(row!)!;
    expect(result.config.riskLimits).toMatchObject({ maxOpenPositions: 1, maxPositionPctEquity: 5, maxConsecutiveLosses: 50 });
    expect(result.trades.length).toBeGreaterThan(0);
    for (const t of result.trades) expect(t.quantity * t.entryPrice).toBeLessThanOrEqual(500);
  });
});
