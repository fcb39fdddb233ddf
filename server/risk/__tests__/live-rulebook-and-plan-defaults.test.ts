import { describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS, riskLimitsConfigSchema, type RiskLimits } from "../../config/risk-limits";
import { ManualClock } from "../../core/clock";
import { SequentialIds } from "../../core/ids";
import { computeLiveRamp } from "../../golive/ramp";
import type { KernelMode } from "../../model/types";
import { applyTightening } from "../limits";
import { RiskEngine } from "../risk-engine";
import { InMemoryRiskStateStore } from "../state-store";
import { context, entry, HOUR, longBtc, MIN, T0 } from "./fixtures";

async function start(mode: KernelMode | undefined, limits: Partial<RiskLimits> = {}) {
  const ids = new SequentialIds("evt_");
  return RiskEngine.start({
    limits: { ...DEFAULT_RISK_LIMITS, ...limits },
    store: new InMemoryRiskStateStore(),
    clock: new ManualClock(T0),
    newEventId: () => ids.next(),
    ...(mode ? { mode } : {}),
  });
}

/** BTC at 50,000: a live buy worth `usd` with a 1% stop and a 2% target (reward:risk 2). */
const liveBuy = (usd: number, o: Parameters<typeof entry>[0] = {}) => entry({ quantity: usd / 50_000, stopLoss: 49_500, takeProfit: 51_000, ...o });

