import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { DEFAULT_RISK_CHECKS } from "../checks";
import { strategyBudgetCheck, type StrategyBudget, type StrategyBudgetInput } from "../checks/strategy-budget";
import { RiskMetrics, type RiskEngineView } from "../metrics";
import type { OrderRequest } from "../../model/types";
import type { RiskContext } from "../types";
import { context, entry, longBtc, T0 } from "./fixtures";

const view = { approvedEntries: new Map(), dayAnchor: null, weekAnchor: null, equityPeak: null, lossStreakResetAt: null } as unknown as RiskEngineView;

function decide(request: OrderRequest, ctx: RiskContext, budgets: Record<string, StrategyBudget>) {
  const input = {
    now: T0,
    request,
    ctx,
    limits: DEFAULT_RISK_LIMITS,
    orderClass: "entry",
    tradingState: "ACTIVE",
    latches: [],
    killSwitchBypass: false,
    metrics: new RiskMetrics(ctx, DEFAULT_RISK_LIMITS, view, request),
    liveRamp: { stage: "full", winningTrades: 0, reason: "", since: null },
    sessions: new Map(),
    strategyBudgets: new Map(Object.entries(budgets)),
  } as StrategyBudgetInput;
  return strategyBudgetCheck.evaluate(input);
}

const budget = (o: Partial<StrategyBudget> = {}): StrategyBudget => ({ capital: 1_000, realizedPnl: 0, realizedPnlToday: 0, ...o });
const buy = (usd: number, instance = "str_breakout") => entry({ quantity: usd / 50_000, stopLoss: 49_500, strategyInstanceId: instance });

describe("two strategies, each with its own budget on top of the account's", () => {
  it("is part of the default risk pipeline, after the session caps", () => {
    const ids = DEFAULT_RISK_CHECKS.map((c) => c.id);
    expect(ids.indexOf("strategy-budget")).toBe(ids.indexOf("session-cap") + 1);
  });

  it("an entry that would take the breakout instance past its 1,000 USDT capital is refused; the other instance's positions do not count", () => {
    const held = longBtc({ quantity: 0.012, strategyInstanceId: "str_breakout" }); // 600 USDT
    const others = longBtc({ quantity: 0.1, strategyInstanceId: "str_rsi" }); // 5,000 USDT of another instance
    const d = decide(buy(500), context({ positions: [held, others] }), { str_breakout: budget(), str_rsi: budget({ capital: 6_000 }) });
    expect(d).toMatchObject({ allowed: false, code: "STRATEGY_CAPITAL", data: { committed: 1_100, capital: 1_000 } });
    expect(d.message).toBe("strategy str_breakout: 1100.00 USDT in positions would pass its capital of 1000.00 USDT");
    expect(decide(buy(300), context({ positions: [held, others] }), { str_breakout: budget() }).code).toBe("STRATEGY_BUDGET_OK");
  });

  it("an instance that has lost its own loss limit stops entering, while the account's limits are far away", () => {
    const d = decide(buy(200), context(), { str_breakout: budget({ realizedPnl: -49, maxLossQuote: 50 }) });
    // 49 lost + 0.004 BTC × 500 stop distance = 51 > 50.
    expect(d).toMatchObject({ allowed: false, code: "STRATEGY_MAX_LOSS", data: { realizedPnl: -49, tradeLossAtStop: 2 } });
    const underwater = longBtc({ quantity: 0.01, avgEntryPrice: 52_000, strategyInstanceId: "str_breakout" }); // −20 open
    expect(decide(buy(200), context({ positions: [underwater] }), { str_breakout: budget({ realizedPnlToday: -30, dailyLossQuote: 50 }) }).code).toBe("STRATEGY_DAILY_LOSS");
  });

  it("orders without an instance, or of an instance without a budget, are not its business", () => {
    expect(decide(entry({ quantity: 0.001 }), context(), {}).code).toBe("NO_STRATEGY_INSTANCE");
    expect(decide(buy(100, "str_other"), context(), { str_breakout: budget() }).code).toBe("NO_STRATEGY_BUDGET");
  });

  it("property: an allowed entry never leaves an instance with more committed than its capital", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 100, max: 5_000 }), (usd, heldCents, capital) => {
        const held = longBtc({ quantity: heldCents / 1_000, strategyInstanceId: "str_breakout" });
        const d = decide(buy(usd), context({ positions: [held] }), { str_breakout: budget({ capital }) });
        const committed = usd + (heldCents / 1_000) * 50_000;
        if (d.allowed) expect(committed).toBeLessThanOrEqual(capital * (1 + 1e-9));
        else expect(committed).toBeGreaterThan(capital);
      }),
    );
  });
});