describe("the plans' defaults and the live rulebook", () => {
  it("with defaults, the risk status lists the Phase 2 limits and the live rulebook in quote currency", async () => {
    const engine = await start(undefined);
    const { limits } = engine.getStatus();
    expect(limits).toMatchObject({
      maxPositionPctEquity: 20,
      maxPortfolioHeatPct: 6,
      minPositionQuote: 50,
      dailyLossPct: 3,
      maxConsecutiveLosses: 3,
      maxDrawdownPct: 10,
      minAccountBalance: 100,
      stablecoinReservePct: 20,
      maxOpenPositions: 3,
      defaultStopLossPct: 2,
      defaultTakeProfitPct: 5,
      minRewardToRisk: 2,
    });
    expect(limits.live).toEqual({
      maxPositionQuote: 50,
      minPositionQuote: 10,
      maxTradeLossQuote: 5,
      dailyLossQuote: 25,
      weeklyLossQuote: 100,
      maxOpenPositions: 2,
      minEntryIntervalSec: 60,
      symbolWhitelist: ["BTC/USDT", "ETH/USDT"],
      blackoutHoursUtc: [22, 23, 0, 1],
      ramp: { firstCapQuote: 50, tradesToSecondStage: 3, secondCapQuote: 100 },
    });
  });

  it("three losing trades in a row pause entries with the new default", async () => {
    const engine = await start(undefined);
    const loss = (i: number) => ({ symbol: "BTC/USDT", pnl: -5, closedAt: T0 - (10 - i) * MIN });
    expect(engine.observe(context({ recentClosedTrades: [loss(1), loss(2)] }))).toBe("ACTIVE");
    expect(engine.observe(context({ recentClosedTrades: [loss(1), loss(2), loss(3)] }))).toBe("REDUCING");
  });

  it("a misspelt live rule in the config file is an error naming the key", () => {
    const parsed = riskLimitsConfigSchema.safeParse({ live: { maxPositonQuote: 40 } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain("maxPositonQuote");
  });

  it("the live rulebook only tightens at run time: a lower cap is taken, a higher one refused", () => {
    const { limits } = applyTightening(DEFAULT_RISK_LIMITS, { live: { maxPositionQuote: 40 } });
    expect(limits.live.maxPositionQuote).toBe(40);
    expect(limits.live.dailyLossQuote).toBe(25); // the rules not named keep their values
    expect(() => applyTightening(DEFAULT_RISK_LIMITS, { live: { maxPositionQuote: 60 } })).toThrow(expect.objectContaining({ code: "RISK_LIMIT_LOOSENING" }));
    expect(() => applyTightening(DEFAULT_RISK_LIMITS, { live: { symbolWhitelist: ["BTC/USDT", "ETH/USDT", "SOL/USDT"] } })).toThrow(/loosen/);
    expect(applyTightening(DEFAULT_RISK_LIMITS, { live: { blackoutHoursUtc: [21, 22, 23, 0, 1] } }).limits.live.blackoutHoursUtc).toHaveLength(5);
  });
});

describe("reward to risk at least 2", () => {
  it("an entry whose target is 1.5 times its stop distance is refused with its own code", async () => {
    const engine = await start(undefined);
    const d = engine.evaluate(entry({ quantity: 0.02, stopLoss: 49_500, takeProfit: 50_750 }), context());
    expect(d.allowed).toBe(false);
    expect(d.code).toBe("REWARD_TO_RISK_LOW");
    expect(d.message).toContain("1.5:1 is below 2:1");
    expect(d.data).toMatchObject({ targetDistance: 750, stopDistance: 500, rewardToRisk: 1.5, minRewardToRisk: 2 });
  });

  it("the default 2% stop and 5% target pass (2.5:1)", async () => {
    const engine = await start(undefined);
    const d = engine.evaluate(entry({ quantity: 0.02, stopLoss: undefined, takeProfit: undefined }), context());
    expect(d.checks.find((c) => c.check === "reward-to-risk")).toMatchObject({ allowed: true, data: { rewardToRisk: 2.5 } });
    expect(d.code).toBe("ALLOWED");
  });
});

describe("live mode: the position ramp", () => {
  it("a first live entry of $60 is refused by the ramp, saying the cap and how it rises", async () => {
    const engine = await start("live");
    const d = engine.evaluate(liveBuy(60), context());
    expect(d.code).toBe("LIVE_RAMP_CAP");
    expect(d.message).toBe("live ramp (first stage): a position of 60.00 USDT is above the ramp's cap of 50.00 USDT; after 3 winning live trades (0 so far) the cap rises to 100.00 USDT");
    expect(d.data).toMatchObject({ stage: "first", capQuote: 50, positionNotional: 60 });
  });

  it("a first live entry of $45 passes every live rule", async () => {
    const engine = await start("live");
    const d = engine.evaluate(liveBuy(45), context());
    expect(d.code).toBe("ALLOWED");
    for (const check of ["live-ramp", "live-trade-loss", "live-daily-loss", "live-weekly-loss"]) {
      expect(d.checks.find((c) => c.check === check)?.allowed).toBe(true);
    }
  });

  it("the ramp does not apply on paper", async () => {
    const engine = await start("paper");
    const d = engine.evaluate(liveBuy(600), context());
    expect(d.checks.find((c) => c.check === "live-ramp")?.code).toBe("LIVE_RAMP_NOT_LIVE");
    expect(d.code).toBe("ALLOWED");
  });

  it("after three winning live trades the cap is $100; a losing week steps back to $50", async () => {
    const live = { ...DEFAULT_RISK_LIMITS.live, maxPositionQuote: 500 };
    const engine = await start("live", { live });
    const monday = Date.UTC(2024, 2, 4, 9); // the week of T0
    const wins = [1, 2, 3].map((i) => ({ pnl: 1.2, closedAt: monday + i * HOUR }));
    engine.setLiveRamp(computeLiveRamp(wins, T0, live.ramp));
    expect(engine.getStatus().liveRamp).toMatchObject({ stage: "second", capQuote: 100 });
    expect(engine.evaluate(liveBuy(90), context()).code).toBe("ALLOWED");
    expect(engine.evaluate(liveBuy(110, { clientOrderId: "big" }), context({ now: T0 + 2 * MIN })).code).toBe("LIVE_RAMP_CAP");

    // That week ends with a loss: the next week starts at the first stage again.
    const lossy = [...wins, { pnl: -9, closedAt: monday + 4 * HOUR }];
    const nextWeek = Date.UTC(2024, 2, 12, 12);
    const back = computeLiveRamp(lossy, nextWeek, live.ramp);
    expect(back).toMatchObject({ stage: "first", winningTrades: 0 });
    expect(back.reason).toContain("back to the first stage");
  });

  it("full size only after one whole profitable week at the second stage", () => {
    const ramp = DEFAULT_RISK_LIMITS.live.ramp;
    const monday = Date.UTC(2024, 2, 4, 9);
    const week = 7 * 24 * HOUR;
    const trades = [
      ...[1, 2, 3].map((i) => ({ pnl: 1, closedAt: monday + i * HOUR })), // second stage from Monday
      { pnl: 2, closedAt: monday + week + HOUR }, // the next week, entirely at the second stage, ends +2
    ];
    // The week the stage was reached does not count (it began at the first stage).
    expect(computeLiveRamp(trades.slice(0, 3), monday + week + 1, ramp).stage).toBe("second");
    expect(computeLiveRamp(trades, monday + week + 2 * HOUR, ramp).stage).toBe("second"); // that week is not over
    expect(computeLiveRamp(trades, monday + 2 * week + HOUR, ramp).stage).toBe("full");
  });
});

describe("live mode: the Phase 5 rulebook", () => {
  it("a live trade that could lose more than $5 at its stop is refused", async () => {
    const engine = await start("live");
    const d = engine.evaluate(liveBuy(45, { stopLoss: 43_000, takeProfit: 64_000 }), context());
    expect(d.code).toBe("LIVE_MAX_TRADE_LOSS");
    expect(d.message).toContain("at most 5.00 USDT");
  });

  it("$21 lost today plus $4.50 at this trade's stop passes the $25 daily cap: live trading stops for the day", async () => {
    const engine = await start("live");
    engine.observe(context({ equity: 10_000 }));
    const d = engine.evaluate(liveBuy(45, { stopLoss: 45_000, takeProfit: 60_000 }), context({ now: T0 + HOUR, equity: 9_979 }));
    expect(d.code).toBe("LIVE_DAILY_LOSS");
    expect(d.data).toMatchObject({ lossToday: 21, tradeLossAtStop: 4.5, dailyLossQuote: 25 });
  });

  it("$98 lost this week plus this trade's stop passes the $100 weekly cap: stop and review", async () => {
    const engine = await start("live");
    engine.observe(context({ now: Date.UTC(2024, 2, 4, 9), equity: 10_000 })); // Monday
    engine.observe(context({ now: Date.UTC(2024, 2, 6, 0, 5), equity: 9_910 })); // Wednesday opens at 9,910
    const d = engine.evaluate(liveBuy(45, { stopLoss: 45_000, takeProfit: 60_000 }), context({ equity: 9_902 }));
    expect(d.code).toBe("LIVE_WEEKLY_LOSS_REVIEW");
    expect(d.data).toMatchObject({ lossThisWeek: 98, tradeLossAtStop: 4.5, weeklyLossQuote: 100 });
    expect(d.message).toContain("review the strategy");
  });

  it("live money trades BTC and ETH only, never in the blackout hours, at most two at a time, 60 s apart", async () => {
    const engine = await start("live");
    expect(engine.evaluate(entry({ symbol: "SOL/USDT", quantity: 0.4, stopLoss: 99, takeProfit: 102 }), context()).code).toBe("SYMBOL_NOT_WHITELISTED");
    expect(engine.evaluate(liveBuy(45), context({ now: Date.UTC(2024, 2, 6, 23, 30) })).code).toBe("BLACKOUT_HOUR");
    const two = [longBtc({ quantity: 0.0008, strategyInstanceId: "a" }), { ...longBtc({ quantity: 0.0008 }), symbol: "ETH/USDT", avgEntryPrice: 2_500, stopLoss: 2_475 }];
    expect(engine.evaluate(liveBuy(45, { strategyInstanceId: "b" }), context({ positions: two })).code).toBe("MAX_OPEN_POSITIONS");
    expect(engine.evaluate(liveBuy(45), context()).code).toBe("ALLOWED");
    expect(engine.evaluate(liveBuy(45, { symbol: "ETH/USDT", quantity: 45 / 2_500, stopLoss: 2_475, takeProfit: 2_550 }), context({ now: T0 + 30_000 })).code).toBe("ENTRY_INTERVAL");
  });

  it("sizing in live mode reads the rulebook: the limits in force cap a position at $50", async () => {
    const engine = await start("live");
    expect(engine.limits).toMatchObject({ maxPositionQuote: 50, maxOpenPositions: 2, minPositionQuote: 10, symbolWhitelist: ["BTC/USDT", "ETH/USDT"] });
    const paper = await start("paper");
    expect(paper.limits).toMatchObject({ maxPositionQuote: null, minPositionQuote: 50 });
  });
});
